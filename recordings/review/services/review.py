"""The moderation workflow: claim, verdict (with revisions), escalate, notes, interaction markers; queue and stats.

Every write locks the file row first (`select_for_update`), so two moderators acting on the same file at the same
moment are serialised: the second one sees the first one's claim or verdict and gets a clear `ReviewError`.
"""

from __future__ import annotations

import functools
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db import IntegrityError, transaction
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext

from dashboard import audit
from dashboard.access import Capability, Role, has_capability
from dashboard.timezones import format_local
from recordings.emulator_bridge import forward_interactions
from recordings.models import (
    CheckState,
    Decision,
    InteractionEvent,
    QaCheck,
    QaFlag,
    RecordingFile,
    RecordingSession,
    RejectReason,
    ReviewClaim,
    ReviewNote,
    ReviewStatus,
    ReviewVerdict,
    Room,
)
from recordings.review.enqueue import enqueue_qa_checks
from recordings.review.models import CLAIM_TTL, INTERACTION_KIND_PATTERN
from webhooks import events as webhook_events

MAX_INTERACTIONS_PER_POST = 1000
# How long the moderator who gave a verdict may take it back (the review page offers "Undo" for this long): a
# single key approves at once, so a slip of the finger must be cheap to reverse without a confirmation dialog.
VERDICT_UNDO_WINDOW = timedelta(seconds=5)


class ReviewError(Exception):
    """A workflow rule said no; the message is meant for the user."""


# --- who may do what ----------------------------------------------------------------------------------------


def current_verdict(recording: RecordingFile) -> ReviewVerdict | None:
    return ReviewVerdict.objects.filter(file=recording, is_current=True).first()


def may_decide(user: AbstractBaseUser | AnonymousUser, recording: RecordingFile) -> bool:
    """Moderators decide on any file; a manager only on a file escalated to them."""
    if has_capability(user, Capability.REVIEW):
        return True
    if not has_capability(user, Capability.VIEW_REVIEWS):
        return False
    verdict = current_verdict(recording)
    return (
        verdict is not None and verdict.decision == Decision.ESCALATE and verdict.escalated_to_id == user.pk
    )


def escalation_targets() -> QuerySet[User]:
    """Moderators and managers (active users)."""
    return (
        User.objects.filter(is_active=True, groups__name__in=[Role.MODERATOR.value, Role.MANAGER.value])
        .distinct()
        .order_by("username")
    )


# --- claims ---------------------------------------------------------------------------------------------------


def _locked_file(file_pk: int) -> RecordingFile:
    recording = RecordingFile.objects.select_for_update().filter(pk=file_pk).first()
    if recording is None:
        raise ReviewError(gettext("This recording file does not exist."))
    if recording.deleted_at is not None:
        raise ReviewError(gettext("This file was deleted; there is nothing left to review."))
    return recording


def _refuse_if_claimed_by_other(recording: RecordingFile, actor: User, now: datetime) -> None:
    claim = ReviewClaim.objects.active_on(recording, now)
    if claim is not None and claim.moderator_id != actor.pk:
        raise ReviewError(
            gettext("%(user)s is reviewing this file (claimed until %(until)s).")
            % {"user": claim.moderator.get_username(), "until": format_local(claim.expires_at, "H:i")}
        )


def _refuse_if_escalated_to_other(recording: RecordingFile, actor: User) -> None:
    verdict = current_verdict(recording)
    if verdict is not None and verdict.decision == Decision.ESCALATE and verdict.escalated_to_id != actor.pk:
        target = verdict.escalated_to.get_username() if verdict.escalated_to else gettext("someone else")
        raise ReviewError(gettext("This file was escalated to %(user)s.") % {"user": target})


@transaction.atomic
def review_claim(*, file_pk: int, actor: User, now: datetime | None = None) -> ReviewClaim:
    """Take (or renew) the claim on a pending file for `CLAIM_TTL`."""
    now = now or timezone.now()
    if not has_capability(actor, Capability.REVIEW):
        raise ReviewError(gettext("Only moderators claim files."))
    recording = _locked_file(file_pk)
    if recording.review_status != ReviewStatus.PENDING:
        raise ReviewError(
            gettext("This file is already %(status)s.")
            % {"status": recording.get_review_status_display().lower()}
        )
    _refuse_if_claimed_by_other(recording, actor, now)
    _refuse_if_escalated_to_other(recording, actor)
    claim, created = ReviewClaim.objects.update_or_create(
        file=recording, defaults={"moderator": actor, "claimed_at": now, "expires_at": now + CLAIM_TTL}
    )
    audit.record(
        actor=actor,
        action="review.claim" if created else "review.claim_renew",
        obj=recording,
        changes={"expires_at": claim.expires_at.isoformat()},
    )
    return claim


