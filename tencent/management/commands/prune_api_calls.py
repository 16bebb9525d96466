"""`manage.py prune_api_calls --days 30`: delete call-log rows older than the retention period.

Polling (stream state, record tasks, usage) adds rows all day; run this daily (cron or an RQ scheduler).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from tencent.models import ApiCall

DEFAULT_RETENTION_DAYS = 30


class Command(BaseCommand):
    help = "Delete Tencent API call-log rows older than --days (default 30)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=DEFAULT_RETENTION_DAYS)

    def handle(self, *args: Any, days: int, **options: Any) -> None:
        if days < 1:
            raise CommandError("--days must be at least 1")
        deleted, _ = ApiCall.objects.filter(started_at__lt=timezone.now() - timedelta(days=days)).delete()
        self.stdout.write(f"Deleted {deleted} API call(s) older than {days} days.")
