"""The orchestration follows tencent/error_table.py: CAR's transient codes are waited out, a lapsed concurrency is
applied again, the push waits its gap after the record task exists, and a stop always releases the concurrency."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from emulator.testing import RunningEmulator
from recordings.catalog.tests.factories import RoomFactory
from recordings.models import Attention, AttentionKind, RecordingSession, Room
from recordings.sessions.lifecycle import SessionState
from recordings.sessions.services.orchestrator import session_advance
from recordings.sessions.services.reconcile import reconcile
from recordings.sessions.services.sessions import session_start_now, session_stop
from recordings.sessions.tests.orchestration_support import drive
from recordings.sessions.tests.test_orchestration_faults import assert_clean, calls
from tencent.models import ApiCall

S = SessionState
pytestmark = pytest.mark.django_db
DONE: set[str] = {S.COMPLETED, S.FINALIZING, S.FAILED, S.CANCELLED}


@pytest.fixture
def room(db: None) -> Room:
    return RoomFactory.create()


@pytest.mark.parametrize(
    ("action", "code"),
    [
        ("ApplyConcurrent", "FailedOperation.SlowDown"),
        ("ApplyConcurrent", "ResourceUnavailable.Initialization"),
        ("CreateSession", "FailedOperation.SlowDown"),
        ("CreateSession", "ResourceUnavailable.Initialization"),
        ("CreateSession", "FailedOperation.ProcessTimeout"),
        ("StartPublishStream", "FailedOperation.SlowDown"),
    ],
)
def test_car_transient_errors_are_waited_out(
    orch_emulator: RunningEmulator, room: Room, operator: User, action: str, code: str
) -> None:
    orch_emulator.inject_fault(action, code=code, count=2)
    session, _ = session_start_now(room=room, actor=operator)
    clock = drive(session, until={S.RECORDING, S.FAILED, S.STOPPING})
    assert session.state == S.RECORDING, session.failure_reason
    assert_clean(orch_emulator, clock)


def test_lock_timeout_on_create_session_applies_again_then_creates(
    orch_emulator: RunningEmulator, room: Room, operator: User
) -> None:
    orch_emulator.inject_fault("CreateSession", code="FailedOperation.LockTimeout", count=1)
    session, _ = session_start_now(room=room, actor=operator)
    clock = drive(session, until={S.RECORDING, S.FAILED, S.STOPPING})
    assert session.state == S.RECORDING, session.failure_reason
    assert calls(session, "ApplyConcurrent") == 2
    assert calls(session, "CreateSession") == 2
    assert_clean(orch_emulator, clock)


def test_push_waits_its_gap_from_the_moment_the_record_task_was_answered(
    orch_emulator: RunningEmulator, room: Room, operator: User, settings: Any
) -> None:
    settings.RECORDING_PUSH_DELAY_SECONDS = 1.0
    orch_emulator.set_latency("CreateSession", 1.2)  # a slow call before the task must not eat the gap
    session, _ = session_start_now(room=room, actor=operator)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:  # the real clock: the gap is measured by the emulator
        outcome = session_advance(session_id=session.pk)
        if outcome.state in {S.RECORDING, S.FAILED, S.STOPPING}:
            break
        if outcome.retry_at is not None:
            time.sleep(max(0.0, min(1.0, (outcome.retry_at - timezone.now()).total_seconds())))
    # The console's own call log: when CreateRecordTask's answer arrived and when StartPublishStream was sent.
    task = ApiCall.objects.for_session(session.pk).get(action="CreateRecordTask", outcome="ok")
    push = ApiCall.objects.for_session(session.pk).filter(action="StartPublishStream").earliest("started_at")
    answered = task.started_at + timedelta(milliseconds=task.duration_ms)
    gap = (push.started_at - answered).total_seconds()
    assert gap >= 0.95, f"push only {gap:.2f} s after CreateRecordTask was answered"


@pytest.mark.parametrize("code", ["FailedOperation", "InternalError", "FailedOperation.SlowDown"])
def test_a_failing_stop_publish_stream_never_blocks_the_release(
    orch_emulator: RunningEmulator, room: Room, operator: User, code: str
) -> None:
    session, _ = session_start_now(room=room, actor=operator)
    clock = drive(session, until={S.RECORDING})
    orch_emulator.inject_fault("StopPublishStream", code=code)  # every attempt fails
    session_stop(session=RecordingSession.objects.get(pk=session.pk), actor=operator)
    clock = drive(session, until=DONE, now=clock, max_passes=30)
    assert session.state in {S.FINALIZING, S.COMPLETED}
    assert orch_emulator.state.concurrencies == {}
    assert session.cloud_released_at is not None
    assert 1 <= calls(session, "StopPublishStream") <= 12  # bounded: the gateway's and the engine's tries
    assert calls(session, "DestroySession") == 1
    orch_emulator.clear_faults()
    assert orch_emulator.wait_idle(30)  # the files arrive late; finalizing then completes
    clock = drive(session, until={S.COMPLETED, S.FAILED}, now=clock)
    assert_clean(orch_emulator, clock)


def test_reconciliation_releases_a_session_stuck_in_stopping(
    orch_emulator: RunningEmulator, room: Room, operator: User
) -> None:
    session, _ = session_start_now(room=room, actor=operator)
    clock = drive(session, until={S.RECORDING})
    session_stop(session=RecordingSession.objects.get(pk=session.pk), actor=operator)
    # The worker driving the stop hangs for good: its lease never lapses within the test.
    RecordingSession.objects.filter(pk=session.pk).update(
        state=S.STOPPING, lease_token="hung", lease_until=clock + timedelta(days=1)
    )
    reconcile(now=clock + timedelta(minutes=20))
    assert orch_emulator.state.concurrencies == {}
    session.refresh_from_db()
    assert session.cloud_released_at is not None
    assert Attention.objects.filter(kind=AttentionKind.LEAKED_SESSION, session=session).exists()
