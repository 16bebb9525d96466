"""RQ jobs of the outputs side: each catches up on callbacks that were lost (files, push ends)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from recordings.media.services.files import recording_files_sync
from recordings.media.services.live import live_pushes_reconcile

QUEUE = "media"
# Files land about 5 minutes after a segment ends and callbacks are retried for 12 minutes; looking back a few
# hours on every run catches anything lost on the way, at the cost of one SearchMedia page per ten streams.
DEFAULT_LOOKBACK_HOURS = 6.0


def sync_recording_files(hours: float = DEFAULT_LOOKBACK_HOURS) -> str:
    return str(recording_files_sync(since=timezone.now() - timedelta(hours=hours)))


def reconcile_live_pushes() -> int:
    return live_pushes_reconcile()
