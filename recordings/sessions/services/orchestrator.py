"""The engine that drives one recording session through its states, one idempotent step at a time.

`session_advance` is what every RQ job, the reconciler and the tests call. It takes the session's lease (a
compare-and-set on `lease_until`, so two workers never act on the same session at once; renewed by a heartbeat
while the pass runs, so a dead worker's short lease soon lapses and the tick resumes the session), then runs as
many steps as it can right now and says when to look again.

Every step is safe to run twice: its completion is written only after Tencent answered, and a re-run finds
the cloud already in the wanted state (ApplyConcurrent with the same UserId takes the same concurrency over,
CreateSession returns the existing session, an existing record task is adopted instead of creating a second
one, a push already running is left alone). State changes are compare-and-set on `state`, so a callback or a
user's stop that changes the state meanwhile wins and the engine re-reads.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection
from django.db.models import Q
from django.utils import timezone

from dashboard.timezones import format_local
from recordings.models import AttentionKind, RecordingSession, RecordTask
from recordings.sessions.lifecycle import SessionState, Step, english
from recordings.sessions.recurrence import Window, split_window
from recordings.sessions.services.attention import attention
from recordings.sessions.services.render_note import note_rendering
from recordings.sessions.services.session_steps import (
    Outcome,
    StateChanged,
    StepFailed,
    StepRetry,
    note_step,
    step_done,
    transition,
    write,
)
from recordings.sessions.services.stopping import drive_stopping
from tencent import car, cos, css, setup_cos_path, vod
from tencent.context import api_call_context
from tencent.error_table import Kind
from tencent.errors import TencentError
from tencent.ratelimit import SlotDeferred

S = SessionState
T = TypeVar("T")

# A worker holds its session's lease for LEASE and renews it every LEASE_RENEW while a pass runs (however long
# a Tencent call takes), so a worker killed mid-call frees its session within LEASE; the tick then resumes it.
LEASE = timedelta(seconds=9)
LEASE_RENEW = timedelta(seconds=3)
BUSY_RETRY = timedelta(seconds=2)
NOIDLE_RETRY = timedelta(seconds=5)
LIVE_POLL = timedelta(seconds=1)
FILE_POLL = timedelta(seconds=20)
RECORD_TASK_MAX = timedelta(hours=24)
# The next chained record task is created this long before the current one ends.
CHAIN_LEAD = timedelta(hours=1)
# How long a due session waits for the previous recording of its room to finish stopping.
CHAIN_HANDOVER = timedelta(seconds=30)
# Lookback when adopting a record task a crashed worker may have created.
TASK_LOOKBACK = timedelta(hours=1)


# --- the lease ---------------------------------------------------------------------------------------------------


def acquire_lease(session_id: int, now: datetime) -> str | None:
    token = uuid.uuid4().hex
    taken = (
        RecordingSession.objects.filter(pk=session_id)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(lease_token=token, lease_until=now + LEASE)
    )
    return token if taken else None


def release_lease(session_id: int, token: str, **fields: Any) -> None:
    RecordingSession.objects.filter(pk=session_id, lease_token=token).update(
        lease_token="", lease_until=None, **fields
    )


def renew_lease(session_id: int, token: str) -> bool:
    """Push the lease's end on; False when it is no longer ours (lapsed and taken by another worker)."""
    until = timezone.now() + LEASE
    return bool(RecordingSession.objects.filter(pk=session_id, lease_token=token).update(lease_until=until))


class LeaseHeartbeat:
    """Renews a held lease from a background thread until the pass ends.

    Not started inside an outer transaction (the tests' own): the renewal comes from another connection and
    would wait on the row this transaction already updated. Workers run passes outside any transaction."""

    def __init__(self, session_id: int, token: str) -> None:
        self.session_id = session_id
        self.token = token
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> LeaseHeartbeat:
        if not connection.in_atomic_block:
            self._thread = threading.Thread(target=self._run, name="lease-heartbeat", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=LEASE.total_seconds())

    def _run(self) -> None:
        try:
            while not self._stop.wait(LEASE_RENEW.total_seconds()):
                try:
                    if not renew_lease(self.session_id, self.token):
                        return  # taken over after a lapse: nothing left to keep
                except DatabaseError:
                    # A database hiccup: keep trying while the pass runs (giving up would let the lease lapse
                    # under a live worker and a second one start the same steps); a fresh connection next time.
                    connection.close()
        finally:
            connection.close()  # this thread's own connection


# --- entry point -------------------------------------------------------------------------------------------------