@transaction.atomic
def review_release(*, file_pk: int, actor: User) -> None:
    recording = _locked_file(file_pk)
    deleted, _ = ReviewClaim.objects.filter(file=recording, moderator=actor).delete()
    if deleted:
        audit.record(actor=actor, action="review.release", obj=recording)


def review_claim_next(*, actor: User, now: datetime | None = None) -> RecordingFile | None:
    """Claim the oldest pending file nobody holds (the caller's own claims come first, escalations to them too)."""
    now = now or timezone.now()
    mine = (
        ReviewClaim.objects.filter(
            moderator=actor, expires_at__gt=now, file__review_status=ReviewStatus.PENDING
        )
        .order_by("file__content_start", "file_id")
        .values_list("file_id", flat=True)
        .first()
    )
    if mine is not None:
        review_claim(file_pk=mine, actor=actor, now=now)
        return RecordingFile.objects.get(pk=mine)
    for candidate in queue_files().unclaimed(now).for_reviewer(actor).values_list("pk", flat=True)[:20]:
        try:
            review_claim(file_pk=candidate, actor=actor, now=now)
        except ReviewError:
            continue  # someone took it between the read and the lock: try the next one
        return RecordingFile.objects.get(pk=candidate)
    return None


# --- verdicts ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VerdictInput:
    decision: str
    reason_code: str = ""
    comment: str = ""
    hide_from_outputs: bool = True
    escalate_to: int | None = None
    # The revision the moderator saw (0: no verdict yet); None skips the check. A different current revision means
    # someone decided meanwhile, and deciding on a stale page would silently overrule them.
    expected_revision: int | None = None


def _refuse_if_stale(previous: ReviewVerdict | None, expected_revision: int | None) -> None:
    if expected_revision is None or expected_revision == (previous.revision if previous else 0):
        return
    if previous is None:
        raise ReviewError(
            gettext("The verdict you saw was taken back meanwhile; the file is pending again. Decide again.")
        )
    by = previous.moderator.get_username() if previous.moderator else gettext("someone")
    raise ReviewError(
        gettext(
            "The verdict changed while you were reviewing: %(user)s made it %(decision)s "
            "(revision %(revision)d). Check the history and decide again."
        )
        % {"user": by, "decision": previous.get_decision_display().lower(), "revision": previous.revision}
    )


@transaction.atomic
def review_verdict(
    *, file_pk: int, verdict: VerdictInput, actor: User, now: datetime | None = None
) -> ReviewVerdict:
    """Approve, reject or escalate; on a file that already has a verdict this is a revision (history is kept)."""
    now = now or timezone.now()
    recording = _locked_file(file_pk)
    if not may_decide(actor, recording):
        raise ReviewError(gettext("Your role may not give a verdict on this file."))
    _refuse_if_claimed_by_other(recording, actor, now)
    _refuse_if_escalated_to_other(recording, actor)
    previous = current_verdict(recording)
    _refuse_if_stale(previous, verdict.expected_revision)
    if verdict.decision not in Decision.values:
        raise ReviewError(gettext("Choose approve, reject or escalate."))
    reason = None
    target = None
    if verdict.decision == Decision.REJECT:
        reason = RejectReason.objects.active().filter(code=verdict.reason_code).first()
        if reason is None:
            raise ReviewError(gettext("Choose a reason for the rejection."))
    if verdict.decision == Decision.ESCALATE:
        target = escalation_targets().filter(pk=verdict.escalate_to).first() if verdict.escalate_to else None
        if target is None:
            raise ReviewError(gettext("Choose the moderator or manager to escalate to."))
        if target.pk == actor.pk:
            raise ReviewError(gettext("Escalate to someone else."))
    revision = 1
    if previous is not None:
        revision = previous.revision + 1
        ReviewVerdict.objects.filter(pk=previous.pk).update(is_current=False)
    created = ReviewVerdict.objects.create(
        file=recording,
        revision=revision,
        decision=verdict.decision,
        reason=reason,
        comment=verdict.comment.strip(),
        hide_from_outputs=verdict.decision == Decision.REJECT and verdict.hide_from_outputs,
        escalated_to=target,
        moderator=actor,
        decided_at=now,
    )
    status_before = recording.review_status
    recording.review_status = _status_of(verdict.decision)
    recording.save(update_fields=["review_status"])
    webhook_events.review_decided(created)
    ReviewClaim.objects.filter(file=recording).delete()
    audit.record(
        actor=actor,
        action="review.revise" if previous is not None else "review.verdict",
        obj=recording,
        changes={
            "decision": verdict.decision,
            "revision": revision,
            "review_status": [status_before, recording.review_status],
            "reason": reason.code if reason else "",
            "comment": created.comment,
            "escalated_to": target.get_username() if target else "",
            "hide_from_outputs": created.hide_from_outputs,
        },
    )
    return created


