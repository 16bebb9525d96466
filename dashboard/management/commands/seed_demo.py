"""Seed the demo: one user per role, then whatever each app's `demo.seed()` adds. Safe to run again."""

from __future__ import annotations

from importlib import import_module

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext

from dashboard.demo_mode import ADMIN, DEMO_USERS, terminal_language


class Command(BaseCommand):
    help = "Create demo users (one per role) and demo data. Existing rows are kept."

    def handle(self, *args: object, **options: object) -> None:
        # The lines it prints are for the person at the terminal, in the terminal's language.
        with translation.override(terminal_language()):
            self.seed()

    @transaction.atomic
    def seed(self) -> None:
        user_model = get_user_model()
        lines = []
        for username, (role, password) in DEMO_USERS.items():
            user, created = user_model.objects.get_or_create(
                username=username, defaults={"email": f"{username}@example.com"}
            )
            if created:
                user.set_password(password)
                user.save()
            user.groups.add(Group.objects.get(name=role.value))
            lines.append(
                f"  {role.label!s:<10} {username} / {password}"
                + ("" if created else "  " + gettext("(existing; password unchanged)"))
            )
        admin_user, created = user_model.objects.get_or_create(
            username=ADMIN[0], defaults={"is_staff": True, "is_superuser": True, "email": "admin@example.com"}
        )
        if created:
            admin_user.set_password(ADMIN[1])
            admin_user.save()
        admin_label = gettext("Admin")
        lines.append(
            f"  {admin_label:<10} {ADMIN[0]} / {ADMIN[1]}"
            + ("" if created else "  " + gettext("(existing; password unchanged)"))
        )
        for config in apps.get_app_configs():
            try:
                module = import_module(f"{config.name}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.demo":
                    raise
                continue
            for line in module.seed():
                self.stdout.write(f"  {line}")
        self.stdout.write(self.style.SUCCESS(gettext("Demo users:")))
        for line in lines:
            self.stdout.write(line)
