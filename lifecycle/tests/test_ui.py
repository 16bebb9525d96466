"""The console's storage lifecycle pages: the Storage page's next 30 days, policy forms whose preview saves nothing
and whose save is audited, read-only policies for roles that may not set them, and retention on the catalog
pages."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dashboard.models import AuditEntry
from lifecycle.models import FileLifecycle, LegalHold, RetentionPolicy
from lifecycle.services import retention_policy_save
from recordings.catalog.tests.factories import RoomFactory
from recordings.media.tests.support import make_file
from recordings.models import RecordingFile, Room

pytestmark = pytest.mark.django_db

GB = 1024**3
Login = Callable[[User | None], Client]


def vod(room: Room, *, ended_days_ago: float, gb: int, storage_class: str = "") -> RecordingFile:
    now = timezone.now()
    recording = make_file(
        room=room,
        file_id=f"f{ended_days_ago}-{gb}-{room.pk}",
        start=now - timedelta(days=ended_days_ago, seconds=60),
        size_bytes=gb * GB,
    )
    if storage_class:
        FileLifecycle.objects.update_or_create(
            file=recording,
            defaults={"storage_class": storage_class, "class_since": now - timedelta(days=ended_days_ago)},
        )
    return recording


def stat(html: str, element_id: str) -> str:
    found = re.search(rf'id="{element_id}">([^<]*)<', html)
    assert found, f"no #{element_id} on the page"
    return found.group(1)


def preview_stat(html: str, name: str) -> str:
    found = re.search(rf'data-preview="{name}">([^<]*)<', html)
    assert found, f"no preview {name} in the answer"
    return found.group(1)


@pytest.fixture
def seeded(settings: Any, manager: User, moderator: User) -> dict[str, Any]:
    """Two apps: one whose policy deletes 2 files (3 GB) and moves 1 (2 GB) to STANDARD_IA in the next 30 days,
    with a room holding a due file; a room of it overriding with "keep forever"; and an app without a policy."""
    settings.COS_REGION = "ap-singapore"
    room = RoomFactory.create(name="Main hall")
    held_room = RoomFactory.create(client_app=room.client_app, name="Court room")
    own_room = RoomFactory.create(client_app=room.client_app, name="Archive room")
    other = RoomFactory.create(name="Other")
    retention_policy_save(
        client_app=room.client_app, data={"keep_days": 60, "standard_ia_after_days": 3}, actor=manager
    )
    retention_policy_save(room=own_room, data={"keep_days": None}, actor=manager)
    vod(room, ended_days_ago=45, gb=1, storage_class="STANDARD_IA")  # deleted in 15 days
    vod(room, ended_days_ago=55, gb=2, storage_class="STANDARD_IA")  # deleted in 5 days
    vod(room, ended_days_ago=1, gb=2)  # moves to STANDARD_IA
    vod(held_room, ended_days_ago=59, gb=1, storage_class="STANDARD_IA")  # due, but held
    vod(own_room, ended_days_ago=59, gb=5)  # kept forever by its room
    vod(other, ended_days_ago=300, gb=7)  # no policy
    # Placed directly: through the service it would apply the policy (no emulator here).
    LegalHold.objects.create(room=held_room, reason="audit 2026", placed_by=moderator)
    return {"room": room, "own_room": own_room, "app": room.client_app, "other_app": other.client_app}


def test_the_storage_page_counts_what_the_next_30_days_do(
    seeded: dict[str, Any], operator: User, client_as: Login
) -> None:
    html = client_as(operator).get(reverse("lifecycle:storage")).content.decode()
    assert stat(html, "deleted-files") == "2"
    assert stat(html, "deleted-gb") == "3.00"
    assert stat(html, "held-files") == "1"
    assert re.search(
        r'data-class="STANDARD_IA"><td>Infrequent access</td><td class="num">1</td><td class="num">2.00<',
        html,
    )
    assert stat(html, "monthly-saving").startswith("$")
    # Policies per app, with links to their forms; the override is listed under its app.
    assert reverse("lifecycle:app_policy", args=[seeded["app"].pk]) in html
    assert reverse("lifecycle:room_policy", args=[seeded["own_room"].pk]) in html
    assert "delete after 60 days" in html and "keep forever" in html
    assert "None: files are kept forever" in html  # the app without a policy
    assert "audit 2026" in html  # the active hold, listed
    assert ">Lift<" not in html  # operators may not lift holds


def test_the_storage_page_is_in_the_navigation(operator: User, client_as: Login) -> None:
    html = client_as(operator).get(reverse("overview")).content.decode()
    assert f'href="{reverse("lifecycle:storage")}"' in html


def test_preview_prices_the_unsaved_policy_and_saves_nothing(
    seeded: dict[str, Any], manager: User, client_as: Login
) -> None:
    app = seeded["app"]
    audited = AuditEntry.objects.count()
    response = client_as(manager).post(
        reverse("lifecycle:app_policy_preview", args=[app.pk]),
        {"keep_days": "50", "standard_ia_after_days": "3"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="preview",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<form" not in html  # only the preview part, for htmx to swap in
    # keep 50 days: the files 45 and 55 days old, and the 59-day one of the overriding room is not this app's.
    assert preview_stat(html, "deleted-files") == "2"
    assert preview_stat(html, "deleted-gb") == "3.00"
    assert RetentionPolicy.objects.get(client_app=app, room=None).keep_days == 60
    assert AuditEntry.objects.count() == audited

    # Without htmx the whole page comes back, the form still filled in.
    page = client_as(manager).post(reverse("lifecycle:app_policy_preview", args=[app.pk]), {"keep_days": ""})
    assert 'id="policy-form"' in page.content.decode()
    assert preview_stat(page.content.decode(), "deleted-files") == "0"
    assert RetentionPolicy.objects.get(client_app=app, room=None).keep_days == 60


def test_an_invalid_policy_is_refused_by_the_model_rules(
    seeded: dict[str, Any], manager: User, client_as: Login
) -> None:
    app = seeded["app"]
    url = reverse("lifecycle:app_policy", args=[app.pk])
    response = client_as(manager).post(url, {"keep_days": "10", "standard_ia_after_days": "20"})
    assert response.status_code == 400
    assert "A move must come before the file is deleted." in response.content.decode()
    response = client_as(manager).post(url, {"keep_days": "-1"})
    assert response.status_code == 400
    preview = client_as(manager).post(
        reverse("lifecycle:app_policy_preview", args=[app.pk]),
        {"standard_ia_after_days": "30", "archive_after_days": "30"},
        HTTP_HX_REQUEST="true",
    )
    assert "Each colder class must come later than the warmer ones." in preview.content.decode()
    assert RetentionPolicy.objects.get(client_app=app, room=None).keep_days == 60


def test_saving_a_policy_is_audited(seeded: dict[str, Any], operator: User, client_as: Login) -> None:
    app = seeded["other_app"]
    response = client_as(operator).post(
        reverse("lifecycle:app_policy", args=[app.pk]),
        {"keep_days": "365", "rejected_keep_days": "30", "archive_after_days": "90"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("recordings:app_detail", args=[app.pk])
    policy = RetentionPolicy.objects.get(client_app=app, room=None)
    assert (policy.keep_days, policy.rejected_keep_days, policy.archive_after_days) == (365, 30, 90)
    entry = AuditEntry.objects.get(action="retention.policy_save", object_id=str(policy.pk))
    assert entry.actor == operator and entry.changes["keep_days"] == [None, 365]
    detail = client_as(operator).get(response["Location"]).content.decode()
    assert "delete after 365 days" in detail and "Archive after 90 d" in detail


def test_a_room_overrides_then_inherits_again(
    seeded: dict[str, Any], manager: User, client_as: Login
) -> None:
    room = seeded["room"]
    url = reverse("lifecycle:room_policy", args=[room.pk])
    client = client_as(manager)
    assert (
        'data-source="client_app"'
        in client.get(reverse("recordings:room_detail", args=[room.pk])).content.decode()
    )

    # The preview of "inherit" is the app's policy over this room's files alone.
    inherit = client.post(
        reverse("lifecycle:room_policy_preview", args=[room.pk]),
        {"mode": "inherit", "keep_days": "x"},
        HTTP_HX_REQUEST="true",
    )
    assert preview_stat(inherit.content.decode(), "deleted-files") == "2"

    assert client.post(url, {"mode": "override", "keep_days": "7"}).status_code == 302
    assert RetentionPolicy.objects.get(room=room).keep_days == 7
    detail = client.get(reverse("recordings:room_detail", args=[room.pk])).content.decode()
    assert 'data-source="room"' in detail and "delete after 7 days" in detail

    assert client.post(url, {"mode": "inherit", "keep_days": "7"}).status_code == 302
    assert not RetentionPolicy.objects.filter(room=room).exists()
    removed = AuditEntry.objects.get(action="retention.policy_remove")
    assert removed.actor == manager and removed.changes["keep_days"] == [7, None]


def test_roles_without_manage_retention_see_policies_read_only(
    seeded: dict[str, Any], moderator: User, client_as: Login
) -> None:
    app, room = seeded["app"], seeded["room"]
    client = client_as(moderator)
    page = client.get(reverse("lifecycle:app_policy", args=[app.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert (
        'id="policy-read-only"' in html and 'id="policy-form"' not in html and "delete after 60 days" in html
    )
    assert client.post(reverse("lifecycle:app_policy", args=[app.pk]), {"keep_days": "1"}).status_code == 403
    assert client.post(reverse("lifecycle:app_policy_preview", args=[app.pk]), {}).status_code == 403
    assert (
        client.post(reverse("lifecycle:room_policy", args=[room.pk]), {"mode": "inherit"}).status_code == 403
    )
    assert RetentionPolicy.objects.get(client_app=app, room=None).keep_days == 60
    detail = client.get(reverse("recordings:app_detail", args=[app.pk])).content.decode()
    assert "Retention policy" in detail and "Edit retention" not in detail


def test_the_storage_page_reads_holds_once_not_per_file(
    seeded: dict[str, Any], operator: User, client_as: Login, django_assert_max_num_queries: Any
) -> None:
    client = client_as(operator)
    client.get(reverse("lifecycle:storage"))  # the session and the user are loaded once
    for number in range(40):
        vod(seeded["room"], ended_days_ago=number + 0.5, gb=1)
    with django_assert_max_num_queries(30):
        assert client.get(reverse("lifecycle:storage")).status_code == 200


def test_the_previews_are_cached_until_a_policy_changes(
    seeded: dict[str, Any], manager: User, client_as: Login, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lifecycle import summary

    calls: list[int] = []
    real = summary.retention_previews

    def counting(**kwargs: Any) -> Any:
        calls.append(1)
        return real(**kwargs)

    monkeypatch.setattr(summary, "retention_previews", counting)
    client = client_as(manager)
    assert stat(client.get(reverse("lifecycle:storage")).content.decode(), "deleted-files") == "2"
    computed = len(calls)
    assert computed == 1  # the app's policy and the room's override, in one query
    client.get(reverse("lifecycle:storage"))
    assert len(calls) == computed  # nothing changed: served from the cache

    client.post(reverse("lifecycle:app_policy", args=[seeded["app"].pk]), {"keep_days": "500"})
    assert stat(client.get(reverse("lifecycle:storage")).content.decode(), "deleted-files") == "0"
    assert len(calls) == 2 * computed