@dataclass(frozen=True)
class UndoOffer:
    verdict: ReviewVerdict
    remaining: timedelta

    @property
    def remaining_ms(self) -> int:
        return int(self.remaining.total_seconds() * 1000)


def verdict_undo_offer(
    recording: RecordingFile, actor: User, now: datetime | None = None
) -> UndoOffer | None:
    """The current verdict if `actor` gave it less than `VERDICT_UNDO_WINDOW` ago (what the page offers to undo)."""
    now = now or timezone.now()
    verdict = current_verdict(recording)
    if verdict is None or verdict.moderator_id != actor.pk:
        return None
    remaining = verdict.decided_at + VERDICT_UNDO_WINDOW - now
    return UndoOffer(verdict=verdict, remaining=remaining) if remaining > timedelta(0) else None


@transaction.atomic
def review_verdict_undo(
    *, file_pk: int, revision: int, actor: User, now: datetime | None = None
) -> ReviewVerdict | None:
    """Take back one's own verdict within `VERDICT_UNDO_WINDOW`: the revision is removed (the audit log keeps it),
    the one before it is current again (None: the file is pending with no verdict) and the status follows it.

    A file that is pending again is claimed for the moderator who undid: seconds ago they were deciding on it.
    """
    now = now or timezone.now()
    recording = _locked_file(file_pk)
    verdict = current_verdict(recording)
    if verdict is None or verdict.revision != revision:
        raise ReviewError(gettext("Nothing to undo: the verdict changed meanwhile. Check the history."))
    if verdict.moderator_id != actor.pk:
        raise ReviewError(gettext("Only the moderator who gave a verdict may undo it."))
    if now - verdict.decided_at > VERDICT_UNDO_WINDOW:
        raise ReviewError(
            gettext(
                "Too late to undo (a verdict can be undone for %(seconds)d s). "
                "Give a new verdict instead; the history keeps both."
            )
            % {"seconds": VERDICT_UNDO_WINDOW.seconds}
        )
    _refuse_if_claimed_by_other(recording, actor, now)
    verdict.delete()
    restored = (
        ReviewVerdict.objects.filter(file=recording, revision__lt=revision).order_by("-revision").first()
    )
    if restored is not None:
        ReviewVerdict.objects.filter(pk=restored.pk).update(is_current=True)
        restored.is_current = True
    status_before = recording.review_status
    recording.review_status = _status_of(restored.decision if restored else None)
    recording.save(update_fields=["review_status"])
    if recording.review_status == ReviewStatus.PENDING and has_capability(actor, Capability.REVIEW):
        ReviewClaim.objects.update_or_create(
            file=recording, defaults={"moderator": actor, "claimed_at": now, "expires_at": now + CLAIM_TTL}
        )
    audit.record(
        actor=actor,
        action="review.undo",
        obj=recording,
        changes={
            "undone_revision": revision,
            "decision": verdict.decision,
            "review_status": [status_before, recording.review_status],
            "current_revision": restored.revision if restored else 0,
        },
    )
    return restored


def _status_of(decision: str | None) -> str:
    """The file's review status under a current verdict of `decision` (None: no verdict)."""
    if decision == Decision.APPROVE:
        return ReviewStatus.APPROVED
    if decision == Decision.REJECT:
        return ReviewStatus.REJECTED
    return ReviewStatus.PENDING


# --- notes ------------------------------------------------------------------------------------------------------


