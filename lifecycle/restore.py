"""Restoring an archived file so it can be played: VOD RestoreMedia or COS POST Object restore, with Tencent's
documented delay per tier. VOD says nothing about a restore in DescribeMediaInfos: the console expects the file
at the tier's time and knows it is ready from the RestoreMediaComplete event (lifecycle/events.py); COS tells
through HEAD (x-cos-restore), and what HEAD said is kept on the file's FileLifecycle, so the API's file lists can
show a restore's state without a call per file."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import django_rq
from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, ngettext, pgettext_lazy

from dashboard import audit
from lifecycle.models import FileLifecycle, StorageClass
from lifecycle.plan import ARCHIVES
from recordings.models import RecordingFile, StorageKind
from tencent import cos, vod
from tencent.error_table import Kind
from tencent.errors import TencentError

logger = logging.getLogger(__name__)

MAX_DAYS = 30  # a restored copy is billed per day: a month is plenty to play a file; ask again for more
# A context: "Standard" is also a storage class, and short msgids collide across catalogues.
TIER_LABELS = {
    "Expedited": pgettext_lazy("restore tier", "Expedited"),
    "Standard": pgettext_lazy("restore tier", "Standard"),
    "Bulk": pgettext_lazy("restore tier", "Bulk"),
}
# VOD tells of a finished restore only through its event queue, which the cron pulls every 10 minutes. A page
# waiting for a restore asks for a pull sooner, at most this often for the whole console.
RECONCILE_EVERY_S = 20
RECONCILE_JOB = "lifecycle.jobs.reconcile_vod_events"


class NotArchived(Exception):
    """The file is not in an archive class: it plays without a restore."""


@dataclass(frozen=True)
class RestoreTier:
    name: str  # Tencent's RestoreTier / Tier
    label: str
    seconds: int  # the documented delay (COS: the upper bound of its range)

    @property
    def delay(self) -> str:
        return duration_text(self.seconds)


@dataclass(frozen=True)
class RestoreState:
    archived: bool
    restoring: bool  # asked for, not ready yet
    ready_at: datetime | None  # expected (VOD before its event) or known
    playable: bool
    storage_class: str = "STANDARD"
    until: datetime | None = None  # the restored copy is readable until then
    tiers: tuple[RestoreTier, ...] = ()
    error: str = ""  # Tencent could not be asked (COS HEAD failed): neither offer nor play

    @property
    def storage_class_label(self) -> str:
        return str(StorageClass(self.storage_class).label)

    @property
    def name(self) -> str:
        """One word for the API: none (not archived), archived, restoring, ready."""
        if not self.archived:
            return "none"
        return "ready" if self.playable else "restoring" if self.restoring else "archived"


def duration_text(seconds: float) -> str:
    minutes = max(1, round(seconds / 60))
    if minutes < 60:
        return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}
    hours = round(minutes / 60)
    return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}


def restore_tiers(*, recording_file: RecordingFile, storage_class: str) -> tuple[RestoreTier, ...]:
    """The tiers Tencent restores `storage_class` with, fastest first, with their documented delays."""
    table = vod.RESTORE_TIERS if recording_file.storage == StorageKind.VOD else cos.RESTORE_TIERS
    tiers = table.get(storage_class, {})
    return tuple(
        RestoreTier(name=name, label=str(TIER_LABELS.get(name, name)), seconds=seconds)
        for name, seconds in sorted(tiers.items(), key=lambda item: item[1])
    )


def file_restore(
    *, recording_file: RecordingFile, actor: User | None, tier: str = "Standard", days: int = 1
) -> FileLifecycle:
    """Ask Tencent to restore the file for `days` days; asking again while it runs is harmless."""
    state, _ = FileLifecycle.objects.get_or_create(file=recording_file)
    if state.storage_class not in ARCHIVES:
        raise NotArchived(
            gettext("%(file)s is %(class)s: it plays without a restore.")
            % {"file": recording_file, "class": state.storage_class}
        )
    tiers = {
        item.name: item.seconds
        for item in restore_tiers(recording_file=recording_file, storage_class=state.storage_class)
    }
    if tier not in tiers:
        raise ValueError(
            gettext("%(class)s is restored with %(tiers)s, not %(tier)s.")
            % {"class": state.storage_class, "tiers": ", ".join(tiers), "tier": tier}
        )
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(gettext("Restore for 1 to %(max)d days.") % {"max": MAX_DAYS})
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


def recorded_state(
    *, recording_file: RecordingFile, lifecycle: FileLifecycle | None, now: datetime | None = None
) -> RestoreState:
    """The state as the console last learned it (no call to Tencent): for lists, and VOD's only source."""
    now = now or timezone.now()
    if lifecycle is None or lifecycle.storage_class not in ARCHIVES:
        return RestoreState(archived=False, restoring=False, ready_at=None, playable=True)
    lasting = lifecycle.restore_until is not None and now < lifecycle.restore_until
    ready = lifecycle.restore_confirmed and lasting
    restoring = lifecycle.restore_requested_at is not None and lasting and not ready
    return RestoreState(
        archived=True,
        restoring=restoring,
        ready_at=lifecycle.restore_ready_at if (ready or restoring) else None,
        playable=ready,
        storage_class=lifecycle.storage_class,
        until=lifecycle.restore_until if (ready or restoring) else None,
        tiers=restore_tiers(recording_file=recording_file, storage_class=lifecycle.storage_class),
    )


