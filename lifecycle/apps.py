from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LifecycleConfig(AppConfig):
    name = "lifecycle"
    verbose_name = _("Storage lifecycle")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from lifecycle.enqueue import file_saved
        from lifecycle.services import hold_veto
        from recordings.media.services.files import DELETE_VETOES

        # A file that arrives under a policy gets its VOD ExpireTime at once, not at the next daily run.
        post_save.connect(file_saved, sender="recordings.RecordingFile", dispatch_uid="lifecycle_file_saved")
        # A held file is never deleted, whoever asks (the console's delete, the API, the retention run).
        if hold_veto not in DELETE_VETOES:
            DELETE_VETOES.append(hold_veto)