def session_advance(*, session_id: int, now: datetime | None = None) -> Outcome:
    """Drive the session as far as it can go now. Safe to call any number of times, from any worker."""
    now = now or timezone.now()
    token = acquire_lease(session_id, now)
    if token is None:
        state = RecordingSession.objects.filter(pk=session_id).values_list("state", flat=True).first()
        return Outcome(state or "", now + BUSY_RETRY, busy=True)
    outcome = None
    try:
        with LeaseHeartbeat(session_id, token):
            outcome = drive_passes(session_id, now)
        return outcome
    finally:
        if outcome is None:  # an exception: look again soon rather than never
            release_lease(session_id, token)
        else:
            release_lease(session_id, token, next_attempt_at=outcome.retry_at, updated_at=timezone.now())


def drive_passes(session_id: int, now: datetime) -> Outcome:
    """Pass after pass over the session (under its lease) until one settles."""
    for _ in range(10):  # each pass either settles or moves the state forward; bounded for safety
        session = RecordingSession.objects.select_related("room__client_app").get(pk=session_id)
        try:
            outcome = drive(session, now)
        except StateChanged:
            continue
        except SlotDeferred as deferred:
            # No rate-limit slot for the next call (a job, inside ratelimit.deferring()): nothing was sent, and
            # the step runs again at the place in line the limiter gave, instead of the worker waiting for it.
            retry_at = timezone.now() + timedelta(seconds=deferred.wait_s)
            return Outcome(session.state, retry_at)
        if outcome is not None:
            return outcome
    return Outcome(session.state, now + BUSY_RETRY)


def drive(session: RecordingSession, now: datetime) -> Outcome | None:
    """One pass over the session's state; None means the state changed and another pass should follow."""
    state = SessionState(session.state)
    if state == S.SCHEDULED:
        return drive_scheduled(session, now)
    if state == S.STARTING:
        return drive_starting(session, now)
    if state == S.RECORDING:
        return drive_recording(session, now)
    if state == S.STOPPING:
        return drive_stopping(session, now)
    if state == S.FINALIZING:
        return drive_finalizing(session, now)
    return Outcome(session.state, None)


# --- scheduled → starting ----------------------------------------------------------------------------------------


def drive_scheduled(session: RecordingSession, now: datetime) -> Outcome | None:
    if session.planned_start > now:
        return Outcome(session.state, session.planned_start)
    if session.planned_end <= now:
        transition(session, S.CANCELLED, now=now, reason="Its planned window passed before it could start.")
        return None
    busy = RecordingSession.objects.active().filter(room=session.room).exclude(pk=session.pk).first()
    if busy is not None and busy.planned_end <= now + CHAIN_HANDOVER:
        # The previous piece of a chained recording is still wrapping up: start right after it.
        return Outcome(session.state, now + BUSY_RETRY)
    if busy is not None:
        transition(
            session,
            S.FAILED,
            now=now,
            reason=f"The room is already being recorded by recording #{busy.pk}.",
            failure_reason=f"The room was already being recorded by recording #{busy.pk}.",
        )
        return None
    try:
        transition(session, S.STARTING, now=now, reason="Start begins.")
    except IntegrityError:  # the one-active-per-room constraint caught a race with another start
        transition(
            session,
            S.FAILED,
            now=now,
            reason="Another recording of this room started at the same moment.",
            failure_reason="Another recording of this room started at the same moment.",
        )
    return None


# --- starting ----------------------------------------------------------------------------------------------------


def drive_starting(session: RecordingSession, now: datetime) -> Outcome | None:
    if session.stop_requested_at is not None:
        transition(
            session, S.STOPPING, now=now, reason=session.stop_reason or "Stop requested while starting."
        )
        return None
    if now - session.state_changed_at > timedelta(seconds=settings.RECORDING_START_TIMEOUT_SECONDS):
        fail_start(session, current_start_step(session), "The start took too long and was abandoned.", now)
        return None
    try:
        with api_call_context(session_id=session.pk):
            return run_start_steps(session, now)
    except StepRetry as retry:
        write(session, last_error=retry.note[:500])
        return Outcome(session.state, retry.retry_at)
    except StepFailed as failure:
        fail_start(session, failure.step, failure.reason, now)
        return None


def current_start_step(session: RecordingSession) -> Step:
    for step in (Step.CONCURRENCY, Step.CLOUD_SESSION, Step.RECORD_TASK, Step.PUSH, Step.LIVE):
        if session.step_done_at(step) is None:
            return step
    return Step.LIVE


