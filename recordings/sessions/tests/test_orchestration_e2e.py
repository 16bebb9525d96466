"""End to end against the emulator: start → recording → stop → completed, with the cloud left clean."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from emulator.testing import RunningEmulator
from recordings.catalog.tests.factories import RoomFactory
from recordings.models import Room
from recordings.sessions.lifecycle import SessionState, Step
from recordings.sessions.services.sessions import session_start_now, session_stop
from recordings.sessions.tests.orchestration_support import drive
from tencent.models import ApiCall

S = SessionState
pytestmark = pytest.mark.django_db


@pytest.fixture
def room(db: None) -> Room:
    return RoomFactory.create(entry_parameters="--room=lobby")


def test_manual_start_records_stops_and_completes_with_a_file(
    orch_emulator: RunningEmulator, room: Room, operator: User
) -> None:
    session, created = session_start_now(room=room, actor=operator, duration_minutes=30)
    assert created and session.state == S.SCHEDULED
    assert session.car_user_id == f"{room.stream_name}-r{session.pk}"

    clock = drive(session, until={S.RECORDING})
    assert set(orch_emulator.state.concurrencies) == {session.car_user_id}
    assert session.record_tasks.count() == 1
    assert session.push_started_at and session.record_task_created_at
    assert session.push_started_at - session.record_task_created_at >= timedelta(seconds=3)
    time.sleep(2.5)  # let the emulator record some real segments

    clock += timedelta(seconds=3)
    session = session_stop(session=session, actor=operator, now=clock)
    assert session.state == S.STOPPING
    assert orch_emulator.wait_idle(30)
    drive(session, until={S.COMPLETED, S.FAILED}, now=clock)

    assert session.state == S.COMPLETED, session.failure_reason
    assert session.files_found >= 1
    assert orch_emulator.state.concurrencies == {}
    history = list(session.transitions.values_list("from_state", "to_state", "step"))
    state_changes = [target for source, target, _ in history if source != target]
    assert state_changes == [S.SCHEDULED, S.STARTING, S.RECORDING, S.STOPPING, S.FINALIZING, S.COMPLETED]
    steps = [step for _, _, step in history if step]
    for step in (Step.CONCURRENCY, Step.CLOUD_SESSION, Step.RECORD_TASK, Step.PUSH):
        assert step in steps
    actions = list(ApiCall.objects.for_session(session.pk).values_list("action", flat=True))
    for action in ("ApplyConcurrent", "CreateSession", "CreateRecordTask", "StartPublishStream"):
        assert action in actions
    assert (
        actions.index("StopRecordTask") < actions.index("StopPublishStream") < actions.index("DestroySession")
    )


def test_stop_before_live_cancels_and_releases_the_concurrency(
    orch_emulator: RunningEmulator, room: Room, operator: User
) -> None:
    session, _ = session_start_now(room=room, actor=operator, duration_minutes=30)
    now = timezone.now()
    # Apply, create the session and the record task; the push then waits its 3 s.
    drive(session, until={S.STARTING}, now=now)
    assert session.record_task_created_at is not None and session.push_started_at is None
    session_stop(session=session, actor=operator)
    drive(session, until={S.CANCELLED, S.FAILED, S.FINALIZING}, now=now)
    assert session.state == S.CANCELLED
    assert orch_emulator.state.concurrencies == {}
