"""Retention policies and legal holds applied to the recorded files, through the gateway (tencent/), audited.

`retention_apply` is the daily job's body and is idempotent: per file it compares what the policy wants now
(lifecycle.plan.wanted) with what the console last made Tencent do (FileLifecycle) and makes only the missing
calls — set or clear the VOD ExpireTime (Tencent then deletes on time even while the console is down), move to a
colder class, delete what is due (COS; VOD files whose expiry Tencent already carried out are marked deleted).
Each action is one audit row; a failed call is kept on the file's FileLifecycle (Needs attention) and retried by
the next run.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext

from dashboard import audit
from lifecycle.models import FileClassChange, FileLifecycle, LegalHold, RetentionPolicy
from lifecycle.plan import wanted
from recordings.media.services.files import recording_file_delete
from recordings.models import ClientApp, RecordingFile, RecordingSession, ReviewStatus, Room, StorageKind
from tencent import cos, vod
from tencent.error_table import Kind
from tencent.errors import TencentError

logger = logging.getLogger(__name__)

POLICY_FIELDS = [
    "keep_days",
    "rejected_keep_days",
    "standard_ia_after_days",
    "archive_after_days",
    "deep_archive_after_days",
]


@dataclass
class ApplyReport:
    files: int = 0
    expiries_set: int = 0
    moved: int = 0
    deleted: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def policy_for(recording_file: RecordingFile) -> RetentionPolicy | None:
    """The room's own policy, else its client app's, else none (kept forever)."""
    room = recording_file.room
    return None if room is None else RetentionPolicy.objects.in_effect(room)


def retention_policy_save(
    *, client_app: ClientApp | None = None, room: Room | None = None, data: dict[str, Any], actor: User | None
) -> RetentionPolicy:
    """Create or change the policy of a client app or of one room (validated, audited)."""
    with transaction.atomic():
        policy = RetentionPolicy.objects.select_for_update().filter(
            client_app=client_app, room=room
        ).first() or RetentionPolicy(client_app=client_app, room=room)
        before = audit.snapshot(policy, POLICY_FIELDS) if policy.pk else {}
        for name in POLICY_FIELDS:
            setattr(policy, name, data.get(name))
        policy.full_clean()
        policy.save()
        audit.record(
            actor=actor,
            action="retention.policy_save",
            obj=policy,
            changes=audit.diff_fields(before, audit.snapshot(policy, POLICY_FIELDS)),
        )
    return policy


def retention_policy_remove(*, room: Room, actor: User | None) -> bool:
    """Drop a room's own policy so it inherits its client app's again (audited); False when it had none.
    Like a saved change, the files are brought in line by the daily run."""
    with transaction.atomic():
        policy = RetentionPolicy.objects.select_for_update().filter(room=room).first()
        if policy is None:
            return False
        before = audit.snapshot(policy, POLICY_FIELDS)
        audit.record(
            actor=actor,
            action="retention.policy_remove",
            obj=policy,
            changes=audit.diff_fields(before, dict.fromkeys(POLICY_FIELDS)),
        )
        policy.delete()
    return True


def legal_hold_place(
    *,
    reason: str,
    actor: User,
    file: RecordingFile | None = None,
    session: RecordingSession | None = None,
    room: Room | None = None,
    until: datetime | None = None,
) -> LegalHold:
    """Hold a file, a recording or a room: its files are neither deleted nor archived, and their VOD expiry is
    cleared at once (not at the next daily run)."""
    with transaction.atomic():
        hold = LegalHold(
            file=file, session=session, room=room, reason=reason.strip(), placed_by=actor, until=until
        )
        hold.full_clean()
        hold.save()
        audit.record(
            actor=actor,
            action="retention.hold_place",
            obj=hold,
            changes={"reason": hold.reason, "until": until.isoformat() if until else None},
        )
    retention_apply(files=_held_files(hold), actor=actor)
    return hold


def legal_hold_lift(*, hold: LegalHold, actor: User) -> LegalHold:
    """Lift a hold (audited) and apply the policy again to the files it protected."""
    with transaction.atomic():
        hold = LegalHold.objects.select_for_update().get(pk=hold.pk)
        if hold.lifted_at is None:
            hold.lifted_at, hold.lifted_by = timezone.now(), actor
            hold.save(update_fields=["lifted_at", "lifted_by"])
            audit.record(actor=actor, action="retention.hold_lift", obj=hold, changes={"reason": hold.reason})
    retention_apply(files=_held_files(hold), actor=actor)
    return hold


def hold_veto(recording_file: RecordingFile) -> str:
    """Why the file may not be deleted now ("" when it may): registered with recording_file_delete's vetoes."""
    hold = LegalHold.objects.covering(recording_file).select_related("placed_by").first()
    if hold is None:
        return ""
    # Shown to the person who tried the delete (page message or API answer), in their language.
    if hold.placed_by is None:
        return gettext("%(file)s is under a legal hold: %(reason)s") % {
            "file": recording_file,
            "reason": hold.reason,
        }
    return gettext("%(file)s is under a legal hold placed by %(who)s: %(reason)s") % {
        "file": recording_file,
        "who": hold.placed_by.get_username(),
        "reason": hold.reason,
    }