@transaction.atomic
def review_note_add(
    *, file_pk: int, position_s: float, text: str, actor: User, now: datetime | None = None
) -> ReviewNote:
    now = now or timezone.now()
    recording = _locked_file(file_pk)
    if not may_decide(actor, recording):
        raise ReviewError(gettext("Your role may not add notes to this file."))
    # The same rule as for verdicts: a note on a file someone else holds would land in the middle of their review.
    _refuse_if_claimed_by_other(recording, actor, now)
    _refuse_if_escalated_to_other(recording, actor)
    text = text.strip()
    if not text:
        raise ReviewError(gettext("Write the note first."))
    # A player may report a position a fraction past the nominal duration; anything further is a mistake.
    if position_s < 0 or (recording.duration_s and position_s > recording.duration_s + 5):
        raise ReviewError(gettext("The note's time is outside the file."))
    note = ReviewNote.objects.create(
        file=recording, author=actor, position_s=round(position_s, 2), text=text, created_at=now
    )
    ReviewClaim.objects.filter(file=recording, moderator=actor, expires_at__gt=now).update(
        expires_at=now + CLAIM_TTL
    )
    audit.record(
        actor=actor, action="review.note", obj=recording, changes={"at_s": note.position_s, "text": text}
    )
    return note


# --- automatic checks ------------------------------------------------------------------------------------------


@transaction.atomic
def qa_checks_request(*, file_pk: int, actor: User) -> None:
    """Run the automatic checks again (after a fix, or when the first run failed)."""
    recording = _locked_file(file_pk)
    QaCheck.objects.update_or_create(
        file=recording, defaults={"state": CheckState.QUEUED, "queued_at": timezone.now(), "error": ""}
    )
    audit.record(actor=actor, action="review.qa_checks_requested", obj=recording)
    enqueue_qa_checks(recording.pk)


# --- the queue ---------------------------------------------------------------------------------------------------


class QueueQuerySet(QuerySet[RecordingFile]):
    """Pending files, oldest content first, with what a queue row shows (no query per row)."""

    def unclaimed(self, now: datetime) -> QueueQuerySet:
        return self.filter(Q(review_claim__isnull=True) | Q(review_claim__expires_at__lte=now))

    def claimed_by(self, user: User, now: datetime) -> QueueQuerySet:
        return self.filter(review_claim__moderator=user, review_claim__expires_at__gt=now)

    def escalated_to(self, user: User) -> QueueQuerySet:
        return self.filter(review_verdicts__is_current=True, review_verdicts__escalated_to=user)

    def for_reviewer(self, user: User) -> QueueQuerySet:
        """Without files escalated to someone else."""
        other = ReviewVerdict.objects.filter(
            is_current=True, decision=Decision.ESCALATE, file=OuterRef("pk")
        ).exclude(escalated_to=user)
        return self.exclude(pk__in=Subquery(other.values("file_id")))

    def with_flag(self, kind: str) -> QueueQuerySet:
        return self.filter(pk__in=QaFlag.objects.filter(kind=kind).values("file_id"))

    def with_room_tag(self, tag: str) -> QueueQuerySet:
        rooms = Room.objects.with_tag(tag).values("pk")
        return self.filter(room__in=rooms)


def queue_files() -> QueueQuerySet:
    escalated = ReviewVerdict.objects.filter(file=OuterRef("pk"), is_current=True, decision=Decision.ESCALATE)
    queryset = QueueQuerySet(RecordingFile)
    return (
        queryset.filter(deleted_at__isnull=True, review_status=ReviewStatus.PENDING)
        .select_related("room__client_app", "session", "review_claim__moderator", "qa_check")
        .prefetch_related(Prefetch("qa_flags", queryset=QaFlag.objects.order_by("start_s", "id")))
        .annotate(escalated_to_name=Subquery(escalated.values("escalated_to__username")[:1]))
        .order_by("content_start", "id")
    )


def claims_by_moderator(*, now: datetime | None = None) -> list[dict[str, Any]]:
    """Who holds what right now: one row per moderator with their claimed files."""
    now = now or timezone.now()
    rows: dict[int, dict[str, Any]] = {}
    claims = (
        ReviewClaim.objects.filter(expires_at__gt=now, file__review_status=ReviewStatus.PENDING)
        .select_related("moderator", "file")
        .order_by("moderator__username", "claimed_at")
    )
    for claim in claims:
        row = rows.setdefault(claim.moderator_id, {"moderator": claim.moderator, "claims": []})
        row["claims"].append(claim)
    return list(rows.values())