def run_start_steps(session: RecordingSession, now: datetime) -> Outcome | None:
    room = session.room
    app = room.client_app
    user_id = session.car_user_id
    started = time.monotonic()

    def clock() -> datetime:
        """The pass's `now` moved on by the time its calls took (so a slow call never eats a wait), and never
        behind the real clock: `now` was read before the lease and the session row, which take a while on a
        loaded database, and the push gap must count from when CreateRecordTask really answered."""
        return max(now + timedelta(seconds=time.monotonic() - started), timezone.now())

    def apply() -> None:
        car.apply_concurrent(
            user_id=user_id,
            user_ip=settings.CAR_USER_IP,
            project_id=session.car_project_id,
            application_id=app.car_application_id,
            application_version_id=app.car_version_id,
        )

    def create() -> str:
        def attempt() -> str:
            return car.create_session(
                user_id=user_id,
                user_ip=settings.CAR_USER_IP,
                application_parameters=room.application_parameters(),
            )

        try:
            return attempt()
        except TencentError as exc:
            if exc.kind != Kind.REAPPLY:
                raise
        # FailedOperation.LockTimeout: the applied concurrency lapsed before the session was created.
        apply()
        note_step(
            session,
            Step.CONCURRENCY,
            now=clock(),
            reason="The applied concurrency had lapsed; applied again.",
        )
        return attempt()

    if session.concurrency_applied_at is None:
        if session.concurrency_requested_at is None:
            # Written before the call: a worker dying right after ApplyConcurrent still leaves this trace.
            write(session, concurrency_requested_at=now)
        call_step(session, Step.CONCURRENCY, now, apply)
        step_done(session, Step.CONCURRENCY, now, concurrency_applied_at=now, waiting_since=None)
    if session.cloud_session_created_at is None:
        call_step(session, Step.CLOUD_SESSION, now, create)
        step_done(session, Step.CLOUD_SESSION, now, cloud_session_created_at=now)
    if session.record_task_created_at is None:
        ensure_record_task(session, now)
        # The push gap counts from CreateRecordTask's answer, not from the start of this pass.
        step_done(session, Step.RECORD_TASK, now, record_task_created_at=clock())
    task_created = session.record_task_created_at or clock()
    push_at = task_created + timedelta(seconds=settings.RECORDING_PUSH_DELAY_SECONDS)
    if session.push_started_at is None:
        if clock() < push_at:
            return Outcome(session.state, push_at)
        call_step(session, Step.PUSH, now, lambda: car.start_publish_stream(user_id=user_id))
        step_done(session, Step.PUSH, now, push_started_at=now)
        note_rendering(session, now)
    if session.stream_live_at is None:
        state = call_step(
            session, Step.LIVE, now, lambda: css.describe_live_stream_state(stream_name=user_id)
        )
        if state != "active":
            if now - (session.push_started_at or now) > timedelta(
                seconds=settings.RECORDING_LIVE_TIMEOUT_SECONDS
            ):
                raise StepFailed(
                    Step.LIVE,
                    f"The stream did not go live within {settings.RECORDING_LIVE_TIMEOUT_SECONDS} s of the push "
                    f"starting (CSS says {state}).",
                )
            return Outcome(session.state, now + LIVE_POLL)
        write(session, stream_live_at=now)
    transition(
        session,
        S.RECORDING,
        now=now,
        step=Step.LIVE,
        reason="Stream seen live; recording.",
        step_attempts=0,
        last_error="",
    )
    return None


def call_step(session: RecordingSession, step: Step, now: datetime, call: Callable[[], T]) -> T:
    """Make one Tencent call of a start step, turning errors into a retry later or a failure in words."""
    try:
        return call()
    except TencentError as exc:
        if exc.kind == Kind.NO_IDLE:
            since = session.waiting_since or now
            if session.waiting_since is None:
                write(session, waiting_since=since)
            waited = (now - since).total_seconds()
            if waited >= settings.RECORDING_NOIDLE_WAIT_SECONDS:
                raise StepFailed(
                    step,
                    f"No free CAR concurrency in project {session.car_project_id}: waited {int(waited)} s "
                    "(ResourceNotFound.NoIdle). Free a concurrency or add more to the project.",
                ) from exc
            raise StepRetry(now + NOIDLE_RETRY, f"Waiting for a free concurrency ({exc.code}).") from exc
        # Transient (CAR's SlowDown, Initialization, ProcessTimeout, throttling…), or a lapsed concurrency that
        # was applied again and lapsed again: try again later, a bounded number of times.
        if exc.kind in (Kind.TRANSIENT, Kind.REAPPLY):
            attempts = session.step_attempts + 1
            write(session, step_attempts=attempts)
            if attempts >= settings.RECORDING_STEP_ATTEMPTS:
                raise StepFailed(
                    step, f"{english(step.label)} failed {attempts} times; last error: {exc}"
                ) from exc
            raise StepRetry(now + timedelta(seconds=2**attempts), str(exc)) from exc
        raise StepFailed(step, f"{english(step.label)} failed: {exc.code}: {exc.message}") from exc


