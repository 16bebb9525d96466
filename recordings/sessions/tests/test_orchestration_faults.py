"""Fault injection against the emulator: throttling, NoIdle, a failing push, a worker killed mid-start.

Each test ends with reconciliation and checks the invariant: zero leaked CAR sessions, and every session either
terminal or healthy.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from emulator.testing import RunningEmulator
from recordings.catalog.tests.factories import RoomFactory
from recordings.models import Attention, AttentionKind, RecordingSession, RecordTask, Room
from recordings.sessions.lifecycle import SessionState, Step, Trigger
from recordings.sessions.services import orchestrator
from recordings.sessions.services.reconcile import reconcile
from recordings.sessions.services.sessions import session_create, session_start_now, session_stop
from recordings.sessions.tests.orchestration_support import drive
from tencent import car, css
from tencent.models import ApiCall

S = SessionState
pytestmark = pytest.mark.django_db
HEALTHY = {S.RECORDING, S.COMPLETED, S.FAILED, S.CANCELLED}


@pytest.fixture
def room(db: None) -> Room:
    return RoomFactory.create()


def assert_clean(emu: RunningEmulator, now: datetime) -> None:
    reconcile(now=now)
    held = set(emu.state.concurrencies)
    recording = set(RecordingSession.objects.filter(state=S.RECORDING).values_list("car_user_id", flat=True))
    assert held == recording, f"leaked CAR sessions: {held - recording}"
    states = set(RecordingSession.objects.values_list("state", flat=True))
    assert states <= HEALTHY, states


def calls(session: RecordingSession, action: str) -> int:
    return ApiCall.objects.for_session(session.pk).filter(action=action).count()


def test_throttled_push_is_retried_with_backoff_and_recording_starts(
    orch_emulator: RunningEmulator, room: Room, operator: User
) -> None:
    orch_emulator.inject_fault("StartPublishStream", code="RequestLimitExceeded", count=2)
    orch_emulator.inject_fault("ApplyConcurrent", code="RequestLimitExceeded", count=1)
    session, _ = session_start_now(room=room, actor=operator)
    clock = drive(session, until={S.RECORDING, S.FAILED})
    assert session.state == S.RECORDING
    assert (
        calls(session, "StartPublishStream") == 3
    )  # not retried by the gateway: the engine backed off twice
    assert calls(session, "ApplyConcurrent") == 2  # idempotent: the gateway retried it
    assert_clean(orch_emulator, clock)


def test_noidle_waits_then_fails_in_words_and_leaves_nothing_behind(
    orch_emulator: RunningEmulator, room: Room, operator: User, settings: object
) -> None:
    settings.RECORDING_NOIDLE_WAIT_SECONDS = 20  # type: ignore[attr-defined]
    orch_emulator.inject_fault("ApplyConcurrent", code="ResourceNotFound.NoIdle")
    session, _ = session_start_now(room=room, actor=operator)
    clock = drive(session, until={S.FAILED, S.RECORDING})
    assert session.state == S.FAILED
    assert session.failed_step == Step.CONCURRENCY
    assert "No free CAR concurrency" in session.failure_reason and "waited 20 s" in session.failure_reason
    assert calls(session, "ApplyConcurrent") == 5  # every 5 s for 20 s
    assert_clean(orch_emulator, clock)


def test_noidle_that_clears_in_time_starts_the_recording(
    orch_emulator: RunningEmulator, room: Room, operator: User
) -> None:
    orch_emulator.inject_fault("ApplyConcurrent", code="ResourceNotFound.NoIdle", count=3)
    session, _ = session_start_now(room=room, actor=operator)
    clock = drive(session, until={S.FAILED, S.RECORDING})
    assert session.state == S.RECORDING and session.waiting_since is None
    assert_clean(orch_emulator, clock)


def test_failing_push_undoes_the_start(orch_emulator: RunningEmulator, room: Room, operator: User) -> None:
    orch_emulator.inject_fault("StartPublishStream", code="FailedOperation", message="instance crashed")
    session, _ = session_start_now(room=room, actor=operator)
    clock = drive(session, until={S.FAILED, S.RECORDING})
    assert session.state == S.FAILED
    assert session.failed_step == Step.PUSH
    assert "Push started failed: FailedOperation: instance crashed" in session.failure_reason
    assert orch_emulator.state.concurrencies == {}
    assert all(task.stopped for task in orch_emulator.state.record_tasks.values())
    assert calls(session, "DestroySession") == 1
    item = Attention.objects.get(kind=AttentionKind.START_FAILED, session=session)
    assert "instance crashed" in item.message and item.action_taken == "Undone"
    assert_clean(orch_emulator, clock)


class WorkerKilled(BaseException):
    """Stands for SIGKILL: not an Exception, so nothing in the engine handles it."""


def kill_after(monkeypatch: pytest.MonkeyPatch, step: Step) -> None:
    """The step's Tencent call succeeds, then the worker dies before writing it down (lease left held)."""
    real = orchestrator.step_done

    def dying(session: RecordingSession, done: Step, now: datetime, **fields: object) -> None:
        if done == step:
            RecordingSession.objects.filter(pk=session.pk).update(
                lease_token="dead", lease_until=now + orchestrator.LEASE
            )
            raise WorkerKilled
        real(session, done, now, **fields)

    monkeypatch.setattr(orchestrator, "step_done", dying)
    monkeypatch.setattr(orchestrator, "release_lease", lambda session_id, token, **fields: None)