# --- interaction markers ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InteractionInput:
    at: datetime
    kind: str
    text: str = ""
    payload: dict[str, Any] | None = None
    external_id: str = ""


@transaction.atomic
def interactions_add(
    *,
    events: Iterable[InteractionInput],
    actor: User,
    room: Room | None = None,
    session: RecordingSession | None = None,
) -> tuple[int, int]:
    """Store a batch of the backend's timed events for a room or a recording; returns (created, already known).

    An event with an `external_id` the room/recording already has is skipped, so a retried POST adds nothing twice.
    """
    if room is None and session is None:
        raise ReviewError(gettext("Interactions belong to a room or a recording."))
    created = known = 0
    batch = list(events)
    stored: list[dict[str, Any]] = []
    for event in batch:
        if not INTERACTION_KIND_PATTERN.match(event.kind):
            raise ReviewError(gettext("Invalid kind “%(kind)s”.") % {"kind": event.kind})
        if event.external_id and (
            InteractionEvent.objects.filter(
                room=room, session=session, external_id=event.external_id
            ).exists()
        ):
            known += 1
            continue
        try:
            with transaction.atomic():
                InteractionEvent.objects.create(
                    room=room,
                    session=session,
                    at=event.at,
                    kind=event.kind,
                    text=event.text[:500],
                    payload=event.payload or {},
                    external_id=event.external_id[:100],
                )
        except IntegrityError:
            known += 1  # the same external id arrived in a concurrent request
            continue
        created += 1
        stored.append({"at": event.at, "kind": event.kind, "text": event.text[:500], "id": event.external_id})
    owner: RecordingSession | Room = session if session is not None else room  # type: ignore[assignment]
    audit.record(
        actor=actor,
        action="review.interactions",
        obj=owner,
        changes={"received": len(batch), "created": created, "known": known},
    )
    room_key = room.room_key if room is not None else session.room.room_key if session is not None else ""
    # Demo only (no-op against Tencent): the sample WEB app's page shows them too (recordings/emulator_bridge.py).
    transaction.on_commit(functools.partial(forward_interactions, room_key=room_key, events=stored))
    return created, known


def offset_in(recording: RecordingFile, at: datetime) -> float:
    """Seconds from the file's content start to `at` (where an event sits on its timeline)."""
    return round((at - recording.content_start).total_seconds(), 2)


# --- statistics --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PendingAge:
    count: int
    oldest: timedelta | None
    median: timedelta | None


def reviewed_per_day(*, since: date) -> list[dict[str, Any]]:
    """Rows (day, moderator, approved, rejected, escalated) of verdicts given since `since`."""
    rows = (
        ReviewVerdict.objects.filter(decided_at__date__gte=since)
        .annotate(day=TruncDate("decided_at"))
        .values("day", "moderator__username")
        .annotate(
            total=Count("id"),
            approved=Count("id", filter=Q(decision=Decision.APPROVE)),
            rejected=Count("id", filter=Q(decision=Decision.REJECT)),
            escalated=Count("id", filter=Q(decision=Decision.ESCALATE)),
        )
        .order_by("day", "moderator__username")
    )
    return [
        {
            "day": row["day"],
            "moderator": row["moderator__username"] or "(deleted user)",
            "total": row["total"],
            "approved": row["approved"],
            "rejected": row["rejected"],
            "escalated": row["escalated"],
        }
        for row in rows
    ]


def pending_age(*, now: datetime | None = None) -> PendingAge:
    """How long pending files have waited since the console learned about them."""
    now = now or timezone.now()
    pending = RecordingFile.objects.filter(deleted_at__isnull=True, review_status=ReviewStatus.PENDING)
    count = pending.count()
    if not count:
        return PendingAge(count=0, oldest=None, median=None)
    # The median of an ordered column is its middle row(s): two small reads instead of loading every row.
    ordered = pending.order_by("discovered_at").values_list("discovered_at", flat=True)
    middle = list(ordered[(count - 1) // 2 : count // 2 + 1])
    return PendingAge(
        count=count,
        oldest=now - (ordered.first() or now),
        median=timedelta(seconds=statistics.mean((now - at).total_seconds() for at in middle)),
    )
