"""The business-backend recordings API: start with idempotency, stop, read, list, live events; roles and errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from recordings.catalog.tests.factories import RoomFactory
from recordings.models import RecordingSession, Room
from recordings.sessions.lifecycle import SessionState, Trigger

S = SessionState
pytestmark = pytest.mark.django_db


@pytest.fixture
def room(db: None) -> Room:
    return RoomFactory.create(room_key="lobby-1", auto_record=True)


@pytest.fixture
def api(api_token: Callable[[User], str]) -> Callable[[User], Client]:
    def build(user: User) -> Client:
        return Client(HTTP_AUTHORIZATION=f"Bearer {api_token(user)}")

    return build


def post(client: Client, url: str, body: Any) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json")


def test_start_answers_201_with_the_recording(
    api: Callable[[User], Client], operator: User, room: Room
) -> None:
    response = post(api(operator), "/api/v1/rooms/lobby-1/recordings", {"duration_minutes": 30})
    assert response.status_code == 201, response.content
    body = response.json()
    session = RecordingSession.objects.get()
    assert body["id"] == session.pk and body["state"] == "scheduled" and body["room"] == "lobby-1"
    assert body["stream_name"] == session.car_user_id
    assert session.trigger == Trigger.API and session.started_by == operator
    assert (session.planned_end - session.planned_start).total_seconds() == 30 * 60


def test_same_idempotency_key_five_times_makes_one_recording(
    api: Callable[[User], Client], operator: User, room: Room
) -> None:
    client = api(operator)
    statuses, ids = [], set()
    for _ in range(5):
        response = post(client, "/api/v1/rooms/lobby-1/recordings", {"idempotency_key": "order-42"})
        statuses.append(response.status_code)
        ids.add(response.json()["id"])
    assert statuses == [201, 200, 200, 200, 200]
    assert len(ids) == 1 and RecordingSession.objects.count() == 1


def test_second_start_without_key_is_a_conflict(
    api: Callable[[User], Client], operator: User, room: Room
) -> None:
    client = api(operator)
    assert post(client, "/api/v1/rooms/lobby-1/recordings", {}).status_code == 201
    response = post(client, "/api/v1/rooms/lobby-1/recordings", {})
    assert response.status_code == 409
    assert "already being recorded" in response.json()["error"]["message"]
    assert RecordingSession.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"duration_minutes": "soon"}, "duration_minutes"),
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"duration_minutes": 100000}, "duration_minutes"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_body_is_400_with_field_errors_and_changes_nothing(
    api: Callable[[User], Client], operator: User, room: Room, body: dict[str, Any], field: str
) -> None:
    response = post(api(operator), "/api/v1/rooms/lobby-1/recordings", body)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not RecordingSession.objects.exists()


def test_unknown_room_is_404_and_wrong_role_is_403(
    api: Callable[[User], Client], operator: User, moderator: User, manager: User, room: Room
) -> None:
    assert post(api(operator), "/api/v1/rooms/nope/recordings", {}).status_code == 404
    assert post(api(moderator), "/api/v1/rooms/lobby-1/recordings", {}).status_code == 403
    assert post(api(manager), "/api/v1/rooms/lobby-1/recordings", {}).status_code == 403
    assert Client().post("/api/v1/rooms/lobby-1/recordings").status_code == 401
    assert not RecordingSession.objects.exists()


def test_read_list_and_stop(
    api: Callable[[User], Client], operator: User, moderator: User, room: Room
) -> None:
    recording_id = post(api(operator), "/api/v1/rooms/lobby-1/recordings", {}).json()["id"]
    viewer = api(moderator)
    assert viewer.get(f"/api/v1/recordings/{recording_id}").json()["id"] == recording_id
    listed = viewer.get("/api/v1/recordings?room=lobby-1&state=scheduled&since=2020-01-01").json()
    assert [r["id"] for r in listed["results"]] == [recording_id] and listed["count"] == 1
    assert viewer.get("/api/v1/recordings?state=bogus").status_code == 400
    assert viewer.get("/api/v1/recordings/999999").status_code == 404
    assert post(viewer, f"/api/v1/recordings/{recording_id}/stop", {}).status_code == 403
    stopped = post(api(operator), f"/api/v1/recordings/{recording_id}/stop", {})
    assert stopped.status_code == 200 and stopped.json()["state"] == "cancelled"


def test_live_events_start_and_stop_auto_record_rooms(
    api: Callable[[User], Client], operator: User, room: Room
) -> None:
    client = api(operator)
    first = post(client, "/api/v1/rooms/lobby-1/events", {"type": "live_started"})
    assert first.status_code == 200, first.content
    again = post(client, "/api/v1/rooms/lobby-1/events", {"type": "live_started"})
    assert first.json()["recordings"][0]["id"] == again.json()["recordings"][0]["id"]
    session = RecordingSession.objects.get()
    assert session.trigger == Trigger.API
    ended = post(client, "/api/v1/rooms/lobby-1/events", {"type": "live_ended"})
    assert ended.json()["recordings"][0]["state"] == "cancelled"
    assert post(client, "/api/v1/rooms/lobby-1/events", {"type": "dance"}).status_code == 400


def test_live_event_for_a_room_without_auto_record_is_refused(
    api: Callable[[User], Client], operator: User
) -> None:
    RoomFactory.create(room_key="manual-room", auto_record=False)
    response = post(api(operator), "/api/v1/rooms/manual-room/events", {"type": "live_started"})
    assert response.status_code == 409
    assert not RecordingSession.objects.exists()


def test_operations_are_in_the_openapi_document(client: Client, operator: User) -> None:
    client.force_login(operator)  # the reference is behind login
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "post" in paths["/api/v1/rooms/{room_key}/recordings"]
    assert "get" in paths["/api/v1/recordings"] and "post" in paths["/api/v1/recordings/{id}/stop"]
    assert "post" in paths["/api/v1/rooms/{room_key}/events"]