@pytest.mark.parametrize("step", [Step.CONCURRENCY, Step.RECORD_TASK, Step.PUSH])
def test_worker_killed_mid_start_is_resumed_without_duplicates(
    orch_emulator: RunningEmulator, room: Room, operator: User, monkeypatch: pytest.MonkeyPatch, step: Step
) -> None:
    session, _ = session_start_now(room=room, actor=operator)
    now = timezone.now()
    kill_after(monkeypatch, step)
    with pytest.raises(WorkerKilled):
        drive(session, until={S.RECORDING}, now=now)
    monkeypatch.undo()
    session.refresh_from_db()
    assert session.state == S.STARTING and session.lease_token == "dead"
    # Another worker cannot touch it while the dead worker's lease lasts...
    assert orchestrator.session_advance(session_id=session.pk, now=now + timedelta(seconds=5)).busy
    # ...and reconciliation picks it up once the lease expired.
    later = now + orchestrator.LEASE + timedelta(seconds=31)
    reconcile(now=later)
    clock = drive(session, until={S.RECORDING, S.FAILED}, now=later)
    assert session.state == S.RECORDING
    assert list(orch_emulator.state.concurrencies) == [session.car_user_id]
    tasks = [t for t in orch_emulator.state.record_tasks.values() if t.stream_name == session.car_user_id]
    assert len(tasks) == 1 and session.record_tasks.get().task_id == tasks[0].task_id
    assert_clean(orch_emulator, clock)


def test_worker_killed_after_apply_then_start_abandoned_leaks_nothing(
    orch_emulator: RunningEmulator,
    room: Room,
    operator: User,
    monkeypatch: pytest.MonkeyPatch,
    settings: object,
) -> None:
    session, _ = session_start_now(room=room, actor=operator)
    now = timezone.now()
    kill_after(monkeypatch, Step.CONCURRENCY)
    with pytest.raises(WorkerKilled):
        drive(session, until={S.RECORDING}, now=now)
    monkeypatch.undo()
    assert session.car_user_id in orch_emulator.state.concurrencies  # CAR holds it; the DB never heard back
    # Nobody resumes it before the start timeout: reconciliation abandons the start and undoes it.
    later = now + timedelta(seconds=settings.RECORDING_START_TIMEOUT_SECONDS + 1)  # type: ignore[attr-defined]
    counts = reconcile(now=later)
    session.refresh_from_db()
    assert session.state == S.FAILED and "took too long" in session.failure_reason
    assert counts.get("stuck_starting") == 1
    assert Attention.objects.filter(kind=AttentionKind.STUCK_STARTING, session=session).exists()
    assert orch_emulator.state.concurrencies == {}
    assert_clean(orch_emulator, later)


def test_reconcile_destroys_leaked_sessions_ours_unknown_and_finished(
    orch_emulator: RunningEmulator, room: Room, operator: User
) -> None:
    session, _ = session_start_now(room=room, actor=operator)
    clock = drive(session, until={S.RECORDING})
    # The database believes it finished (e.g. restored from a backup) while CAR still runs it.
    RecordingSession.objects.filter(pk=session.pk).update(state=S.COMPLETED, cloud_released_at=None)
    # And a UserId shaped like ours that the database has never heard of.
    stray = f"{room.stream_name}-r999999"
    car.apply_concurrent(user_id=stray, user_ip="127.0.0.1", project_id="cap-test0001")
    car.create_session(user_id=stray, user_ip="127.0.0.1")
    car.start_publish_stream(user_id=stray)

    counts = reconcile(now=clock)

    assert counts["leaked_destroyed"] == 2
    assert orch_emulator.state.concurrencies == {}
    subjects = set(
        Attention.objects.filter(kind=AttentionKind.LEAKED_SESSION).values_list("subject", flat=True)
    )
    assert subjects == {session.car_user_id, stray}
    assert reconcile(now=clock).get("leaked_destroyed", 0) == 0  # nothing left on a second pass


