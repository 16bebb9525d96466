"""Stopping a recording: stop its record tasks, end the push, release the CAR concurrency.

A stop must always end with the concurrency released — a leaked one is billed by the hour. So only
DestroySession is retried until it answers: StopRecordTask and StopPublishStream are tried a bounded number of
times and then left behind (a record task ends with its push or at its EndTime; DestroySession ends the push).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings

from recordings.models import RecordingSession, RecordTask, SessionTransition
from recordings.sessions.lifecycle import SessionState, Step
from recordings.sessions.services.session_steps import Outcome, StepRetry, step_done, transition, write
from tencent import car, css
from tencent.context import api_call_context
from tencent.error_table import Kind
from tencent.errors import TencentError

S = SessionState
# Tries of StopRecordTask / StopPublishStream answering a transient error before the stop goes on without them.
STOP_CALL_ATTEMPTS = 3


def drive_stopping(session: RecordingSession, now: datetime) -> Outcome | None:
    try:
        with api_call_context(session_id=session.pk):
            run_stop_steps(session, now)
    except StepRetry as retry:
        write(session, last_error=retry.note[:500])
        return Outcome(session.state, retry.retry_at)
    ended = session.ended_at or now
    if session.failure_reason:
        transition(
            session, S.FAILED, now=now, reason=f"Cleaned up after: {session.failure_reason}", ended_at=ended
        )
    elif session.stream_live_at is None:
        transition(
            session, S.CANCELLED, now=now, reason="Stopped before the stream went live.", ended_at=ended
        )
    else:
        deadline = now + timedelta(minutes=settings.RECORDING_FILE_TIMEOUT_MINUTES)
        transition(
            session,
            S.FINALIZING,
            now=now,
            reason="Stopped; waiting for the recording files.",
            ended_at=ended,
            finalize_deadline=deadline,
        )
    return None


def run_stop_steps(session: RecordingSession, now: datetime) -> None:
    if session.ended_at is None:
        write(session, ended_at=now)
    if session.record_stopped_at is None:
        for task in session.record_tasks.filter(stopped_at__isnull=True):
            task_id = task.task_id
            # A task left running ends with the push or at its EndTime; reconciliation stops orphans too.
            best_effort(session, lambda: css.stop_record_task(task_id=task_id), now)  # noqa: B023
            RecordTask.objects.filter(pk=task.pk).update(stopped_at=now)
        step_done(session, Step.STOP_RECORD_TASK, now, record_stopped_at=now)
    if session.push_stopped_at is None:
        if session.push_started_at is not None and session.cloud_released_at is None:
            best_effort(session, lambda: car.stop_publish_stream(user_id=session.car_user_id), now)
        step_done(session, Step.STOP_PUSH, now, push_stopped_at=now)
    if session.cloud_released_at is None:
        if session.concurrency_requested_at is not None:
            release(session, now)
        step_done(session, Step.DESTROY_SESSION, now, cloud_released_at=now)


def retry_later(session: RecordingSession, now: datetime, exc: TencentError) -> StepRetry:
    attempts = session.step_attempts + 1
    write(session, step_attempts=attempts)
    return StepRetry(now + timedelta(seconds=min(60, 2**attempts)), str(exc))


def best_effort(session: RecordingSession, call: Callable[[], object], now: datetime) -> None:
    """A stop call whose failure must not keep the concurrency: a transient error is retried a few times, then
    the stop goes on without it (its note says so); "already gone" or a permanent error goes on at once."""
    try:
        call()
    except TencentError as exc:
        if exc.kind == Kind.GONE:
            return
        if exc.kind == Kind.TRANSIENT and session.step_attempts + 1 < STOP_CALL_ATTEMPTS:
            raise retry_later(session, now, exc) from exc
        write(session, last_error=str(exc)[:500])
        SessionTransition.objects.create(
            session=session,
            from_state=session.state,
            to_state=session.state,
            reason=f"{exc.action} failed ({exc.code}); going on: DestroySession ends the push and its recording.",
            at=now,
        )


def release(session: RecordingSession, now: datetime) -> None:
    """DestroySession until it answers (or says the session is gone): it alone frees the billed concurrency."""
    try:
        car.destroy_session(user_id=session.car_user_id)
    except TencentError as exc:
        if exc.kind == Kind.GONE:
            return
        raise retry_later(session, now, exc) from exc
