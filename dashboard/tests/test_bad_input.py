"""Bad input never gives a 500: each case is a 400 (API: JSON naming the field; pages: a form error) and changes
nothing. One test per input of issue 14's list."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from dashboard.models import AuditEntry
from recordings.media.tests.support import CALLBACK_KEY, make_room, sign
from recordings.models import CssCallbackEvent, InteractionEvent, Schedule

pytestmark = pytest.mark.django_db

ClientAs = Callable[[User | None], Client]


@pytest.fixture
def api(client_as: ClientAs, operator: User, api_token: Callable[[User], str]) -> Callable[..., Any]:
    token = api_token(operator)
    client = client_as(None)

    def call(method: str, url: str, body: Any = None, raw: bytes | None = None) -> Any:
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        kwargs: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
        if data is not None:
            kwargs.update(data=data, content_type="application/json")
        return getattr(client, method)(url, **kwargs)

    return call


def error_fields(response: Any) -> dict[str, list[str]]:
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    return response.json()["error"].get("fields", {})


# --- list pages: a form error (400), never an OverflowError ------------------------------------------------------
LIST_PAGES = ["/recordings/", "/files/", "/review/", "/audit/"]


@pytest.mark.parametrize("path", LIST_PAGES)
@pytest.mark.parametrize("since", ["0001-01-01", "9999-12-31", "2026-13-45"])
def test_list_pages_refuse_impossible_days_with_a_form_error(
    client_as: ClientAs, path: str, since: str
) -> None:
    superuser = User.objects.create_superuser("root", "root@example.com", "pw")
    response = client_as(superuser).get(path, {"since": since})
    assert response.status_code == 400
    assert "since" in response.context["form"].errors


# --- API query parameters ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/recordings?since=0001-01-01", "since"),
        ("/api/v1/recordings?since=2026-13-45", "since"),
        ("/api/v1/recordings?since=2026-02-30T10:00:00", "since"),
        ("/api/v1/recordings?limit=-1", "limit"),
        ("/api/v1/recordings?offset=²", "offset"),
        ("/api/v1/files?since=0001-01-01", "since"),
        ("/api/v1/files?since=2026-01-01T10:60:00", "since"),
        ("/api/v1/files?session=1e20", "session"),
        ("/api/v1/files?session=100000000000000000000", "session"),
        ("/api/v1/files?limit=-1", "limit"),
        ("/api/v1/files?limit=²", "limit"),
        ("/api/v1/rooms?limit=-1", "limit"),
        ("/api/v1/rooms?limit=²", "limit"),
        ("/api/v1/rooms?app=²", "app"),
    ],
)
def test_api_query_parameters_are_a_400_naming_the_field(api: Any, url: str, field: str) -> None:
    response = api("get", url)
    assert response.status_code == 400
    assert field in error_fields(response)


def test_interaction_list_refuses_impossible_and_overflowing_times(api: Any) -> None:
    make_room(room_key="hall-1")
    for value in ("2026-02-30T10:00:00", "2026-01-01T10:60:00", "0001-01-01T00:00:00"):
        response = api("get", f"/api/v1/rooms/hall-1/interactions?since={value}")
        assert response.status_code == 400, value
        assert "since" in error_fields(response)


@pytest.mark.parametrize(
    "at", ["2026-02-30T10:00:00+08:00", "2026-01-01T10:60:00+08:00", "0001-01-01T00:00:00"]
)
def test_interaction_posts_refuse_impossible_datetimes_and_store_nothing(api: Any, at: str) -> None:
    make_room(room_key="hall-1")
    response = api("post", "/api/v1/rooms/hall-1/interactions", {"events": [{"at": at, "kind": "gift"}]})
    assert response.status_code == 400
    assert "events[0].at" in error_fields(response)
    assert not InteractionEvent.objects.exists()


def test_duplicate_formats_in_an_estimate_are_a_field_error(api: Any) -> None:
    body = {
        "month": "2026-12",
        "car_region": "singapore",
        "css_region": "AP1",
        "vod_area": "outside",
        "cos_region": "singapore",
        "downstream_gb_per_day": 1,
        "recordings": [
            {"start": "2026-12-01T20:00:00+08:00", "duration_minutes": 60, "formats": ["mp4", "mp4"]}
        ],
    }
    response = api("post", "/api/v1/estimates", body)
    assert response.status_code == 400
    assert "recordings[0].formats" in error_fields(response)


def test_an_estimate_starting_in_year_one_is_a_field_error(api: Any) -> None:
    body = {
        "month": "2026-12",
        "car_region": "singapore",
        "css_region": "AP1",
        "vod_area": "outside",
        "cos_region": "singapore",
        "downstream_gb_per_day": 1,
        "recordings": [{"start": "0001-01-01T00:00:00+08:00", "duration_minutes": 60}],
    }
    response = api("post", "/api/v1/estimates", body)
    assert response.status_code == 400
    assert "recordings[0].start" in error_fields(response)


# --- bodies: deep nesting and 5 MB --------------------------------------------------------------------------------
DEEP = b"[" * 100_000 + b"]" * 100_000
DEEP_OBJECT = b'{"a":' * 100_000 + b"1" + b"}" * 100_000


@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT, b'{"events": ' + DEEP + b"}"])
def test_api_refuses_deeply_nested_json(api: Any, body: bytes) -> None:
    make_room(room_key="hall-1")
    response = api("post", "/api/v1/rooms/hall-1/interactions", raw=body)
    assert response.status_code == 400
    assert "nested" in response.json()["error"]["message"] or "object" in response.json()["error"]["message"]
    assert not InteractionEvent.objects.exists()


def test_api_answers_a_5_mb_body_in_json(api: Any) -> None:
    make_room(room_key="hall-1")
    body = json.dumps({"events": [], "pad": "x" * 5_000_000}).encode()
    response = api("post", "/api/v1/rooms/hall-1/interactions", raw=body)
    assert response.status_code == 400
    assert "larger than" in response.json()["error"]["message"]


@pytest.mark.parametrize("body", [DEEP_OBJECT, b'{"event_type": 1, "x": ' + DEEP + b"}"])
def test_callbacks_refuse_deeply_nested_json(client: Client, settings: Any, body: bytes) -> None:
    settings.CSS_CALLBACK_KEY = CALLBACK_KEY
    response = client.post("/callbacks/css/", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert not CssCallbackEvent.objects.exists()


def test_callbacks_answer_a_5_mb_body_in_json(client: Client, settings: Any) -> None:
    settings.CSS_CALLBACK_KEY = CALLBACK_KEY
    body = json.dumps(sign({"event_type": 1, "pad": "x" * 5_000_000})).encode()
    response = client.post("/callbacks/css/", data=body, content_type="application/json")
    assert response.status_code == 400
    assert "larger than" in response.json()["message"]
    assert not CssCallbackEvent.objects.exists()


@pytest.mark.parametrize("event_type", ["²", "-²", "1e20"])
def test_callbacks_with_a_unicode_digit_event_type_do_not_fail(
    client: Client, settings: Any, event_type: str
) -> None:
    settings.CSS_CALLBACK_KEY = CALLBACK_KEY
    body = json.dumps(sign({"event_type": event_type, "stream_id": "s"}))
    response = client.post("/callbacks/css/", data=body, content_type="application/json")
    assert response.status_code == 200
    assert CssCallbackEvent.objects.get().event_type is None


# --- pages with digits in the query and a cron that never fires -------------------------------------------------
@pytest.mark.parametrize("path", ["/rooms/new/?app=²", "/schedules/new/?room=²"])
def test_unicode_digits_in_a_page_query_are_ignored(client_as: ClientAs, operator: User, path: str) -> None:
    assert client_as(operator).get(path).status_code == 200


def test_a_cron_that_never_fires_is_a_form_error(client_as: ClientAs, operator: User) -> None:
    room = make_room()
    data = {
        "room": room.pk,
        "name": "Never",
        "kind": "cron",
        "time_zone": "Asia/Singapore",
        "cron_expression": "0 0 31 2 *",
        "duration_minutes": "60",
    }
    response = client_as(operator).post("/schedules/new/", data)
    assert response.status_code == 200
    assert "never fires" in str(response.context["form"].errors["cron_expression"])
    assert not Schedule.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="schedule").exists()
    assert timezone.now()  # the page rendered: no CroniterBadDateError on the way


def test_unicode_digits_in_price_book_and_calculator_queries(client_as: ClientAs, manager: User) -> None:
    client = client_as(manager)
    assert client.get("/costs/price-books/new/?from=²").status_code in (200, 302)
    assert client.post("/costs/calculator/", {"remove_row": "²"}).status_code in (200, 400)
