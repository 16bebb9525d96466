"""Catalog services: validation, audit rows with field diffs, deactivation and refused deletes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.utils import timezone

from dashboard.models import AuditEntry
from recordings.catalog import services
from recordings.catalog.tests.factories import ClientAppFactory, RoomFactory
from recordings.models import ClientApp, ClientAppKind, RecordingSession, Room
from recordings.sessions.lifecycle import Trigger

pytestmark = pytest.mark.django_db

APP_DATA: dict[str, Any] = {
    "name": "Bullet comments",
    "kind": ClientAppKind.WEB,
    "car_project_id": "cap-abcd1234",
    "url": "https://bullet.example.com/",
    "launch_parameters": "--room={room_key}",
}


def entries(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("id"))


def test_client_app_create_validates_and_audits(operator: User) -> None:
    app = services.client_app_create(data=APP_DATA, actor=operator)
    [entry] = entries("client_app.create")
    assert (entry.actor, entry.object_id, entry.changes["name"]) == (operator, str(app.pk), "Bullet comments")
    with pytest.raises(ValidationError) as excinfo:
        services.client_app_create(data={**APP_DATA, "name": "Other", "url": ""}, actor=operator)
    assert "url" in excinfo.value.message_dict
    assert ClientApp.objects.count() == 1
    assert len(entries("client_app.create")) == 1


def test_client_app_update_records_only_changed_fields(operator: User) -> None:
    app = services.client_app_create(data=APP_DATA, actor=operator)
    services.client_app_update(
        app=app, data={"bitrate_kbps": 4000, "name": "Bullet comments"}, actor=operator
    )
    [entry] = entries("client_app.update")
    assert entry.changes == {"bitrate_kbps": [6000, 4000]}
    services.client_app_update(app=app, data={"bitrate_kbps": 4000}, actor=operator)
    assert len(entries("client_app.update")) == 1, "a save that changes nothing writes no audit row"


def test_client_app_update_rejects_invalid_values_and_keeps_the_row(operator: User) -> None:
    app = services.client_app_create(data=APP_DATA, actor=operator)
    with pytest.raises(ValidationError):
        services.client_app_update(app=app, data={"launch_parameters": "{nope}"}, actor=operator)
    app.refresh_from_db()
    assert app.launch_parameters == "--room={room_key}"
    assert entries("client_app.update") == []


def test_client_app_deactivate_takes_its_active_rooms_along(operator: User) -> None:
    app = ClientAppFactory.create()
    active = RoomFactory.create(client_app=app, room_key="a")
    RoomFactory.create(client_app=app, room_key="b", is_active=False)
    other = RoomFactory.create(room_key="c")
    rooms = services.client_app_deactivate(app=app, actor=operator)
    assert [room.room_key for room in rooms] == ["a"]
    app.refresh_from_db()
    active.refresh_from_db()
    other.refresh_from_db()
    assert (app.is_active, active.is_active, other.is_active) == (False, False, True)
    [entry] = entries("client_app.deactivate")
    assert entry.changes == {"is_active": [True, False], "rooms_deactivated": ["a"]}
    assert [e.object_id for e in entries("room.deactivate")] == [str(active.pk)]
    assert services.client_app_deactivate(app=app, actor=operator) == []
    assert len(entries("client_app.deactivate")) == 1


def test_an_app_with_rooms_cannot_be_deleted(operator: User) -> None:
    room = RoomFactory.create()
    app = room.client_app
    assert "used by 1 room," in services.deletion_refusal(app)
    with pytest.raises(services.CatalogRefused, match="Deactivate it instead"):
        services.client_app_delete(app=app, actor=operator)
    assert ClientApp.objects.filter(pk=app.pk).exists()
    assert entries("client_app.delete") == []


def test_an_app_without_rooms_is_deleted_and_audited(operator: User) -> None:
    app = ClientAppFactory.create(name="Spare")
    pk = app.pk
    assert services.deletion_refusal(app) == ""
    services.client_app_delete(app=app, actor=operator)
    assert not ClientApp.objects.filter(pk=pk).exists()
    [entry] = entries("client_app.delete")
    assert (entry.object_id, entry.changes["name"]) == (str(pk), "Spare")


def test_room_create_fills_the_stream_name_and_normalises_tags(operator: User) -> None:
    app = ClientAppFactory.create()
    room = services.room_create(
        data={"name": "Lobby", "room_key": "Lobby.1", "client_app": app, "tags": "VIP, sports ,vip"},
        actor=operator,
    )
    assert (room.stream_name, room.tags) == ("lobby-1", "sports,vip")
    [entry] = entries("room.create")
    assert entry.changes["stream_name"] == "lobby-1"
    assert entry.changes["client_app"] == app.pk


def test_room_create_refuses_an_inactive_app(operator: User) -> None:
    app = ClientAppFactory.create(is_active=False)
    with pytest.raises(ValidationError) as excinfo:
        services.room_create(data={"name": "Lobby", "room_key": "lobby", "client_app": app}, actor=operator)
    assert "is_active" in excinfo.value.message_dict
    assert not Room.objects.exists()


def test_room_update_diff_and_deactivate(operator: User) -> None:
    room = RoomFactory.create(tags="a")
    services.room_update(room=room, data={"tags": "b, a", "auto_record": True}, actor=operator)
    [entry] = entries("room.update")
    assert entry.changes == {"tags": ["a", "a,b"], "auto_record": [False, True]}
    services.room_deactivate(room=room, actor=operator)
    services.room_deactivate(room=room, actor=operator)
    room.refresh_from_db()
    assert not room.is_active
    assert len(entries("room.deactivate")) == 1


def test_room_delete_is_audited(operator: User) -> None:
    room = RoomFactory.create(room_key="gone")
    services.room_delete(room=room, actor=operator)
    assert not Room.objects.filter(room_key="gone").exists()
    assert entries("room.delete")[0].changes["room_key"] == "gone"


def test_a_room_with_recordings_cannot_be_deleted(operator: User) -> None:
    room = RoomFactory.create(room_key="recorded")
    now = timezone.now()
    RecordingSession.objects.create(
        room=room,
        trigger=Trigger.MANUAL,
        state_changed_at=now,
        planned_start=now,
        planned_end=now + timedelta(hours=1),
        car_project_id=room.client_app.car_project_id,
    )
    assert "1 recording session" in services.deletion_refusal(room)
    with pytest.raises(services.CatalogRefused, match=r"“Room .*” is still used by 1 recording session"):
        services.room_delete(room=room, actor=operator)
    assert Room.objects.filter(room_key="recorded").exists()
