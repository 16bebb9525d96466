from django.apps import AppConfig


class TencentConfig(AppConfig):
    name = "tencent"
    verbose_name = "Tencent Cloud gateway"

    def ready(self) -> None:
        from tencent import checks  # noqa: F401  (registers the system checks)
