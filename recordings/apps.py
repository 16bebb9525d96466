from django.apps import AppConfig


class RecordingsConfig(AppConfig):
    name = "recordings"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from recordings.media.storage import storage_changed
        from recordings.models import ClientApp, RecordingFile, Room
        from recordings.overview import catalog_changed

        # The storage totals' cache follows every saved or deleted file (recordings.media.storage).
        post_save.connect(storage_changed, sender=RecordingFile, dispatch_uid="storage_totals_save")
        post_delete.connect(storage_changed, sender=RecordingFile, dispatch_uid="storage_totals_delete")
        # The overview's catalog counts likewise follow every saved or deleted app and room (recordings.overview).
        for model in (ClientApp, Room):
            post_save.connect(
                catalog_changed, sender=model, dispatch_uid=f"catalog_counts_save_{model.__name__}"
            )
            post_delete.connect(
                catalog_changed, sender=model, dispatch_uid=f"catalog_counts_delete_{model.__name__}"
            )
