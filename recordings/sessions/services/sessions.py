"""Recording sessions: start, stop, and the hooks that callbacks and API events call.

Starting only creates the session and hands it to the orchestrator (an RQ job); the cloud work happens in
`recordings.sessions.services.orchestrator`. The hooks at the bottom are the contract with the callbacks receiver.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from dashboard import audit
from recordings.estimates import blocking_budget
from recordings.models import Attention, RecordingFile, RecordingSession, Room, Schedule, SessionTransition
from recordings.sessions import enqueue
from recordings.sessions.lifecycle import SessionState, Step, Trigger, english
from recordings.sessions.models.sessions import car_user_id_for
from recordings.sessions.services.orchestrator import StateChanged, transition
from webhooks import events as webhook_events

S = SessionState
DEFAULT_DURATION_MINUTES = 60


class StartRefused(Exception):
    """The recording cannot start; the message says why, in words, for the operator or the API caller."""

    def __init__(
        self, message: str, *, field: str = "", conflict: bool = False, busy: RecordingSession | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.conflict = conflict
        self.busy = busy  # the recording already running, for a conflict


def check_can_record(room: Room, duration_minutes: int) -> None:
    if not room.is_active or not room.client_app.is_active:
        raise StartRefused(gettext("Room “%(name)s” or its client app is inactive.") % {"name": room.name})
    maximum = room.effective_max_recording_minutes
    if duration_minutes < 1:
        raise StartRefused(gettext("The duration must be at least 1 minute."), field="duration_minutes")
    if duration_minutes > maximum:
        raise StartRefused(
            gettext("At most %(minutes)d minutes: the room's hard maximum for one recording.")
            % {"minutes": maximum},
            field="duration_minutes",
        )


@transaction.atomic
def session_create(
    *,
    room: Room,
    planned_start: datetime,
    planned_end: datetime,
    trigger: Trigger,
    actor: User | None,
    schedule: Schedule | None = None,
    idempotency_key: str = "",
    reason: str = "",
    now: datetime | None = None,
) -> RecordingSession:
    """A new session in `scheduled`, with its UserId derived from its primary key; audited."""
    now = now or timezone.now()
    session = RecordingSession.objects.create(
        room=room,
        schedule=schedule,
        trigger=trigger,
        started_by=actor,
        idempotency_key=idempotency_key,
        state=S.SCHEDULED,
        state_changed_at=now,
        planned_start=planned_start,
        planned_end=planned_end,
        car_project_id=room.client_app.car_project_id,
        next_attempt_at=planned_start,
    )
    session.car_user_id = car_user_id_for(room.stream_name, session.pk)
    RecordingSession.objects.filter(pk=session.pk).update(car_user_id=session.car_user_id)
    SessionTransition.objects.create(
        session=session,
        from_state="",
        to_state=S.SCHEDULED,
        reason=reason or f"Created ({english(Trigger(trigger).label).lower()}).",
        actor=actor,
        at=now,
    )
    webhook_events.session_changed(session, source="", target=S.SCHEDULED)
    audit.record(
        actor=actor,
        action="recording.create",
        obj=session,
        changes={
            "trigger": trigger,
            "planned_start": planned_start.isoformat(),
            "planned_end": planned_end.isoformat(),
            "car_user_id": session.car_user_id,
        },
    )
    enqueue.enqueue_advance_on_commit(session.pk, at=planned_start)
    return session


def session_start_now(
    *,
    room: Room,
    actor: User | None,
    trigger: Trigger = Trigger.MANUAL,
    duration_minutes: int | None = None,
    idempotency_key: str = "",
    now: datetime | None = None,
) -> tuple[RecordingSession, bool]:
    """Start recording the room now. Returns (session, created); a repeated idempotency key returns the
    first session. Refuses (StartRefused) when the room is already being recorded or the duration is wrong."""
    now = now or timezone.now()
    if idempotency_key:
        existing = RecordingSession.objects.filter(room=room, idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing, False
    minutes = duration_minutes or min(DEFAULT_DURATION_MINUTES, room.effective_max_recording_minutes)
    check_can_record(room, minutes)
    if trigger == Trigger.MANUAL:
        budget = blocking_budget(room=room, now=now)
        if budget is not None:
            raise StartRefused(
                gettext(
                    "The budget of %(app)s for %(month)s is used up (%(spent)s of %(limit)s USD) "
                    "and blocks manual starts."
                )
                % {
                    "app": room.client_app.name,
                    "month": date_format(budget.month, "YEAR_MONTH_FORMAT"),
                    "spent": f"{budget.spent:.2f}",
                    "limit": f"{budget.limit or 0:.2f}",
                }
            )
    busy = RecordingSession.objects.filter(room=room, state__in=[S.STARTING, S.RECORDING, S.STOPPING]).first()
    if busy is None:
        busy = RecordingSession.objects.filter(room=room, state=S.SCHEDULED, planned_start__lte=now).first()
    if busy is not None:
        raise StartRefused(
            gettext("The room is already being recorded (recording #%(pk)d).") % {"pk": busy.pk},
            conflict=True,
            busy=busy,
        )
    who = actor.get_username() if actor else "the system"
    try:
        with transaction.atomic():
            session = session_create(
                room=room,
                planned_start=now,
                planned_end=now + timedelta(minutes=minutes),
                trigger=trigger,
                actor=actor,
                idempotency_key=idempotency_key,
                reason=f"Start now for {minutes} min ({english(Trigger(trigger).label).lower()}, by {who}).",
                now=now,
            )
    except IntegrityError:
        # A concurrent request with the same idempotency key won the race: answer with its session.
        existing = RecordingSession.objects.filter(room=room, idempotency_key=idempotency_key).first()
        if idempotency_key and existing is not None:
            return existing, False
        raise
    return session, True


@transaction.atomic
def session_stop(
    *, session: RecordingSession, actor: User | None, reason: str = "", now: datetime | None = None
) -> RecordingSession:
    """Stop (or cancel, if it has not started) a recording. Idempotent: stopping a stopped session is a no-op."""
    now = now or timezone.now()
    session.refresh_from_db()
    who = actor.get_username() if actor else "the system"
    reason = reason or f"Stopped by {who}."
    if session.state == S.SCHEDULED:
        try:
            transition(session, S.CANCELLED, now=now, reason=reason, actor=actor, ended_at=now)
        except StateChanged:
            session.refresh_from_db()
    if session.state in (S.STARTING, S.RECORDING) and session.stop_requested_at is None:
        changed = RecordingSession.objects.filter(
            pk=session.pk, state=session.state, stop_requested_at__isnull=True
        ).update(stop_requested_at=now, stop_reason=reason, next_attempt_at=now)
        if changed:
            try:
                transition(session, S.STOPPING, now=now, reason=reason, actor=actor)
            except StateChanged:
                session.refresh_from_db()
            enqueue.enqueue_advance_on_commit(session.pk)
    audit.record(actor=actor, action="recording.stop", obj=session, changes={"reason": reason})
    session.refresh_from_db()
    return session


def due_session_ids(*, now: datetime) -> list[int]:
    return list(RecordingSession.objects.due(now).values_list("pk", flat=True)[:500])


# --- hooks called by the callbacks receiver ---------------------------------------------------------------------


def session_stream_live(*, session_id: int, at: datetime) -> None:
    """CSS says the session's stream is live (event 1): confirms a start, or ends a "stream lost" spell."""
    session = RecordingSession.objects.filter(pk=session_id).first()
    if session is None:
        return
    if session.state == S.STARTING and session.push_started_at is not None:
        RecordingSession.objects.filter(pk=session_id, stream_live_at__isnull=True).update(stream_live_at=at)
        session.refresh_from_db()
        try:
            transition(
                session,
                S.RECORDING,
                now=timezone.now(),
                step=Step.LIVE,
                reason="Push callback: the stream is live.",
            )
        except StateChanged:
            return
        enqueue.enqueue_advance_on_commit(session_id)
    elif session.state == S.RECORDING and session.stream_lost_at is not None:
        RecordingSession.objects.filter(pk=session_id, state=S.RECORDING).update(stream_lost_at=None)
        SessionTransition.objects.create(
            session=session,
            from_state=S.RECORDING,
            to_state=S.RECORDING,
            step=Step.LIVE,
            reason="Push callback: the stream is live again.",
            at=at,
        )


