"""`manage.py tencent_setup [--apply [--force]]`: is the Tencent Cloud account ready for cloud-native recording as
configured? One line per check, `ok` or `FAIL` with what to do; exit status 1 when anything fails. `--apply`
creates what is missing (record template, callback template and rule), `--force` also replaces what is wrong."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tencent.setup import tencent_setup_run


class Command(BaseCommand):
    help = "Check the Tencent Cloud account setup (--apply: create what is missing; --force: replace what is wrong)."
    # The doctor reports the same problems the system checks do, and must run while they fail.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--apply", action="store_true", help="create what is missing")
        parser.add_argument(
            "--force", action="store_true", help="with --apply: replace what exists but is wrong"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        endpoint = settings.TENCENT_API_ENDPOINT or f"<service>.{settings.TENCENT_ROOT_DOMAIN}"
        self.stdout.write(
            f"Tencent Cloud at {settings.TENCENT_API_SCHEME}://{endpoint}, region {settings.TENCENT_REGION}"
        )
        report = tencent_setup_run(apply=options["apply"], force=options["force"] and options["apply"])
        for check in report.checks:
            style = self.style.SUCCESS if check.ok else self.style.ERROR
            self.stdout.write(style(check.line))
        if not report.ok:
            raise CommandError("Some checks failed.", returncode=1)
        self.stdout.write(self.style.SUCCESS("The account is ready."))
