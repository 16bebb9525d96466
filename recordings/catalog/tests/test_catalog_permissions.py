"""Every catalog page and rooms API endpoint, for every role: anonymous → login, wrong role → 403, allowed → 200."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from recordings.catalog.tests.factories import ClientAppFactory, RoomFactory

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "operator", "manager", "moderator"]
VIEWERS = {"operator", "manager", "moderator"}
MANAGERS = {"operator"}

# (url name, needs an object: "app" | "room" | None, roles allowed)
PAGES = [
    ("app_list", None, VIEWERS),
    ("app_detail", "app", VIEWERS),
    ("app_create", None, MANAGERS),
    ("app_edit", "app", MANAGERS),
    ("app_deactivate", "app", MANAGERS),
    ("app_delete", "app", MANAGERS),
    ("room_list", None, VIEWERS),
    ("room_detail", "room", VIEWERS),
    ("room_create", None, MANAGERS),
    ("room_edit", "room", MANAGERS),
    ("room_deactivate", "room", MANAGERS),
    ("room_delete", "room", MANAGERS),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "needs", "allowed"), PAGES, ids=[p[0] for p in PAGES])
def test_page_permissions(
    role: str,
    name: str,
    needs: str | None,
    allowed: set[str],
    role_user: Callable[[str], User | None],
    client_as: Callable[[User | None], Client],
) -> None:
    room = RoomFactory.create()
    args = {"app": [room.client_app.pk], "room": [room.pk], None: []}[needs]
    url = reverse(f"recordings:{name}", args=args)
    response = client_as(role_user(role)).get(url)
    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    elif role in allowed:
        assert response.status_code == 200
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("role", sorted(VIEWERS - MANAGERS))
@pytest.mark.parametrize(
    ("name", "needs"),
    [
        ("app_create", None),
        ("app_edit", "app"),
        ("app_deactivate", "app"),
        ("app_delete", "app"),
        ("room_create", None),
        ("room_edit", "room"),
        ("room_deactivate", "room"),
        ("room_delete", "room"),
    ],
)
def test_posts_by_other_roles_are_refused_and_change_nothing(
    role: str,
    name: str,
    needs: str | None,
    role_user: Callable[[str], User | None],
    client_as: Callable[[User | None], Client],
) -> None:
    room = RoomFactory.create()
    args = {"app": [room.client_app.pk], "room": [room.pk], None: []}[needs]
    response = client_as(role_user(role)).post(reverse(f"recordings:{name}", args=args), {"name": "x"})
    assert response.status_code == 403
    room.refresh_from_db()
    room.client_app.refresh_from_db()
    assert room.is_active and room.client_app.is_active and room.name.startswith("Room")


def api_call(
    client: Client, method: str, url: str, secret: str | None, body: dict[str, Any] | None = None
) -> Any:
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    if method == "GET":
        return client.get(url, headers=headers)
    return getattr(client, method.lower())(
        url, data=json.dumps(body or {}), content_type="application/json", headers=headers
    )


API = [
    ("GET", "api_rooms", False, VIEWERS, 200),
    ("POST", "api_rooms", False, MANAGERS, 201),
    ("GET", "api_room", True, VIEWERS, 200),
    ("PATCH", "api_room", True, MANAGERS, 200),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("method", "name", "keyed", "allowed", "status"), API, ids=[f"{a[0]} {a[1]}" for a in API]
)
def test_api_permissions(
    role: str,
    method: str,
    name: str,
    keyed: bool,
    allowed: set[str],
    status: int,
    role_user: Callable[[str], User | None],
    api_token: Callable[[User], str],
) -> None:
    app = ClientAppFactory.create(name="Gifts")
    RoomFactory.create(room_key="lobby", client_app=app)
    user = role_user(role)
    secret = api_token(user) if user else None
    url = reverse(f"recordings:{name}", args=["lobby"] if keyed else [])
    body = {"name": "New", "room_key": "new-1", "app": "Gifts"} if method == "POST" else {"name": "Renamed"}
    response = api_call(Client(), method, url, secret, body)
    if role == "anonymous":
        assert response.status_code == 401
    elif role in allowed:
        assert response.status_code == status, response.content
    else:
        assert response.status_code == 403
        assert response.json()["error"]["status"] == 403
