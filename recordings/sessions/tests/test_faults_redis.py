"""Redis away, workers dead: what is committed is answered as accepted and picked up later; pages degrade.

The full run with real processes is test_faults_matrix.py; these pin each rule quickly.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from recordings.catalog.tests.factories import RoomFactory
from recordings.models import RecordingSession, Room
from recordings.sessions import jobs
from recordings.sessions.lifecycle import SessionState, Trigger
from recordings.sessions.services import orchestrator
from recordings.sessions.services.sessions import session_create

S = SessionState
NOWHERE = "redis://127.0.0.1:1/0"  # nothing listens there: every Redis call is refused


@pytest.fixture
def redis_down(settings: Any) -> None:
    settings.REDIS_URL = NOWHERE
    settings.RQ_QUEUES = {name: {**queue, "URL": NOWHERE} for name, queue in settings.RQ_QUEUES.items()}
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": NOWHERE}}
    settings.TENCENT_RETRY_BASE_SECONDS = 0.01


@pytest.fixture
def api(api_token: Callable[[User], str], operator: User) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {api_token(operator)}")


def post(client: Client, url: str) -> Any:
    return client.post(url, data="{}", content_type="application/json")


@pytest.mark.django_db(transaction=True)  # the wake-up job is queued on commit
def test_start_and_stop_without_redis_are_accepted_and_the_next_tick_takes_them(
    api: Client, redis_down: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    room = RoomFactory.create(room_key="lobby-9")
    started = post(api, "/api/v1/rooms/lobby-9/recordings")
    assert started.status_code == 202, started.content
    body = json.loads(started.content)
    session = RecordingSession.objects.get(pk=body["id"])
    assert body["state"] == S.SCHEDULED == session.state and session.room == room
    # Its job is lost, so it looks overdue already: the very next tick enqueues it (not 30 s later).
    assert session.next_attempt_at is not None and session.next_attempt_at <= timezone.now() - jobs.OVERDUE

    RecordingSession.objects.filter(pk=session.pk).update(state=S.RECORDING, next_attempt_at=None)
    stopped = post(api, f"/api/v1/recordings/{session.pk}/stop")
    assert stopped.status_code == 202, stopped.content
    assert json.loads(stopped.content)["state"] == S.STOPPING
    session.refresh_from_db()
    assert session.state == S.STOPPING and session.stop_requested_at is not None

    woken: list[int] = []
    monkeypatch.setattr(jobs, "enqueue_advance", lambda session_id, at=None: woken.append(session_id))
    monkeypatch.setattr("recordings.sessions.services.schedules.schedules_tick", lambda now: 0)
    assert jobs.tick() == 1 and woken == [session.pk]


@pytest.mark.django_db(transaction=True)
def test_start_with_redis_up_still_answers_201(api: Client) -> None:
    RoomFactory.create(room_key="lobby-8")
    assert post(api, "/api/v1/rooms/lobby-8/recordings").status_code == 201


@pytest.mark.django_db
def test_live_board_without_redis_answers_with_a_message(
    client_as: Callable[[User | None], Client], operator: User, redis_down: None, emulator: Any
) -> None:
    response = client_as(operator).get("/live/")
    assert response.status_code == 200
    assert b"Redis (the job queue and cache) is unavailable" in response.content


@pytest.mark.django_db
def test_live_board_with_redis_has_no_such_message(
    client_as: Callable[[User | None], Client], operator: User, emulator: Any
) -> None:
    response = client_as(operator).get("/live/")
    assert response.status_code == 200 and b"is unavailable" not in response.content


def make_session(room: Room) -> RecordingSession:
    now = timezone.now()
    return session_create(
        room=room,
        planned_start=now,
        planned_end=now + timedelta(hours=1),
        trigger=Trigger.MANUAL,
        actor=None,
    )


@pytest.mark.django_db(transaction=True)  # the heartbeat renews from its own connection
def test_the_lease_is_renewed_while_a_pass_runs_and_lapses_soon_after_a_worker_dies(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(orchestrator, "LEASE_RENEW", timedelta(seconds=0.1))
    session = make_session(RoomFactory.create())
    now = timezone.now()
    token = orchestrator.acquire_lease(session.pk, now)
    assert token is not None
    first = RecordingSession.objects.get(pk=session.pk).lease_until
    with orchestrator.LeaseHeartbeat(session.pk, token):
        time.sleep(0.5)
        renewed = RecordingSession.objects.get(pk=session.pk).lease_until
    assert first is not None and renewed is not None and renewed > first
    assert timedelta(seconds=15) >= orchestrator.LEASE
    # The worker died holding it (no release): once it lapses, the very next tick resumes the session.
    lapsed = timezone.now() - timedelta(seconds=1)
    RecordingSession.objects.filter(pk=session.pk).update(lease_until=lapsed, next_attempt_at=timezone.now())
    woken: list[int] = []
    monkeypatch.setattr(jobs, "enqueue_advance", lambda session_id, at=None: woken.append(session_id))
    monkeypatch.setattr("recordings.sessions.services.schedules.schedules_tick", lambda now: 0)
    jobs.tick()
    assert woken == [session.pk]


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_stops_when_the_pass_ends(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(orchestrator, "LEASE_RENEW", timedelta(seconds=0.05))
    session = make_session(RoomFactory.create())
    token = orchestrator.acquire_lease(session.pk, timezone.now())
    assert token is not None
    before = threading.active_count()
    with orchestrator.LeaseHeartbeat(session.pk, token):
        assert threading.active_count() == before + 1
    assert threading.active_count() == before


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/live/", "/costs/", "/costs/capacity/", "/recordings/"])
def test_pages_that_use_the_cache_answer_without_redis(
    client_as: Callable[[User | None], Client], manager: User, redis_down: None, emulator: Any, path: str
) -> None:
    assert client_as(manager).get(path).status_code == 200
