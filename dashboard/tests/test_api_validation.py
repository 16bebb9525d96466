"""`api_operation` holds each operation's contract: the declared request schema and query parameters are checked
before the view runs (a 400 in the API's error shape that changes nothing), and the declared path is the only
place a URL is written (`api_route` builds the URL pattern from it)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from jsonschema import Draft202012Validator

from dashboard.api import OPERATIONS
from dashboard.apischema import body_errors, compile_schema, query_errors
from dashboard.audit import AuditEntry
from dashboard.openapi import openapi_document
from recordings.catalog.tests.factories import ClientAppFactory, RoomFactory
from recordings.models import InteractionEvent, RecordingSession, Room
from webhooks.models import WebhookEndpoint

BASE_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture
def api(db: None, api_token: Any) -> Client:
    root = User.objects.create_superuser("root", "root@example.com", "pw")
    return Client(HTTP_AUTHORIZATION=f"Bearer {api_token(root)}")


def send(client: Client, method: str, url: str, body: Any) -> Any:
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


BAD_BODIES = [
    (
        "post",
        "/api/v1/rooms",
        {"room_key": "k", "app": "A", "colour": "red"},
        {"name": ["This field is required."], "colour": ["Unknown field."]},
    ),
    ("post", "/api/v1/rooms", {"name": 7, "room_key": "k", "app": "A"}, {"name": ["Enter a string."]}),
    (
        "post",
        "/api/v1/rooms",
        {"name": "x", "room_key": "k", "app": "A", "max_recording_minutes": 0},
        {"max_recording_minutes": ["Ensure this value is greater than or equal to 1."]},
    ),
    ("patch", "/api/v1/rooms/live-1", {"auto_record": "yes"}, {"auto_record": ["Enter true or false."]}),
    (
        "patch",
        "/api/v1/rooms/live-1",
        {"name": "n" * 101},
        {"name": ["At most 100 characters (this has 101)."]},
    ),
    (
        "post",
        "/api/v1/rooms/live-1/recordings",
        {"duration_minutes": "soon"},
        {"duration_minutes": ["Enter a whole number."]},
    ),
    (
        "post",
        "/api/v1/rooms/live-1/events",
        {"type": "live_paused"},
        {"type": ["Select a valid choice. live_paused is not one of the available choices."]},
    ),
    (
        "post",
        "/api/v1/rooms/live-1/interactions",
        {"events": [{"at": "2026-12-02T12:00:00Z", "kind": "gift"}, {"at": "soon", "kind": "gift", "x": 1}]},
        {"events[1].at": ["An ISO 8601 date-time."], "events[1].x": ["Unknown field."]},
    ),
    (
        "post",
        "/api/v1/webhooks",
        {"url": "https://example.com/h", "events": ["nope"]},
        {"events": ["Select a valid choice. nope is not one of the available choices."]},
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "url", "body", "fields"), BAD_BODIES)
def test_a_body_the_schema_refuses_is_a_400_naming_each_field_and_changes_nothing(
    api: Client, method: str, url: str, body: dict[str, Any], fields: dict[str, list[str]]
) -> None:
    ClientAppFactory.create(name="A")
    room = RoomFactory.create(room_key="live-1", name="Before", auto_record=True)
    audited = AuditEntry.objects.count()

    response = send(api, method, url, body)

    assert response.status_code == 400, response.content
    assert response.json() == {
        "error": {
            "status": 400,
            "code": "invalid_body",
            "message": "The request body is invalid.",
            "fields": fields,
        }
    }
    room.refresh_from_db()
    assert (room.name, room.auto_record, Room.objects.count()) == ("Before", True, 1)
    assert not RecordingSession.objects.exists() and not InteractionEvent.objects.exists()
    assert not WebhookEndpoint.objects.exists()
    assert AuditEntry.objects.count() == audited


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "fields"),
    [
        ("/api/v1/rooms?limit=abc", {"limit": ["A whole number from 0 to 200."]}),
        ("/api/v1/rooms?limit=201", {"limit": ["A whole number from 0 to 200."]}),
        ("/api/v1/rooms?active=maybe", {"active": ["Use true or false."]}),
        (
            "/api/v1/recordings?state=paused",
            {"state": ["Select a valid choice. paused is not one of the available choices."]},
        ),
        ("/api/v1/rooms/live-1/interactions?since=noon", {"since": ["An ISO 8601 date-time."]}),
    ],
)
def test_a_query_parameter_its_schema_refuses_is_a_400(api: Client, url: str, fields: dict[str, Any]) -> None:
    RoomFactory.create(room_key="live-1")
    response = api.get(url)
    assert response.status_code == 400, response.content
    assert response.json() == {
        "error": {
            "status": 400,
            "code": "invalid_query",
            "message": "Invalid query parameter.",
            "fields": fields,
        }
    }


@pytest.mark.django_db
def test_valid_requests_still_reach_the_view(api: Client) -> None:
    ClientAppFactory.create(name="A")
    created = send(api, "post", "/api/v1/rooms", {"name": "x", "room_key": "k", "app": "A", "tags": "a, b"})
    assert created.status_code == 201, created.content
    assert api.get("/api/v1/rooms?limit=1&active=true").json()["limit"] == 1


def test_messages_are_keyed_by_field_with_list_items_of_objects_on_the_item() -> None:
    schema = {
        "type": "object",
        "properties": {
            "tags": {"type": "array", "items": {"type": "string"}},
            "rows": {
                "type": "array",
                "items": {"type": "object", "properties": {"n": {"type": "integer", "maximum": 3}}},
            },
        },
        "additionalProperties": False,
    }
    errors = body_errors(compile_schema(schema), {"tags": ["a", 2], "rows": [{"n": 1}, {"n": 4}, "x"]})
    assert errors == {
        "rows[1].n": ["Ensure this value is less than or equal to 3."],
        "rows[2]": ["Enter an object."],
        "tags": ["Enter a string."],
    }
    assert body_errors(compile_schema(schema), {"tags": ["a"], "rows": []}) == {}


def test_query_parameters_are_read_as_their_declared_type_before_the_check() -> None:
    validators = {
        "limit": compile_schema({"type": "integer", "minimum": 0, "maximum": 5}),
        "flag": compile_schema({"type": "boolean"}),
    }
    assert query_errors({"limit": "5", "flag": "no", "other": "?"}, validators) == {}
    assert set(query_errors({"limit": "²", "flag": "2"}, validators)) == {"limit", "flag"}


def test_every_declared_schema_is_valid_json_schema() -> None:
    document = openapi_document()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            bodies = [operation.get("requestBody", {}).get("content", {}).get("application/json", {})]
            bodies += [answer["content"]["application/json"] for answer in operation["responses"].values()]
            for body in bodies:
                if "schema" in body and "$ref" not in body["schema"]:
                    Draft202012Validator.check_schema(body["schema"])  # raises on an invalid schema
            for parameter in operation["parameters"]:
                Draft202012Validator.check_schema(parameter["schema"])
            assert path and method


def api_patterns() -> list[str]:
    found: list[str] = []

    def walk(patterns: list[Any], prefix: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and route.startswith("api/v1/"):
                found.append(route)

    walk(get_resolver().url_patterns, "")
    return found


def test_every_api_url_is_declared_once_by_its_operations() -> None:
    routes = api_patterns()
    declared = sorted({"api/v1" + op.path for op in OPERATIONS if op.view is not None})
    served = sorted(re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route) for route in routes if "openapi" not in route)
    assert served == declared  # each declared path served by exactly one URL pattern, and no other
    # No URLconf writes an API path by hand: they list views, `api_route` reads the path from the operation.
    for urls in BASE_DIR.glob("*/urls.py"):
        literals = re.findall(r"[\"']api/v1/[^\"']*[\"']", urls.read_text())
        assert literals in ([], ['"api/v1/openapi.json"']), (urls, literals)


@pytest.mark.django_db
def test_a_null_character_anywhere_is_a_400_not_a_database_error(api: Client) -> None:
    room = RoomFactory.create(room_key="live-1")
    listing = api.get("/api/v1/rooms", {"q": "a\x00b", "active": "false"})
    assert listing.status_code == 400
    assert listing.json()["error"]["fields"] == {"q": ["Null characters are not allowed."]}
    body = {"events": [{"at": "2026-12-02T12:00:00Z", "kind": "gift", "payload": {"note": "\x00"}}]}
    posted = send(api, "post", f"/api/v1/rooms/{room.room_key}/interactions", body)
    assert posted.status_code == 400
    assert posted.json()["error"]["fields"] == {
        "events[0].payload.note": ["Null characters are not allowed."]
    }
    assert not InteractionEvent.objects.exists()
