"""Catalog workflows: create, update, deactivate and delete client apps and rooms.

Every function validates the model in full (so the API and the pages enforce the same rules), runs in one
transaction and writes an audit row with the changed fields. Deleting something still referenced is refused
with `CatalogRefused`, whose message tells the user to deactivate instead.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import User
from django.db import models, transaction
from django.db.models.deletion import Collector, ProtectedError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dashboard import audit
from recordings.models import ClientApp, Room

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class CatalogRefused(Exception):
    """An operation the catalog refuses for a reason the user can act on; `str(exc)` says what to do."""


# Whole sentences per kind of object, so a translation never glues fragments together.
_WHAT: dict[type[models.Model], StrOrPromise] = {
    ClientApp: _(
        "The client app “%(name)s” is still used by %(dependents)s, so it cannot be deleted. "
        "Deactivate it instead: it stays in the history but cannot be used any more."
    ),
    Room: _(
        "The room “%(name)s” is still used by %(dependents)s, so it cannot be deleted. "
        "Deactivate it instead: it stays in the history but cannot be used any more."
    ),
}


def _describe_dependents(exc: ProtectedError) -> str:
    counts = Counter(type(obj) for obj in exc.protected_objects)
    parts = [
        gettext("%(count)d %(what)s")
        % {
            "count": count,
            "what": model._meta.verbose_name if count == 1 else model._meta.verbose_name_plural,
        }
        for model, count in counts.items()
    ]
    return ", ".join(sorted(parts))


def _refusal(obj: ClientApp | Room, what: StrOrPromise, exc: ProtectedError) -> str:
    return str(what) % {"name": obj.name, "dependents": _describe_dependents(exc)}


def deletion_refusal(obj: ClientApp | Room) -> str:
    """Why `obj` cannot be deleted ('' when it can), found without deleting anything."""
    try:
        Collector(using=obj._state.db or "default").collect([obj])
    except ProtectedError as exc:
        return _refusal(obj, _WHAT[type(obj)], exc)
    return ""


def _apply(obj: models.Model, data: Mapping[str, Any]) -> None:
    for name, value in data.items():
        setattr(obj, name, value)


def _save_validated(obj: models.Model) -> None:
    obj.full_clean()
    obj.save()


def _delete_or_refuse(obj: ClientApp | Room) -> None:
    try:
        obj.delete()
    except ProtectedError as exc:
        raise CatalogRefused(_refusal(obj, _WHAT[type(obj)], exc)) from exc


@transaction.atomic
def client_app_create(*, data: Mapping[str, Any], actor: User) -> ClientApp:
    app = ClientApp()
    _apply(app, data)
    _save_validated(app)
    audit.record(actor=actor, action="client_app.create", obj=app, changes=audit.snapshot(app))
    return app


@transaction.atomic
def client_app_update(*, app: ClientApp, data: Mapping[str, Any], actor: User) -> ClientApp:
    locked = ClientApp.objects.select_for_update().get(pk=app.pk)
    before = audit.snapshot(locked)
    _apply(locked, data)
    _save_validated(locked)
    changes = audit.diff_fields(before, audit.snapshot(locked))
    changes.pop("updated_at", None)
    if changes:
        audit.record(actor=actor, action="client_app.update", obj=locked, changes=changes)
    return locked


@transaction.atomic
def client_app_deactivate(*, app: ClientApp, actor: User) -> list[Room]:
    """Deactivate the app and its active rooms (a room cannot be recorded without its app).

    Returns the rooms that were deactivated along with it.
    """
    locked = ClientApp.objects.select_for_update().get(pk=app.pk)
    rooms = list(locked.rooms.select_for_update().filter(is_active=True).order_by("room_key"))
    if not locked.is_active and not rooms:
        return []
    for room in rooms:
        room.is_active = False
        room.save(update_fields=["is_active", "updated_at"])
        audit.record(
            actor=actor,
            action="room.deactivate",
            obj=room,
            changes={"is_active": [True, False], "reason": f"client app “{locked.name}” deactivated"},
        )
    changes: dict[str, Any] = {"is_active": [locked.is_active, False]}
    if rooms:
        changes["rooms_deactivated"] = [room.room_key for room in rooms]
    locked.is_active = False
    locked.save(update_fields=["is_active", "updated_at"])
    audit.record(actor=actor, action="client_app.deactivate", obj=locked, changes=changes)
    app.is_active = False
    return rooms


@transaction.atomic
def client_app_delete(*, app: ClientApp, actor: User) -> None:
    locked = ClientApp.objects.select_for_update().get(pk=app.pk)
    pk, state = locked.pk, audit.snapshot(locked)
    _delete_or_refuse(locked)
    locked.pk = pk  # `delete()` cleared it; the audit row names the deleted object
    audit.record(actor=actor, action="client_app.delete", obj=locked, changes=state)


@transaction.atomic
def room_create(*, data: Mapping[str, Any], actor: User) -> Room:
    room = Room()
    _apply(room, data)
    _save_validated(room)
    audit.record(actor=actor, action="room.create", obj=room, changes=audit.snapshot(room))
    return room


@transaction.atomic
def room_update(*, room: Room, data: Mapping[str, Any], actor: User) -> Room:
    locked = Room.objects.select_for_update().select_related("client_app").get(pk=room.pk)
    before = audit.snapshot(locked)
    _apply(locked, data)
    _save_validated(locked)
    changes = audit.diff_fields(before, audit.snapshot(locked))
    changes.pop("updated_at", None)
    if changes:
        audit.record(actor=actor, action="room.update", obj=locked, changes=changes)
    return locked


@transaction.atomic
def room_deactivate(*, room: Room, actor: User) -> Room:
    locked = Room.objects.select_for_update().get(pk=room.pk)
    if locked.is_active:
        locked.is_active = False
        locked.save(update_fields=["is_active", "updated_at"])
        audit.record(actor=actor, action="room.deactivate", obj=locked, changes={"is_active": [True, False]})
    room.is_active = False
    return locked


@transaction.atomic
def room_delete(*, room: Room, actor: User) -> None:
    locked = Room.objects.select_for_update().get(pk=room.pk)
    pk, state = locked.pk, audit.snapshot(locked)
    _delete_or_refuse(locked)
    locked.pk = pk
    audit.record(actor=actor, action="room.delete", obj=locked, changes=state)
