from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def ensure_role_groups(**kwargs: Any) -> None:
    """Recreate the role groups after a database flush (the data migration only runs once; a test flush or
    `manage.py flush` empties the table and re-emits post_migrate)."""
    from django.contrib.auth.models import Group

    from dashboard.access import Role

    for role in Role:
        Group.objects.get_or_create(name=role.value)


class DashboardConfig(AppConfig):
    name = "dashboard"
    verbose_name = "Console"

    def ready(self) -> None:
        from dashboard import checks  # noqa: F401  (registers the system checks)

        post_migrate.connect(ensure_role_groups, sender=self, dispatch_uid="dashboard.ensure_role_groups")
        from django.contrib.auth.signals import user_logged_in

        from dashboard.middleware import remember_time_zone_at_login

        user_logged_in.connect(remember_time_zone_at_login, dispatch_uid="dashboard.remember_time_zone")
        from axes.signals import user_locked_out

        from dashboard.audit import on_user_locked_out

        user_locked_out.connect(on_user_locked_out, dispatch_uid="dashboard.audit_lockout")
