"""Triggers end to end against the emulator: a schedule firing on time, auto-record from push callbacks and API
events, and the callback hooks the outputs receiver calls."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from emulator.testing import RunningEmulator
from recordings.catalog.tests.factories import RoomFactory
from recordings.models import RecordingSession, Room, Schedule, ScheduleKind
from recordings.sessions.lifecycle import SessionState, Trigger
from recordings.sessions.services import sessions
from recordings.sessions.services.orchestrator import session_advance
from recordings.sessions.services.schedules import schedules_tick
from recordings.sessions.tests.orchestration_support import drive

S = SessionState
pytestmark = pytest.mark.django_db


@pytest.fixture
def room(db: None) -> Room:
    return RoomFactory.create(auto_record=True)


def test_one_off_schedule_fires_on_time_and_records(
    orch_emulator: RunningEmulator, room: Room, operator: User
) -> None:
    fire_at = (timezone.now() + timedelta(minutes=3)).replace(microsecond=0)
    schedule = Schedule.objects.create(
        room=room,
        name="Evening show",
        kind=ScheduleKind.ONCE,
        starts_at=fire_at,
        duration_minutes=30,
        time_zone="UTC",
    )
    assert schedules_tick(now=fire_at - timedelta(minutes=11)) == []  # not yet within the look-ahead
    [session] = schedules_tick(now=fire_at - timedelta(minutes=5))
    assert schedules_tick(now=fire_at - timedelta(minutes=4)) == []  # idempotent
    assert session.trigger == Trigger.SCHEDULE and session.schedule == schedule
    assert (session.planned_start, session.planned_end) == (fire_at, fire_at + timedelta(minutes=30))

    early = session_advance(session_id=session.pk, now=fire_at - timedelta(seconds=1))
    assert early.state == S.SCHEDULED and early.retry_at == fire_at

    drive(session, until={S.RECORDING, S.FAILED}, now=fire_at)
    assert session.state == S.RECORDING
    started = session.transitions.get(to_state=S.STARTING, from_state=S.SCHEDULED)
    assert started.at == fire_at
    assert session.car_user_id in orch_emulator.state.concurrencies


def test_paused_schedule_does_not_fire(room: Room, operator: User) -> None:
    fire_at = timezone.now() + timedelta(minutes=3)
    Schedule.objects.create(
        room=room, name="Paused", kind=ScheduleKind.ONCE, starts_at=fire_at, duration_minutes=30, paused=True
    )
    assert schedules_tick(now=fire_at - timedelta(minutes=1)) == []


def test_push_callbacks_auto_record_the_room(orch_emulator: RunningEmulator, room: Room) -> None:
    at = timezone.now()
    sessions.room_push_started(room_id=room.pk, stream_name=room.stream_name, at=at)
    sessions.room_push_started(room_id=room.pk, stream_name=room.stream_name, at=at)  # a duplicated callback
    session = RecordingSession.objects.get()
    assert session.trigger == Trigger.PUSH_CALLBACK
    clock = drive(session, until={S.RECORDING, S.FAILED})
    assert session.state == S.RECORDING
    time.sleep(2)
    sessions.room_push_ended(room_id=room.pk, stream_name=room.stream_name, at=clock)
    session.refresh_from_db()
    assert session.state == S.STOPPING and session.stop_reason == "The anchor went offline."
    orch_emulator.wait_idle(30)
    drive(session, until={S.COMPLETED, S.FAILED}, now=clock)
    assert session.state == S.COMPLETED and session.files_found >= 1
    assert orch_emulator.state.concurrencies == {}


def test_push_callback_for_a_room_without_auto_record_does_nothing(db: None) -> None:
    room = RoomFactory.create(auto_record=False)
    sessions.room_push_started(room_id=room.pk, stream_name=room.stream_name, at=timezone.now())
    assert not RecordingSession.objects.exists()


def test_api_live_events_auto_record(orch_emulator: RunningEmulator, room: Room, operator: User) -> None:
    session = sessions.room_live_started(room=room, actor=operator, trigger=Trigger.API)
    assert session is not None
    clock = drive(session, until={S.RECORDING, S.FAILED})
    assert session.state == S.RECORDING
    time.sleep(2)
    [stopped] = sessions.room_live_ended(room=room, actor=operator, at=clock)
    assert stopped.state == S.STOPPING
    orch_emulator.wait_idle(30)
    drive(session, until={S.COMPLETED, S.FAILED}, now=clock)
    assert session.state == S.COMPLETED
    assert orch_emulator.state.concurrencies == {}


def test_live_callback_confirms_the_start_and_file_callback_completes(
    orch_emulator: RunningEmulator, room: Room, operator: User
) -> None:
    # CSS cannot tell the stream state for now: only the push callback can confirm the stream is live.
    orch_emulator.inject_fault("DescribeLiveStreamState", code="InternalError")
    session, _ = sessions.session_start_now(room=room, actor=operator)
    now = timezone.now()
    while session.push_started_at is None:
        outcome = session_advance(session_id=session.pk, now=now)
        now = outcome.retry_at or now
        session.refresh_from_db()
    assert RecordingSession.objects.for_stream(session.car_user_id, at=now).get() == session
    sessions.session_stream_live(session_id=session.pk, at=now)
    session.refresh_from_db()
    assert session.state == S.RECORDING and session.stream_live_at == now
    sessions.session_stream_live(session_id=session.pk, at=now)  # duplicate callback: no change
    assert session.transitions.filter(to_state=S.RECORDING).count() == 1
    orch_emulator.clear_faults()
    sessions.session_stop(session=session, actor=operator, now=now)
    drive(session, until={S.FINALIZING, S.COMPLETED, S.FAILED}, now=now)
    if session.state == S.FINALIZING:
        sessions.session_file_arrived(session_id=session.pk)
        session.refresh_from_db()
    assert session.state == S.COMPLETED


def test_unexpected_push_end_while_recording_starts_the_grace_period(
    orch_emulator: RunningEmulator, room: Room, operator: User
) -> None:
    session, _ = sessions.session_start_now(room=room, actor=operator)
    clock = drive(session, until={S.RECORDING})
    sessions.session_stream_ended(session_id=session.pk, at=clock)
    session.refresh_from_db()
    assert session.stream_lost_at == clock and session.state == S.RECORDING
    sessions.session_stream_live(session_id=session.pk, at=clock + timedelta(seconds=5))
    session.refresh_from_db()
    assert session.stream_lost_at is None
