"""One room filter for the rooms page and the rooms API (RoomQuerySet.filtered), and the room pickers' search."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from conftest import make_user
from dashboard.access import Role
from recordings.catalog.tests.factories import ClientAppFactory, RoomFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rooms() -> dict[str, Any]:
    apk, web = ClientAppFactory.create(name="Overlay"), ClientAppFactory.create(name="Quiz")
    return {
        "alpha": RoomFactory.create(name="Alpha arena", room_key="alpha", client_app=apk, tags="sports,vip"),
        "beta": RoomFactory.create(name="Beta studio", room_key="beta", client_app=apk, tags="sports"),
        "gamma": RoomFactory.create(name="Gamma arena", room_key="gamma", client_app=web, tags="直播"),
        "delta": RoomFactory.create(
            name="Delta arena", room_key="delta", client_app=web, tags="sports", is_active=False
        ),
        "apps": (apk, web),
    }


def page_keys(client: Client, params: dict[str, Any]) -> list[str]:
    response = client.get("/rooms/", params)
    assert response.status_code == 200, response.content[:300]
    return sorted(room.room_key for room in response.context["page"].object_list)


def api_keys(client: Client, params: dict[str, Any]) -> list[str]:
    response = client.get("/api/v1/rooms", params)
    assert response.status_code == 200, response.content[:300]
    return sorted(room["room_key"] for room in response.json()["results"])


@pytest.mark.parametrize(
    ("page", "api"),
    [
        ({"tag": "Sports"}, {"tag": "Sports"}),  # the page used to refuse a tag in another case (#12)
        ({"tag": " SPORTS "}, {"tag": " SPORTS "}),
        ({"tag": "直播"}, {"tag": "直播"}),
        ({"tag": "nope"}, {"tag": "nope"}),
        ({"q": "ARENA"}, {"q": "ARENA"}),
        ({"q": "arena", "active": "yes"}, {"q": "arena", "active": "true"}),
        ({"tag": "sports", "active": "no"}, {"tag": "sports", "active": "false"}),
    ],
)
def test_page_and_api_filter_rooms_alike(
    rooms: dict[str, Any],
    operator: User,
    client_as: Callable[[User], Client],
    api_token: Callable[[User], str],
    page: dict[str, str],
    api: dict[str, str],
) -> None:
    on_page = page_keys(client_as(operator), page)
    through_api = api_keys(Client(HTTP_AUTHORIZATION=f"Bearer {api_token(operator)}"), api)
    assert on_page == through_api


def test_tag_filter_ignores_case_and_finds_whole_tags(
    rooms: dict[str, Any], client_as: Any, operator: User
) -> None:
    assert page_keys(client_as(operator), {"tag": "Sports"}) == ["alpha", "beta", "delta"]
    assert page_keys(client_as(operator), {"tag": "VIP", "app": rooms["apps"][0].pk}) == ["alpha"]


def test_app_filter_is_the_same_through_page_and_api(
    rooms: dict[str, Any], operator: User, client_as: Any, api_token: Callable[[User], str]
) -> None:
    web = rooms["apps"][1]
    api = Client(HTTP_AUTHORIZATION=f"Bearer {api_token(operator)}")
    assert (
        page_keys(client_as(operator), {"app": web.pk})
        == api_keys(api, {"app": web.name})
        == ["delta", "gamma"]
    )


def test_room_search_suggests_rooms_by_name_key_or_stream(
    rooms: dict[str, Any], client_as: Any, moderator: User
) -> None:
    response = client_as(moderator).get("/rooms/search/", {"q": "ARENA"})

    assert response.status_code == 200
    results = response.json()["results"]
    # Active rooms first, then by name; each with what the picker shows.
    assert [r["room_key"] for r in results] == ["alpha", "gamma", "delta"]
    assert results[0] == {"room_key": "alpha", "name": "Alpha arena", "app": "Overlay"}


def test_room_search_is_bounded(client_as: Any, operator: User, django_assert_max_num_queries: Any) -> None:
    RoomFactory.create_batch(30)
    client = client_as(operator)
    with django_assert_max_num_queries(4):  # session, user, roles, the rooms
        response = client.get("/rooms/search/", {"q": ""})
    assert len(response.json()["results"]) == 20


@pytest.mark.parametrize("q", ["x" * 101, "bad\x00text", "tab\there"])
def test_room_search_refuses_bad_input_with_400(client_as: Any, operator: User, q: str) -> None:
    response = client_as(operator).get("/rooms/search/", {"q": q})
    assert response.status_code == 400
    assert "error" in response.json()


def test_room_search_needs_a_login_and_a_role(client: Client, db: None) -> None:
    assert client.get("/rooms/search/", {"q": "a"}).status_code == 302  # to the login page
    client.force_login(make_user("nobody", None))
    assert client.get("/rooms/search/", {"q": "a"}).status_code == 403


def test_filter_forms_offer_a_room_picker_not_every_room(client_as: Any, operator: User) -> None:
    RoomFactory.create_batch(5)
    for path in ("/files/", "/review/", "/recordings/"):
        html = (
            client_as(operator if path != "/review/" else make_user("mod", Role.MODERATOR)).get(path).content
        )
        page = html.decode()
        assert 'data-room-picker="/rooms/search/"' in page, path
        assert "room_picker.js" in page, path
        assert '<option value="room-' not in page, path  # no room listed in the form