def ensure_record_task(session: RecordingSession, now: datetime) -> None:
    """Create the first record task, or adopt the one a previous attempt created before it could write it down."""
    if session.record_tasks.exists():
        return
    window = first_task_window(session, now)
    if session.step_attempts:
        # A previous attempt may have reached CSS: look before creating a second task for the same stream.
        existing = call_step(
            session,
            Step.RECORD_TASK,
            now,
            lambda: css.describe_record_tasks(
                start_time=session.planned_start - TASK_LOOKBACK,
                end_time=max(window.end, now) + timedelta(minutes=1),
                stream_name=session.car_user_id,
            ),
        )
        for task in existing:
            if not task.stopped:
                RecordTask.objects.get_or_create(
                    task_id=task.task_id,
                    defaults={"session": session, "start_time": task.start_time, "end_time": task.end_time},
                )
                return
    # Marks an attempt in flight: CreateRecordTask is not idempotent and the gateway does not retry it.
    attempts = session.step_attempts
    write(session, step_attempts=attempts + 1)
    try:
        created = call_step(
            session,
            Step.RECORD_TASK,
            now,
            lambda: css.create_record_task(
                stream_name=session.car_user_id,
                end_time=window.end,
                template_id=settings.CSS_RECORD_TEMPLATE_ID or None,
                extension="",
            ),
        )
    except SlotDeferred:
        # Refused by our own rate limiter before anything was sent: no attempt reached CSS, so the next pass
        # need not look for a task it might have created.
        write(session, step_attempts=attempts)
        raise
    RecordTask.objects.create(session=session, task_id=created.task_id, start_time=now, end_time=window.end)


def first_task_window(session: RecordingSession, now: datetime) -> Window:
    return split_window(Window(now, max(session.planned_end, now + timedelta(minutes=1))), RECORD_TASK_MAX)[0]


def fail_start(session: RecordingSession, step: Step, reason: str, now: datetime) -> None:
    """A start that cannot go on undoes what it did: through `stopping` when anything reached the cloud."""
    fields: dict[str, Any] = {"failed_step": step, "failure_reason": reason, "last_error": ""}
    attention(
        AttentionKind.START_FAILED,
        now=now,
        session=session,
        subject=session.car_user_id,
        message=f"Start failed at “{english(step.label)}”: {reason}",
        action_taken="Nothing to undo" if session.concurrency_requested_at is None else "Undone",
    )
    if session.concurrency_requested_at is None:
        transition(session, S.FAILED, now=now, step=step, reason=f"Start failed: {reason}", **fields)
    else:
        transition(
            session,
            S.STOPPING,
            now=now,
            step=step,
            reason=f"Start failed at “{english(step.label)}”: {reason} Undoing what was done.",
            stop_requested_at=now,
            **fields,
        )


# --- recording ---------------------------------------------------------------------------------------------------


def hard_maximum(session: RecordingSession) -> timedelta:
    return timedelta(minutes=session.room.effective_max_recording_minutes)


def drive_recording(session: RecordingSession, now: datetime) -> Outcome | None:
    began = session.stream_live_at or session.state_changed_at
    if session.stop_requested_at is None:
        if now >= began + hard_maximum(session):
            request_stop_now(
                session, now, f"Hard maximum of {session.room.effective_max_recording_minutes} min reached."
            )
        elif now >= session.planned_end:
            request_stop_now(session, now, "Planned end reached.")
    if session.stop_requested_at is not None:
        transition(session, S.STOPPING, now=now, reason=session.stop_reason or "Stop requested.")
        return None
    with api_call_context(session_id=session.pk):
        lost = check_stream(session, now)
        if lost is not None:
            return lost
        chain_record_task(session, now)
    wake = [session.planned_end, began + hard_maximum(session)]
    last = session.record_tasks.order_by("-end_time").first()
    if last is not None and last.end_time < session.planned_end:
        wake.append(last.end_time - CHAIN_LEAD)
    if session.stream_lost_at is not None:
        wake.append(session.stream_lost_at + timedelta(seconds=settings.RECORDING_STREAM_LOST_GRACE_SECONDS))
    return Outcome(session.state, max(min(wake), now + LIVE_POLL))


