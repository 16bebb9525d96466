"""Rooms API: list filters and paging, create, read, partial update, field errors, and the OpenAPI document."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from dashboard.models import AuditEntry
from recordings.catalog.tests.factories import ClientAppFactory, RoomFactory, WebAppFactory
from recordings.models import Room

pytestmark = pytest.mark.django_db


class Api:
    def __init__(self, secret: str) -> None:
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")

    def get(self, path: str, **params: str) -> Any:
        return self.client.get(path, params)

    def send(self, method: str, path: str, body: Any) -> Any:
        return getattr(self.client, method)(path, data=json.dumps(body), content_type="application/json")


@pytest.fixture
def api(operator: User, api_token: Callable[[User], str]) -> Api:
    return Api(api_token(operator))


ROOMS = reverse("recordings:api_rooms")


def room_url(key: str) -> str:
    return reverse("recordings:api_room", args=[key])


def test_create_room_by_app_name_returns_201_and_the_room(api: Api) -> None:
    app = WebAppFactory.create(
        name="Bullet comments", launch_parameters="--room={room_key} {entry_parameters}"
    )
    body = {"name": "Lobby", "room_key": "Lobby.1", "app": "Bullet comments", "tags": ["VIP", "music"]}
    response = api.send("post", ROOMS, {**body, "entry_parameters": "--seat=1"})
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["app"] == {"id": app.pk, "name": "Bullet comments", "kind": "WEB"}
    assert (data["stream_name"], data["tags"], data["is_active"]) == ("lobby-1", ["music", "vip"], True)
    assert data["application_parameters"] == "--room=Lobby.1 --seat=1"
    assert data["effective_max_recording_minutes"] == 360
    assert AuditEntry.objects.filter(action="room.create", object_id=str(data["id"])).exists()


def test_create_room_by_app_id(api: Api) -> None:
    app = ClientAppFactory.create()
    response = api.send(
        "post", ROOMS, {"name": "Lobby", "room_key": "lobby", "app": app.pk, "auto_record": True}
    )
    assert response.status_code == 201
    assert Room.objects.get(room_key="lobby").auto_record is True


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"name", "room_key", "app"}),
        ({"name": "x", "room_key": "k", "app": "missing"}, {"app"}),
        ({"name": "x", "room_key": "k 1", "app": "A", "stream_name": "s/1"}, {"room_key", "stream_name"}),
        (
            {"name": "x", "room_key": "k", "app": "A", "max_recording_minutes": 5000},
            {"max_recording_minutes"},
        ),
        ({"name": "x", "room_key": "k", "app": "A", "colour": "red"}, {"colour"}),
        ({"name": "x", "room_key": "k", "app": "A", "tags": [1, 2]}, {"tags"}),
        ({"name": "x", "room_key": "taken", "app": "A"}, {"room_key"}),
    ],
)
def test_create_room_field_errors(api: Api, body: dict[str, Any], fields: set[str]) -> None:
    app = ClientAppFactory.create(name="A")
    RoomFactory.create(client_app=app, room_key="taken")
    response = api.send("post", ROOMS, body)
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == fields
    assert Room.objects.count() == 1


def test_create_room_for_an_inactive_app_is_refused(api: Api) -> None:
    ClientAppFactory.create(name="Old", is_active=False)
    response = api.send("post", ROOMS, {"name": "x", "room_key": "k", "app": "Old"})
    assert response.status_code == 400
    assert "app" in response.json()["error"]["fields"]


def test_malformed_json_is_a_400(api: Api) -> None:
    response = api.client.post(ROOMS, data="{", content_type="application/json")
    assert response.status_code == 400


def test_read_and_404(api: Api) -> None:
    RoomFactory.create(room_key="live-1", name="Live one")
    assert api.get(room_url("live-1")).json()["name"] == "Live one"
    missing = api.get(room_url("nope"))
    assert missing.status_code == 404
    assert missing.json()["error"]["message"] == "No room has the key “nope”."
    assert api.send("patch", room_url("nope"), {"name": "x"}).status_code == 404


def test_patch_changes_only_the_given_fields(api: Api) -> None:
    room = RoomFactory.create(room_key="live-1", tags="a", auto_record=True, entry_parameters="--x")
    response = api.send("patch", room_url("live-1"), {"tags": "b, a", "max_recording_minutes": 30})
    assert response.status_code == 200, response.content
    room.refresh_from_db()
    assert (room.tags, room.max_recording_minutes, room.auto_record, room.entry_parameters) == (
        "a,b",
        30,
        True,
        "--x",
    )
    changes = AuditEntry.objects.get(action="room.update").changes
    assert changes == {"tags": ["a", "a,b"], "max_recording_minutes": [None, 30]}
    cleared = api.send("patch", room_url("live-1"), {"max_recording_minutes": None, "is_active": False})
    assert cleared.json()["max_recording_minutes"] is None and cleared.json()["is_active"] is False


def test_patch_errors_leave_the_room_unchanged(api: Api) -> None:
    room = RoomFactory.create(room_key="live-1", stream_name="s1")
    RoomFactory.create(room_key="live-2", stream_name="s2")
    response = api.send("patch", room_url("live-1"), {"stream_name": "s2", "name": "changed"})
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"stream_name"}
    room.refresh_from_db()
    assert room.stream_name == "s1" and room.name != "changed"


def test_list_filters_and_paging(api: Api) -> None:
    web = WebAppFactory.create(name="Web")
    apk = ClientAppFactory.create(name="Apk")
    RoomFactory.create(name="Alpha", room_key="a", client_app=web, tags="vip")
    RoomFactory.create(name="Beta", room_key="b", client_app=apk)
    RoomFactory.create(name="Gamma", room_key="c", client_app=apk, is_active=False)

    def keys(**params: str) -> list[str]:
        response = api.get(ROOMS, **params)
        assert response.status_code == 200, response.content
        return [room["room_key"] for room in response.json()["results"]]

    assert keys() == ["a", "b", "c"]
    assert keys(active="true") == ["a", "b"]
    assert keys(active="false") == ["c"]
    assert keys(app="Apk") == ["b", "c"]
    assert keys(app=str(web.pk)) == ["a"]
    assert keys(q="amm") == ["c"]
    assert keys(tag="vip") == ["a"]
    page = api.get(ROOMS, limit="1", offset="1").json()
    assert (page["count"], page["limit"], page["offset"], len(page["results"])) == (3, 1, 1, 1)
    assert page["results"][0]["room_key"] == "b"


@pytest.mark.parametrize(
    ("params", "field"),
    [({"active": "maybe"}, "active"), ({"limit": "-1"}, "limit"), ({"app": "zzz"}, "app")],
)
def test_list_rejects_bad_query_parameters(api: Api, params: dict[str, str], field: str) -> None:
    response = api.get(ROOMS, **params)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_list_does_not_query_per_room(api: Api, django_assert_max_num_queries: Any) -> None:
    RoomFactory.create_batch(20)
    with django_assert_max_num_queries(6):
        response = api.get(ROOMS)
    assert len(response.json()["results"]) == 20


def test_unsupported_method_is_a_405(api: Api) -> None:
    assert api.client.delete(ROOMS).status_code == 405


def test_openapi_document_describes_the_rooms_api(client: Client, operator: User) -> None:
    client.force_login(operator)  # the reference is behind login
    paths = client.get(reverse("openapi_json")).json()["paths"]
    assert set(paths["/api/v1/rooms"]) == {"get", "post"}
    assert set(paths["/api/v1/rooms/{room_key}"]) == {"get", "patch"}
    create = paths["/api/v1/rooms"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"]["required"] == [
        "name",
        "room_key",
        "app",
    ]
    assert "201" in create["responses"]
    listed = paths["/api/v1/rooms"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert "results" in listed["properties"]
    assert {p["name"] for p in paths["/api/v1/rooms"]["get"]["parameters"]} >= {
        "active",
        "app",
        "q",
        "limit",
        "offset",
    }