def session_stream_ended(*, session_id: int, at: datetime) -> None:
    """CSS says the session's push ended (event 0). Expected while stopping; while recording it starts the
    "stream lost" grace period after which the orchestrator restarts the push or fails the recording."""
    changed = RecordingSession.objects.filter(
        pk=session_id, state=S.RECORDING, stop_requested_at__isnull=True, stream_lost_at__isnull=True
    ).update(stream_lost_at=at, next_attempt_at=at)
    if changed:
        SessionTransition.objects.create(
            session_id=session_id,
            from_state=S.RECORDING,
            to_state=S.RECORDING,
            step=Step.LIVE,
            reason="Push callback: the stream ended unexpectedly.",
            at=at,
        )
        enqueue.enqueue_advance_on_commit(session_id)


def session_file_arrived(*, session_id: int) -> None:
    """A recording file of the session arrived (event 100 or a sync): a finalizing session completes.
    Repeated calls for the same file (duplicate callbacks, replays) do not count it twice."""
    # One statement counts and stores (was a COUNT, an UPDATE and the session's row read back for every file of a
    # live recording); the session is read only when a finalizing one may now complete.
    present = (
        RecordingFile.objects.present()
        .filter(session_id=OuterRef("pk"))
        .order_by()
        .values("session_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    RecordingSession.objects.filter(pk=session_id).update(
        files_found=Greatest(Coalesce(Subquery(present), 0), 1)
    )
    session = RecordingSession.objects.filter(pk=session_id, state=S.FINALIZING).first()
    if session is None:
        return
    try:
        transition(
            session,
            S.COMPLETED,
            now=timezone.now(),
            step=Step.FILES,
            reason="Recording file received.",
            completed_at=timezone.now(),
        )
    except StateChanged:
        return


def room_push_started(*, room_id: int, stream_name: str, at: datetime) -> None:
    """The anchor of an auto-record room started pushing (CSS event 1 on the room's own stream)."""
    room = Room.objects.select_related("client_app").filter(pk=room_id, auto_record=True).first()
    if room is None:
        return
    room_live_started(room=room, actor=None, trigger=Trigger.PUSH_CALLBACK, at=at)


def room_push_ended(*, room_id: int, stream_name: str, at: datetime) -> None:
    room = Room.objects.filter(pk=room_id, auto_record=True).first()
    if room is None:
        return
    room_live_ended(room=room, actor=None, at=at)


def room_live_started(
    *, room: Room, actor: User | None, trigger: Trigger, at: datetime | None = None
) -> RecordingSession | None:
    """Auto-record: the anchor is live. Starts a recording unless the room already has one running."""
    if not room.auto_record:
        raise StartRefused(
            gettext("Room “%(name)s” is not set to record automatically.") % {"name": room.name},
            conflict=True,
        )
    at = at or timezone.now()
    key = f"live-{int(at.timestamp())}"  # duplicated events of the same start make the same key
    try:
        session, _ = session_start_now(
            room=room,
            actor=actor,
            trigger=trigger,
            duration_minutes=room.effective_max_recording_minutes,
            idempotency_key=key,
        )
    except StartRefused as refused:
        if refused.busy is not None:
            return refused.busy
        raise
    return session


def room_live_ended(*, room: Room, actor: User | None, at: datetime | None = None) -> list[RecordingSession]:
    """Auto-record: the anchor went offline; stop the automatic recordings of the room."""
    automatic = RecordingSession.objects.filter(
        room=room,
        trigger__in=[Trigger.API, Trigger.PUSH_CALLBACK],
        state__in=[S.SCHEDULED, S.STARTING, S.RECORDING],
    )
    return [session_stop(session=s, actor=actor, reason="The anchor went offline.") for s in automatic]


@transaction.atomic
def attention_resolve(*, item: Attention, actor: User) -> Attention:
    """An operator has seen an attention item; it leaves the overview's list."""
    if item.resolved_at is None:
        item.resolved_at = timezone.now()
        item.save(update_fields=["resolved_at"])
        audit.record(actor=actor, action="recording.attention.resolve", obj=item)
    return item