def request_stop_now(session: RecordingSession, now: datetime, reason: str) -> None:
    write(session, stop_requested_at=now, stop_reason=reason)


def check_stream(session: RecordingSession, now: datetime) -> Outcome | None:
    """After a push-ended event: give it a grace period, then restart the push once, then fail."""
    if session.stream_lost_at is None:
        return None
    grace = timedelta(seconds=settings.RECORDING_STREAM_LOST_GRACE_SECONDS)
    if now < session.stream_lost_at + grace:
        return Outcome(session.state, session.stream_lost_at + grace)
    try:
        state = css.describe_live_stream_state(stream_name=session.car_user_id)
    except TencentError as exc:
        write(session, last_error=str(exc)[:500])
        return Outcome(session.state, now + timedelta(seconds=10))
    if state == "active":
        write(session, stream_lost_at=None)
        note_step(session, Step.LIVE, now=now, reason="The stream is live again.")
        return None
    if session.repairs < 1:
        try:
            car.start_publish_stream(user_id=session.car_user_id)
        except TencentError as exc:
            write(session, last_error=str(exc)[:500])
        write(session, repairs=session.repairs + 1, stream_lost_at=now)
        note_step(session, Step.PUSH, now=now, reason="The stream was lost; the push was restarted.")
        return Outcome(session.state, now + grace)
    reason = "The stream stopped and did not come back after a restart of the push."
    write(session, stop_requested_at=now, stop_reason=reason, failure_reason=reason, failed_step=Step.LIVE)
    transition(session, S.STOPPING, now=now, step=Step.LIVE, reason=reason)
    return None


def chain_record_task(session: RecordingSession, now: datetime) -> None:
    """Recordings longer than a record task's 24 h get the next task shortly before the current one ends."""
    last = session.record_tasks.order_by("-end_time").first()
    if last is None or last.end_time >= session.planned_end or now < last.end_time - CHAIN_LEAD:
        return
    window = split_window(Window(last.end_time, session.planned_end), RECORD_TASK_MAX)[0]
    try:
        created = css.create_record_task(
            stream_name=session.car_user_id,
            start_time=window.start,
            end_time=window.end,
            template_id=settings.CSS_RECORD_TEMPLATE_ID or None,
        )
    except TencentError as exc:
        write(session, last_error=str(exc)[:500])
        return
    RecordTask.objects.create(
        session=session, task_id=created.task_id, start_time=window.start, end_time=window.end
    )
    note_step(
        session, Step.RECORD_TASK, now=now, reason=f"Next record task until {format_local(window.end)}."
    )


# --- finalizing --------------------------------------------------------------------------------------------------


def drive_finalizing(session: RecordingSession, now: datetime) -> Outcome | None:
    if not session.files_found:
        with api_call_context(session_id=session.pk):
            try:
                found = count_cloud_files(session)
            except TencentError as exc:
                write(session, last_error=str(exc)[:500])
                found = 0
        if found:
            write(session, files_found=found)
            note_step(session, Step.FILES, now=now, reason=f"{found} file(s) found in VOD/COS.")
    if session.files_found:
        transition(
            session, S.COMPLETED, now=now, step=Step.FILES, reason="Recording files are in.", completed_at=now
        )
        return None
    deadline = session.finalize_deadline or now
    if now >= deadline:
        reason = (
            f"No recording file arrived within {settings.RECORDING_FILE_TIMEOUT_MINUTES} min of the stop."
        )
        transition(
            session,
            S.FAILED,
            now=now,
            step=Step.FILES,
            reason=reason,
            failure_reason=reason,
            failed_step=Step.FILES,
        )
        return None
    return Outcome(session.state, min(deadline, now + FILE_POLL))


def count_cloud_files(session: RecordingSession) -> int:
    """The files CSS has delivered for this stream, found in VOD (search by stream) and COS (by prefix)."""
    page = vod.search_media(
        stream_ids=[session.car_user_id], created_after=session.planned_start - TASK_LOOKBACK
    )
    if page.total:
        return page.total
    prefix = setup_cos_path.listing_prefix(stream_name=session.car_user_id)
    listing = cos.list_objects(prefix=prefix, max_keys=100)
    return sum(setup_cos_path.stream_of_key(obj.key) == session.car_user_id for obj in listing.objects)
