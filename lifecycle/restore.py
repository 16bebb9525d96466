"""Restoring an archived file so it can be played: VOD RestoreMedia or COS POST Object restore, with Tencent's
documented delay per tier. VOD says nothing about a restore in DescribeMediaInfos: the console expects the file
at the tier's time and knows it is ready from the RestoreMediaComplete event (lifecycle/events.py); COS tells
through HEAD (x-cos-restore)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from dashboard import audit
from lifecycle.models import FileLifecycle
from lifecycle.plan import ARCHIVES
from recordings.models import RecordingFile, StorageKind
from tencent import cos, vod
from tencent.error_table import Kind
from tencent.errors import TencentError


class NotArchived(Exception):
    """The file is not in an archive class: it plays without a restore."""


@dataclass(frozen=True)
class RestoreState:
    archived: bool
    restoring: bool  # asked for, not ready yet
    ready_at: datetime | None  # expected (VOD before its event) or known
    playable: bool


def file_restore(
    *, recording_file: RecordingFile, actor: User | None, tier: str = "Standard", days: int = 1
) -> FileLifecycle:
    """Ask Tencent to restore the file for `days` days; asking again while it runs is harmless."""
    state, _ = FileLifecycle.objects.get_or_create(file=recording_file)
    if state.storage_class not in ARCHIVES:
        raise NotArchived(f"{recording_file} is {state.storage_class}: it plays without a restore.")
    tiers = (vod.RESTORE_TIERS if recording_file.storage == StorageKind.VOD else cos.RESTORE_TIERS)[
        state.storage_class
    ]
    if tier not in tiers:
        raise ValueError(f"{state.storage_class} is restored with {', '.join(tiers)}, not {tier}")
    try:
        if recording_file.storage == StorageKind.VOD:
            vod.restore_media(file_ids=[recording_file.file_id], restore_day=days, restore_tier=tier)
        else:
            cos.restore_object(key=recording_file.cos_key, days=days, tier=tier)
    except TencentError as exc:
        if exc.kind != Kind.GONE:  # GONE: a restore already runs
            raise
        return state
    now = timezone.now()
    with transaction.atomic():
        state.restore_requested_at = now
        state.restore_ready_at = now + timedelta(seconds=tiers[tier])
        state.restore_until = state.restore_ready_at + timedelta(days=days)
        state.restore_confirmed = False
        state.save()
        audit.record(
            actor=actor, action="retention.restore", obj=recording_file, changes={"tier": tier, "days": days}
        )
    return state


def restore_state(*, recording_file: RecordingFile, now: datetime | None = None) -> RestoreState:
    now = now or timezone.now()
    state = FileLifecycle.objects.filter(file=recording_file).first()
    if state is None or state.storage_class not in ARCHIVES:
        return RestoreState(archived=False, restoring=False, ready_at=None, playable=True)
    if recording_file.storage == StorageKind.COS:
        head = cos.head_object(key=recording_file.cos_key)
        ready = head.restore_expires is not None and not head.restore_ongoing
        return RestoreState(
            archived=True, restoring=head.restore_ongoing, ready_at=state.restore_ready_at, playable=ready
        )
    lasting = state.restore_until is not None and now < state.restore_until
    ready = state.restore_confirmed and lasting
    restoring = state.restore_requested_at is not None and lasting and not ready
    return RestoreState(archived=True, restoring=restoring, ready_at=state.restore_ready_at, playable=ready)