def test_recording_without_live_stream_is_repaired_once_then_failed(
    orch_emulator: RunningEmulator, room: Room, operator: User, settings: object
) -> None:
    session, _ = session_start_now(room=room, actor=operator)
    clock = drive(session, until={S.RECORDING})
    car.stop_publish_stream(user_id=session.car_user_id)  # the push dies behind our back
    clock += timedelta(seconds=settings.RECORDING_STREAM_LOST_GRACE_SECONDS + 1)  # type: ignore[attr-defined]
    counts = reconcile(now=clock)
    assert counts["no_live_stream"] == 1
    session.refresh_from_db()
    assert session.stream_lost_at == clock
    # After the grace period the engine restarts the push, and the stream is back.
    clock += timedelta(seconds=settings.RECORDING_STREAM_LOST_GRACE_SECONDS + 1)  # type: ignore[attr-defined]
    orchestrator.session_advance(session_id=session.pk, now=clock)
    session.refresh_from_db()
    assert session.repairs == 1 and session.state == S.RECORDING
    assert any(p.stream_name == session.car_user_id for p in orch_emulator.state.online_pushes())
    session_stop(session=session, actor=operator, now=clock)
    drive(session, until={S.FINALIZING, S.COMPLETED, S.FAILED}, now=clock)
    assert_clean(orch_emulator, clock)


def test_reconcile_stops_orphan_record_tasks_and_flags_foreign_concurrency(
    orch_emulator: RunningEmulator, room: Room, operator: User
) -> None:
    session, _ = session_start_now(room=room, actor=operator)
    clock = drive(session, until={S.RECORDING})
    session_stop(session=session, actor=operator, now=clock)
    drive(session, until={S.FINALIZING, S.COMPLETED, S.FAILED}, now=clock)
    # A record task of ours left running after the recording ended (e.g. created by a lost retry).
    created = css.create_record_task(stream_name=session.car_user_id, end_time=clock + timedelta(minutes=30))
    RecordTask.objects.create(
        session=session, task_id=created.task_id, start_time=clock, end_time=clock + timedelta(minutes=30)
    )
    # And a concurrency someone else holds in the same CAR project.
    car.apply_concurrent(user_id="another-console-user", user_ip="127.0.0.1", project_id="cap-test0001")

    counts = reconcile(now=clock)

    assert counts["tasks_stopped"] == 1
    assert orch_emulator.state.record_tasks[created.task_id].stopped
    assert Attention.objects.filter(kind=AttentionKind.ORPHAN_TASK, subject=created.task_id).exists()
    mismatch = Attention.objects.get(kind=AttentionKind.COUNT_MISMATCH)
    assert "reports 1 running" in mismatch.message and "accounts for 0" in mismatch.message
    assert "another-console-user" in orch_emulator.state.concurrencies  # not ours: left alone
    reconcile(now=clock + timedelta(minutes=1))
    assert (
        Attention.objects.filter(kind=AttentionKind.COUNT_MISMATCH).count() == 1
    )  # not repeated every minute


def test_finalizing_without_files_fails_after_the_timeout(
    orch_emulator: RunningEmulator, room: Room, operator: User, settings: object
) -> None:
    session, _ = session_start_now(room=room, actor=operator)
    now = timezone.now()
    RecordingSession.objects.filter(pk=session.pk).update(
        state=S.FINALIZING, stream_live_at=now, ended_at=now, finalize_deadline=now + timedelta(minutes=30)
    )
    assert orchestrator.session_advance(session_id=session.pk, now=now).state == S.FINALIZING
    later = now + timedelta(minutes=31)
    counts = reconcile(now=later)
    session.refresh_from_db()
    assert session.state == S.FAILED and session.failed_step == Step.FILES
    assert "No recording file arrived within 30 min" in session.failure_reason
    assert counts["no_file"] == 1 and Attention.objects.filter(kind=AttentionKind.NO_FILE).exists()


def test_recordings_longer_than_a_record_task_chain_the_next_task(
    orch_emulator: RunningEmulator, operator: User
) -> None:
    room = RoomFactory.create(client_app__max_recording_minutes=1440)
    now = timezone.now()
    session = session_create(
        room=room,
        planned_start=now,
        planned_end=now + timedelta(hours=25),
        trigger=Trigger.MANUAL,
        actor=operator,
    )
    drive(session, until={S.RECORDING}, now=now)
    first = session.record_tasks.get()
    assert first.end_time - first.start_time == timedelta(hours=24)
    orchestrator.session_advance(session_id=session.pk, now=first.end_time - timedelta(minutes=30))
    second = session.record_tasks.exclude(pk=first.pk).get()
    assert (second.start_time, second.end_time) == (first.end_time, session.planned_end)
    assert orch_emulator.state.record_tasks[second.task_id].start_time == int(first.end_time.timestamp())


def test_stop_pressed_while_a_start_step_is_in_flight_wins(
    orch_emulator: RunningEmulator, room: Room, operator: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    session, _ = session_start_now(room=room, actor=operator)
    real_create = car.create_session

    def create_while_user_stops(**kwargs: Any) -> str:
        answer = real_create(**kwargs)
        session_stop(session=RecordingSession.objects.get(pk=session.pk), actor=operator)
        return answer

    monkeypatch.setattr(orchestrator.car, "create_session", create_while_user_stops)
    clock = drive(session, until={S.CANCELLED, S.FAILED, S.RECORDING})
    assert session.state == S.CANCELLED
    assert not orch_emulator.state.record_tasks  # the start went no further than the call in flight
    assert orch_emulator.state.concurrencies == {}
    assert_clean(orch_emulator, clock)
