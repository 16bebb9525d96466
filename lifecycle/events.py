"""What Tencent did on its own, from VOD's reliable event queue: files it deleted (their ExpireTime passed) and
restores that finished. The console's records follow; each event is confirmed only after it was applied, so an
event lost with a crash is pulled again (Tencent re-offers it after 30 s)."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from dashboard import audit
from lifecycle.models import FileLifecycle
from recordings.models import RecordingFile, StorageKind
from tencent import vod
from tencent.results import VodEvent

logger = logging.getLogger(__name__)
MAX_ROUNDS = 20  # 16 events a pull: bounded, the next run takes the rest


def vod_events_reconcile(*, max_rounds: int = MAX_ROUNDS) -> int:
    """Apply and confirm waiting VOD events; returns how many were handled. Needs the queue switched on
    (tencent.vod.enable_event_queue, PULL mode with FileDeleted)."""
    handled = 0
    for _ in range(max_rounds):
        events = vod.pull_events()  # waits up to 5 s when none waits
        if not events:
            break
        for event in events:
            _apply(event)
        vod.confirm_events(handles=[event.handle for event in events])
        handled += len(events)
    return handled


def _apply(event: VodEvent) -> None:
    now = timezone.now()
    files = RecordingFile.objects.filter(storage=StorageKind.VOD, file_id__in=event.file_ids)
    if event.event_type == "FileDeleted":
        for recording_file in files.filter(deleted_at__isnull=True):
            with transaction.atomic():
                # Tencent already deleted it: the record follows whatever the console would have allowed.
                recording_file.deleted_at = now
                recording_file.save(update_fields=["deleted_at"])
                audit.record(
                    actor=None,
                    action="retention.deleted_by_tencent",
                    obj=recording_file,
                    changes={"file_id": recording_file.file_id, "size_bytes": recording_file.size_bytes},
                )
    elif event.event_type == "RestoreMediaComplete":
        for recording_file in files:
            if event.restore_day == 0 and event.target_storage_class:  # a class change out of an archive
                FileLifecycle.objects.update_or_create(
                    file=recording_file,
                    defaults={"storage_class": event.target_storage_class, "class_since": now},
                )
            else:  # a temporary copy: readable from now for its days
                FileLifecycle.objects.update_or_create(
                    file=recording_file,
                    defaults={
                        "restore_ready_at": now,
                        "restore_until": now + timedelta(days=event.restore_day),
                        "restore_confirmed": True,
                    },
                )
            audit.record(
                actor=None,
                action="retention.restored",
                obj=recording_file,
                changes={
                    "tier": event.restore_tier,
                    "days": event.restore_day,
                    "class": event.target_storage_class,
                },
            )
    else:
        logger.info("VOD event %s ignored", event.event_type)