def lifecycle_of(recording_file: RecordingFile) -> FileLifecycle | None:
    try:
        return recording_file.lifecycle  # type: ignore[no-any-return]  # reverse one-to-one
    except ObjectDoesNotExist:
        return None


def restore_state(*, recording_file: RecordingFile, now: datetime | None = None) -> RestoreState:
    """Whether the file plays now, and if not, what a restore would take or when the running one is ready.
    COS is asked (HEAD); a failed HEAD is reported in `error` instead of raised."""
    now = now or timezone.now()
    state = FileLifecycle.objects.filter(file=recording_file).first()
    recorded = recorded_state(recording_file=recording_file, lifecycle=state, now=now)
    if state is None or not recorded.archived or recording_file.storage != StorageKind.COS:
        return recorded
    try:
        head = cos.head_object(key=recording_file.cos_key)
    except TencentError as exc:
        return RestoreState(
            archived=True,
            restoring=False,
            ready_at=None,
            playable=False,
            storage_class=state.storage_class,
            tiers=recorded.tiers,
            error=exc.message,
        )
    ready = head.restore_expires is not None and not head.restore_ongoing
    if ready and not (state.restore_confirmed and state.restore_until == head.restore_expires):
        # Kept, so lists (the API) show it without a HEAD per file.
        state.restore_confirmed, state.restore_until = True, head.restore_expires
        state.restore_ready_at = state.restore_ready_at or now
        state.save(update_fields=["restore_confirmed", "restore_until", "restore_ready_at"])
    return RestoreState(
        archived=True,
        restoring=head.restore_ongoing,
        ready_at=state.restore_ready_at if (ready or head.restore_ongoing) else None,
        playable=ready,
        storage_class=state.storage_class,
        until=head.restore_expires,
        tiers=recorded.tiers,
    )


def restore_check(*, recording_file: RecordingFile, now: datetime | None = None) -> RestoreState:
    """restore_state for a page waiting on a restore: a VOD restore that is not confirmed yet has VOD's event
    queue pulled soon (at most every RECONCILE_EVERY_S for the whole console, in a worker), since Tencent may
    finish before the documented time and the cron only pulls every 10 minutes."""
    state = restore_state(recording_file=recording_file, now=now)
    if state.restoring and recording_file.storage == StorageKind.VOD and request_event_pull():
        state = restore_state(
            recording_file=recording_file, now=now
        )  # a synchronous queue applied it already
    return state


def request_event_pull() -> bool:
    """Queue one pull of VOD's event queue unless one was queued in the last RECONCILE_EVERY_S seconds
    (settings.RESTORE_EVENT_PULL_EVERY_S overrides it; 0: every time)."""
    every = int(getattr(settings, "RESTORE_EVENT_PULL_EVERY_S", RECONCILE_EVERY_S))
    if every > 0 and not cache.add("lifecycle:restore-event-pull", 1, timeout=every):
        return False
    try:
        django_rq.get_queue("default").enqueue(RECONCILE_JOB, result_ttl=0, job_timeout=300)
    except Exception:  # Redis down: the 10-minute cron still pulls
        logger.exception("Could not queue a pull of VOD's event queue")
        return False
    return True


def restore_json(state: RestoreState) -> dict[str, Any]:
    """The API's `restore` object of a file (None when the file plays without one)."""
    return {
        "state": state.name,
        "ready_at": state.ready_at,
        "until": state.until,
        "tiers": [{"tier": tier.name, "seconds": tier.seconds} for tier in state.tiers],
    }
