"""Form and API errors speak to people: no database constraint name reaches a user, tags take letters of any
language (the same way in the form and the API), and a value over a length limit is refused, never cut."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.db import IntegrityError, models
from django.test import Client
from django.urls import reverse

from recordings.catalog import services as catalog_services
from recordings.catalog.forms import ClientAppForm, RoomForm
from recordings.catalog.models import normalize_tags
from recordings.catalog.tests.factories import ClientAppFactory, RoomFactory
from recordings.models import ClientApp, Room
from recordings.sessions.forms.schedules import ScheduleForm

pytestmark = pytest.mark.django_db

ROOMS_API = reverse("recordings:api_rooms")
# Over the room key's limit: the key is refused before the stream name can be derived from it, so the room would
# have no stream name (the database constraint the user once saw by its name).
LONG_KEY = "k" * 129


def all_constraints() -> list[tuple[str, models.BaseConstraint]]:
    return [
        (f"{model._meta.label}.{constraint.name}", constraint)
        for label in ("recordings", "billing")
        for model in apps.get_app_config(label).get_models()
        for constraint in model._meta.constraints
    ]


@pytest.mark.parametrize(
    ("where", "constraint"), all_constraints(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_every_constraint_has_a_human_message(where: str, constraint: models.BaseConstraint) -> None:
    # The admin's forms validate every one of them, the console's forms and the API those of their models.
    message = str(constraint.get_violation_error_message())
    assert constraint.violation_error_message != constraint.default_violation_error_message, where
    assert constraint.name not in message and "constraint" not in message.lower(), message
    assert message[0].isupper() and message.endswith("."), message


def test_constraint_list_covers_recordings_and_billing() -> None:
    names = {constraint.name for _, constraint in all_constraints()}
    assert {"room_stream_name_not_empty", "schedule_once_has_start", "budget_amount_positive"} <= names
    assert len(names) >= 40


def room_form(app: ClientApp, **overrides: Any) -> dict[str, Any]:
    data = {
        "name": "Lobby",
        "room_key": "lobby-1",
        "client_app": str(app.pk),
        "stream_name": "",
        "entry_parameters": "",
        "tags": "",
        "max_recording_minutes": "",
        "is_active": "on",
        "push_domain": "push.example.com",
        "play_domain": "play.example.com",
        "app_name": "live",
    }
    data.update(overrides)
    return data


class Api:
    def __init__(self, secret: str) -> None:
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")

    def send(self, method: str, path: str, body: Any) -> Any:
        return getattr(self.client, method)(path, data=json.dumps(body), content_type="application/json")


@pytest.fixture
def api(operator: User, api_token: Callable[[User], str]) -> Api:
    return Api(api_token(operator))


# --- the one constraint a user reaches: a room without a usable key and no stream name --------------------------


def test_room_page_says_what_the_missing_stream_name_needs(
    client_as: Callable[[User | None], Client], operator: User
) -> None:
    app = ClientAppFactory.create()
    html = (
        client_as(operator).post(reverse("recordings:room_create"), room_form(app, room_key=LONG_KEY)).content
    )
    page = html.decode()
    assert "A room needs a CSS stream name: enter one, or a valid room key to derive it from." in page
    assert "Constraint" not in page and "room_stream_name_not_empty" not in page
    assert not Room.objects.exists()


def test_rooms_api_says_what_the_missing_stream_name_needs(api: Api) -> None:
    ClientAppFactory.create(name="A")
    response = api.send("post", ROOMS_API, {"name": "x", "room_key": LONG_KEY, "app": "A"})
    assert response.status_code == 400
    body = json.dumps(response.json(), ensure_ascii=False)
    # The declared schema refuses the over-long key before the form derives a stream name from it.
    assert response.json()["error"]["fields"] == {"room_key": ["At most 128 characters (this has 129)."]}
    assert "Constraint" not in body
    assert "room_stream_name_not_empty" not in body


def test_budget_form_duplicates_are_told_in_words(
    client_as: Callable[[User | None], Client], manager: User
) -> None:
    app = ClientAppFactory.create()
    data = {"app": app.pk, "month": "", "amount_usd": "100", "warning_percent": "80"}
    client = client_as(manager)
    assert client.post(reverse("billing:budget_create"), data).status_code == 302
    page = client.post(reverse("billing:budget_create"), data).content.decode()
    assert "already has an every-month budget" in page and "Constraint" not in page


def test_a_racing_duplicate_room_is_a_conflict_not_a_server_error(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    ClientAppFactory.create(name="A")

    def lose_the_race(**kwargs: Any) -> Room:
        raise IntegrityError('duplicate key value violates unique constraint "recordings_room_room_key_key"')

    monkeypatch.setattr(catalog_services, "room_create", lose_the_race)
    response = api.send("post", ROOMS_API, {"name": "x", "room_key": "k", "app": "A"})
    assert response.status_code == 409
    message = response.json()["error"]["message"]
    assert "at the same time" in message and "recordings_room" not in message


# --- tags of any language, the same in the form and the API ------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("直播, Sports", "sports,直播"),
        ("Überraschung, ÉTÉ", "été,überraschung"),
        ("Live  Show", "live-show"),
        ("हिंदी", "हिंदी"),  # combining vowel signs belong to the letters
        ("ส่วนลด_2", "ส่วนลด_2"),
    ],
)
def test_tags_accept_letters_of_any_language(raw: str, stored: str) -> None:
    assert normalize_tags(raw) == stored


@pytest.mark.parametrize("raw", ["no!", "-lead", "x" * 33, "直" * 33, "a/b"])
def test_invalid_tags_are_refused_with_a_message_naming_the_rule(raw: str) -> None:
    with pytest.raises(Exception, match="letters \\(of any language\\)"):
        normalize_tags(raw)


def test_form_and_api_store_and_find_cjk_tags_the_same_way(
    client_as: Callable[[User | None], Client], operator: User, api: Api
) -> None:
    app = ClientAppFactory.create(name="A")
    page = client_as(operator).post(reverse("recordings:room_create"), room_form(app, tags="直播, Ünïcode"))
    assert page.status_code == 302
    assert Room.objects.get(room_key="lobby-1").tags == "ünïcode,直播"
    created = api.send(
        "post", ROOMS_API, {"name": "y", "room_key": "k2", "app": "A", "tags": ["ÜNÏCODE", "直播"]}
    )
    assert created.status_code == 201, created.content
    assert created.json()["tags"] == ["ünïcode", "直播"]
    found = api.client.get(ROOMS_API, {"tag": "ÜnÏcode"}).json()
    assert sorted(room["room_key"] for room in found["results"]) == ["k2", "lobby-1"]
    listing = client_as(operator).get(reverse("recordings:room_list"), {"tag": "直播"})
    assert listing.status_code == 200 and "k2" in listing.content.decode()
    comma = api.send("post", ROOMS_API, {"name": "z", "room_key": "k3", "app": "A", "tags": ["a,b"]})
    assert comma.status_code == 400 and "comma" in comma.json()["error"]["fields"]["tags"][0]


# --- length limits are told and checked, never enforced by cutting -------------------------------------------------


@pytest.mark.parametrize("form_class", [RoomForm, ClientAppForm, ScheduleForm])
def test_every_limited_text_field_tells_its_limit_and_the_browser_does_not_cut(form_class: Any) -> None:
    form = form_class()
    limited = {name: f for name, f in form.fields.items() if getattr(f, "max_length", None)}
    assert limited
    for name, field in limited.items():
        assert f"At most {field.max_length} characters." in str(field.help_text), name
        assert "maxlength" not in str(form[name]), name


def test_an_over_long_room_name_is_refused_in_the_form_and_the_api(
    client_as: Callable[[User | None], Client], operator: User, api: Api
) -> None:
    app = ClientAppFactory.create(name="A")
    long_name = "名" * 101
    page = client_as(operator).post(reverse("recordings:room_create"), room_form(app, name=long_name))
    assert "At most 100 characters (this has 101)." in page.content.decode()
    response = api.send("post", ROOMS_API, {"name": long_name, "room_key": "k", "app": "A"})
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["name"] == ["At most 100 characters (this has 101)."]
    assert not Room.objects.exists()
    exact = api.send("post", ROOMS_API, {"name": "名" * 100, "room_key": "k", "app": "A"})
    assert exact.status_code == 201 and Room.objects.get().name == "名" * 100


def test_an_over_long_patch_is_refused_not_cut(api: Api) -> None:
    room = RoomFactory.create(room_key="live-1", name="Short")
    response = api.send(
        "patch", reverse("recordings:api_room", args=["live-1"]), {"entry_parameters": "x" * 1001}
    )
    assert response.status_code == 400
    assert "At most 1000 characters" in response.json()["error"]["fields"]["entry_parameters"][0]
    room.refresh_from_db()
    assert room.entry_parameters == ""