def _held_files(hold: LegalHold) -> list[RecordingFile]:
    files = RecordingFile.objects.present()
    if hold.file_id:
        return list(files.filter(pk=hold.file_id))
    if hold.session_id:
        return list(files.filter(session_id=hold.session_id))
    return list(files.filter(room=hold.room))


def retention_apply_file(*, file_pk: int) -> ApplyReport:
    """One file, e.g. just arrived: its ExpireTime is set at once, so Tencent deletes on time even if the console
    is down when the day comes."""
    return retention_apply(files=RecordingFile.objects.present().filter(pk=file_pk).select_related("room"))


def retention_apply(
    *, files: Iterable[RecordingFile] | None = None, now: datetime | None = None, actor: User | None = None
) -> ApplyReport:
    """Bring every present file with a policy (or a hold) to what its policy wants now."""
    now = now or timezone.now()
    report = ApplyReport()
    candidates = files if files is not None else _files_in_scope()
    for recording_file in candidates:
        report.files += 1
        try:
            _apply_one(recording_file, now=now, actor=actor, report=report)
        except TencentError as exc:
            report.failed += 1
            report.errors.append(f"{recording_file}: {exc}")
            FileLifecycle.objects.filter(file=recording_file).update(
                last_error=str(exc)[:2000], failed_at=now, failures=F("failures") + 1
            )
            logger.warning("retention of %s failed: %s", recording_file, exc)
    return report


def _files_in_scope() -> Iterable[RecordingFile]:
    rooms = RetentionPolicy.objects.exclude(room=None).values("room_id")
    apps = RetentionPolicy.objects.filter(room=None).values("client_app_id")
    held = LegalHold.objects.active().values("file_id")
    scope = Q(room_id__in=rooms) | Q(room__client_app_id__in=apps) | Q(pk__in=held)
    return RecordingFile.objects.present().filter(scope).select_related("room").order_by("pk").iterator()


def _apply_one(
    recording_file: RecordingFile, *, now: datetime, actor: User | None, report: ApplyReport
) -> None:
    state, _ = FileLifecycle.objects.get_or_create(file=recording_file)
    held = LegalHold.objects.covering(recording_file, now).exists()
    want = wanted(
        policy=policy_for(recording_file),
        recorded_end=recording_file.content_end,
        rejected=recording_file.review_status == ReviewStatus.REJECTED,
        held=held,
        current_class=state.storage_class,
        now=now,
    )
    is_vod = recording_file.storage == StorageKind.VOD
    if want.delete_now:
        with transaction.atomic():
            # A VOD file Tencent already deleted at its ExpireTime answers "not found": marked deleted all the same.
            recording_file_delete(file_pk=recording_file.pk, actor=actor)
        _done(state, now)
        report.deleted += 1
        return
    # Tencent's default is "never expires": a file whose expiry was never set needs a call only to set one.
    expiry_differs = state.expire_at != want.expire_at if state.expire_synced else want.expire_at is not None
    if is_vod and expiry_differs:
        try:
            vod.set_media_expiry(file_id=recording_file.file_id, expire_at=want.expire_at)
        except TencentError as exc:
            if exc.kind != Kind.GONE:
                raise
            with transaction.atomic():
                recording_file_delete(file_pk=recording_file.pk, actor=actor)
            report.deleted += 1
            return
        audit.record(
            actor=actor,
            action="retention.expiry",
            obj=recording_file,
            changes={"expire_at": [_iso(state.expire_at), _iso(want.expire_at)], "held": held},
        )
        state.expire_at, state.expire_synced = want.expire_at, True
        report.expiries_set += 1
    if want.storage_class != state.storage_class:
        if is_vod:
            vod.modify_media_storage_class(
                file_ids=[recording_file.file_id], storage_class=want.storage_class
            )
        else:
            cos.set_object_storage_class(key=recording_file.cos_key, storage_class=want.storage_class)
        audit.record(
            actor=actor,
            action="retention.move",
            obj=recording_file,
            changes={"storage_class": [state.storage_class, want.storage_class]},
        )
        state.storage_class, state.class_since = want.storage_class, now
        # The class history the cost report prices each day by (FileLifecycle keeps only the latest class).
        FileClassChange.objects.create(file=recording_file, storage_class=want.storage_class, at=now)
        report.moved += 1
    _done(state, now)


def _done(state: FileLifecycle, now: datetime) -> None:
    state.applied_at, state.last_error, state.failed_at = now, "", None
    state.save()


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
