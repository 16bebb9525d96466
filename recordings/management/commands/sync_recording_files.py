"""`manage.py sync_recording_files [--hours 6]`: add the VOD/COS recording files that no callback reported."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from recordings.media.jobs import DEFAULT_LOOKBACK_HOURS
from recordings.media.services.files import recording_files_sync
from tencent.errors import TencentError


class Command(BaseCommand):
    help = (
        "Find recording files in VOD (SearchMedia) and COS (listing) that no callback reported, and add them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--hours", type=float, default=DEFAULT_LOOKBACK_HOURS, help="How far back to look (default 6)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["hours"] <= 0:
            raise CommandError("--hours must be positive.")
        try:
            report = recording_files_sync(since=timezone.now() - timedelta(hours=options["hours"]))
        except TencentError as exc:
            raise CommandError(f"Tencent Cloud could not be asked: {exc}") from exc
        self.stdout.write(self.style.SUCCESS(str(report)))
