"""RQ jobs of the outputs side: applying the stored CSS callbacks, and catching up on callbacks that were lost
(files, push ends)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from recordings.media import enqueue
from recordings.media.services import callbacks
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


def apply_callbacks(lane: int) -> int:
    """Apply one lane's waiting CSS callback events, in arrival order (recordings/media/enqueue.py: who asks)."""
    enqueue.lane_job_started(lane)
    with enqueue.lane_lock(lane) as held:
        if not held:
            return 0  # another job drains the lane, and looks for waiting events again once it lets go
        applied, left = callbacks.callbacks_apply_lane(lane=lane)
    # Events stored while this job held the lane may have had their job leave at once: look once more.
    if left or callbacks.callbacks_waiting(lane=lane):
        enqueue.apply_soon(lane)
    return applied


def sweep_callbacks() -> int:
    """Every few seconds: ask again for the lanes with events waiting too long (lost job, Redis was down)."""
    lanes = callbacks.callbacks_late_lanes(now=timezone.now())
    for lane in lanes:
        enqueue.apply_soon(lane)
    return len(lanes)
