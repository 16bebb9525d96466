"""Rooms API for the business backend: list, create, read and update rooms by their room key.

Writes go through `RoomForm` and the catalog services, so the API enforces exactly the rules of the pages and
is audited the same way. The client app is referenced as `app`: its numeric id or its exact name.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.forms.models import model_to_dict
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext

from dashboard.access import Capability, current_user
from dashboard.api import ApiError, ErrorDoc, Param, api_operation, by_method, json_response
from dashboard.params import ascii_int, query_int
from recordings.catalog import services
from recordings.catalog.forms import RoomForm
from recordings.catalog.models import default_css_app_name, default_play_domain, default_push_domain
from recordings.models import ClientApp, Room

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
TRUE_WORDS, FALSE_WORDS = {"1", "true", "yes"}, {"0", "false", "no"}

ROOM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "room_key": {"type": "string", "description": "The business backend's id of the room."},
        "name": {"type": "string"},
        "app": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "name": {"type": "string"},
                "kind": {"enum": ["APK", "EXE", "WEB"]},
            },
        },
        "stream_name": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"},
        "push_domain": {"type": "string"},
        "play_domain": {"type": "string"},
        "app_name": {"type": "string", "description": "The CSS AppName, usually 'live'."},
        "entry_parameters": {"type": "string"},
        "application_parameters": {
            "type": "string",
            "description": "What a cloud app instance is launched with to enter this room (CAR ApplicationParameters).",
        },
        "tags": {"type": "array", "items": {"type": "string"}},
        "auto_record": {"type": "boolean"},
        "max_recording_minutes": {
            "type": ["integer", "null"],
            "description": "The room's own limit, if any.",
        },
        "effective_max_recording_minutes": {"type": "integer"},
        "is_active": {"type": "boolean"},
        "created_at": {"type": "string", "format": "date-time"},
        "updated_at": {"type": "string", "format": "date-time"},
    },
}
ROOM_PAGE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "count": {"type": "integer", "description": "Matching rooms in all."},
        "limit": {"type": "integer"},
        "offset": {"type": "integer"},
        "results": {"type": "array", "items": ROOM_SCHEMA},
    },
}
_WRITE_PROPERTIES: dict[str, Any] = {
    "name": {"type": "string", "maxLength": 100},
    "room_key": {"type": "string", "maxLength": 128, "pattern": "^[A-Za-z0-9_.:@=+-]+$"},
    "app": {"type": ["integer", "string"], "description": "The client app: its id or its exact name."},
    "stream_name": {
        "type": "string",
        "pattern": "^[A-Za-z0-9_-]{0,64}$",
        "description": "Empty or missing on create: derived from the room key.",
    },
    "entry_parameters": {"type": "string", "maxLength": 1000},
    "tags": {
        "oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}],
        "description": "A list, or a comma-separated string.",
    },
    "auto_record": {"type": "boolean"},
    "max_recording_minutes": {"type": ["integer", "null"], "minimum": 1, "maximum": 1440},
    "is_active": {"type": "boolean"},
    "push_domain": {"type": "string"},
    "play_domain": {"type": "string"},
    "app_name": {"type": "string"},
}
ROOM_CREATE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": _WRITE_PROPERTIES,
    "required": ["name", "room_key", "app"],
    "additionalProperties": False,
}
ROOM_PATCH_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": _WRITE_PROPERTIES,
    "additionalProperties": False,
}
ROOM_EXAMPLE: dict[str, Any] = {
    "id": 2,
    "room_key": "live-1002",
    "name": "Football watch party",
    "app": {"id": 1, "name": "Bullet comments overlay", "kind": "WEB"},
    "stream_name": "live-1002",
    "push_domain": "push.example.com",
    "play_domain": "play.example.com",
    "app_name": "live",
    "entry_parameters": "",
    "application_parameters": "--url-args=room=live-1002&stream=live-1002",
    "tags": ["prime-time", "sports"],
    "auto_record": False,
    "max_recording_minutes": None,
    "effective_max_recording_minutes": 360,
    "is_active": True,
    "created_at": "2026-12-02T06:03:45.863Z",
    "updated_at": "2026-12-02T06:03:45.863Z",
}
NO_ROOM = ErrorDoc("No room has this key.", "No room has the key “live-9999”.")
# save_room's 409: two requests passed validation with the same room key or stream name at once.
ROOM_RACE = ErrorDoc(
    "Another request took the same room key or stream name at the same time; nothing was saved. Read the rooms "
    "again and retry.",
    "Another request created or changed a room with the same room key or stream name at the same time. "
    "Read the rooms again and retry.",
)
INVALID_ROOM = ErrorDoc(
    "The body is invalid: unknown or missing fields, an unknown client app, a room key or stream name "
    "already in use, … (see `fields`).",
    "The request body is invalid.",
    {"room_key": ["Room with this Room key already exists."], "app": ["No client app “Whiteboard”."]},
)


def room_json(room: Room) -> dict[str, Any]:
    app = room.client_app
    return {
        "id": room.pk,
        "room_key": room.room_key,
        "name": room.name,
        "app": {"id": app.pk, "name": app.name, "kind": app.kind},
        "stream_name": room.stream_name,
        "push_domain": room.push_domain,
        "play_domain": room.play_domain,
        "app_name": room.app_name,
        "entry_parameters": room.entry_parameters,
        "application_parameters": room.application_parameters(),
        "tags": room.tag_list,
        "auto_record": room.auto_record,
        "max_recording_minutes": room.max_recording_minutes,
        "effective_max_recording_minutes": room.effective_max_recording_minutes,
        "is_active": room.is_active,
        "created_at": room.created_at,
        "updated_at": room.updated_at,
    }


def find_app(value: Any) -> ClientApp | None:
    if isinstance(value, bool):
        return None
    pk = ascii_int(value)
    if pk is not None:
        return ClientApp.objects.filter(pk=pk).first()
    if isinstance(value, str):
        return ClientApp.objects.filter(name=value).first()
    return None


def find_room(room_key: str) -> Room:
    room = Room.objects.select_related("client_app").filter(room_key=room_key).first()
    if room is None:
        raise ApiError(404, gettext("No room has the key “%(key)s”.") % {"key": room_key})
    return room


def parse_bool(name: str, raw: str) -> bool:
    if raw.lower() in TRUE_WORDS:
        return True
    if raw.lower() in FALSE_WORDS:
        return False
    raise ApiError(400, gettext("Invalid query parameter."), fields={name: [gettext("Use true or false.")]})


def parse_int(name: str, raw: str | None, default: int, maximum: int) -> int:
    return query_int({name: raw}, name, default=default, maximum=maximum)


def form_data(body: dict[str, Any], room: Room | None) -> dict[str, Any]:
    """The RoomForm data for a create (model defaults + body) or a partial update (current values + body).

    `body` has passed ROOM_CREATE_SCHEMA or ROOM_PATCH_SCHEMA: only writable fields, of their types."""
    if room is None:
        data: dict[str, Any] = {
            "push_domain": default_push_domain(),
            "play_domain": default_play_domain(),
            "app_name": default_css_app_name(),
            "is_active": True,
            "auto_record": False,
        }
    else:
        data = model_to_dict(room, fields=RoomForm.Meta.fields)
    for key, value in body.items():
        if key == "app":
            app = find_app(value)
            if app is None:
                raise ApiError(
                    400,
                    gettext("The request body is invalid."),
                    fields={"app": [gettext("No client app “%(app)s”.") % {"app": value}]},
                )
            data["client_app"] = app.pk
        elif key == "tags" and isinstance(value, list):
            if any("," in tag for tag in value):
                raise ApiError(
                    400,
                    gettext("The request body is invalid."),
                    fields={"tags": [gettext("A tag cannot contain a comma.")]},
                )
            data["tags"] = ",".join(value)
        else:
            data[key] = "" if value is None else value
    return data


def invalid(errors: dict[str, list[str]]) -> ApiError:
    fields = {("app" if name == "client_app" else name): messages for name, messages in errors.items()}
    return ApiError(400, gettext("The request body is invalid."), fields=fields)


def save_room(request: HttpRequest, body: dict[str, Any], room: Room | None) -> Room:
    form = RoomForm(data=form_data(body, room), instance=room)
    if not form.is_valid():
        raise invalid({name: [str(e) for e in errors] for name, errors in form.errors.items()})
    actor = current_user(request)
    try:
        if room is None:
            return services.room_create(data=form.cleaned_data, actor=actor)
        return services.room_update(room=room, data=form.cleaned_data, actor=actor)
    except ValidationError as exc:
        raise invalid(exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}) from exc
    except IntegrityError as exc:  # validated, then beaten to the same key or stream name by another request
        raise ApiError(
            409,
            gettext(
                "Another request created or changed a room with the same room key or stream name at the same "
                "time. Read the rooms again and retry."
            ),
        ) from exc


@api_operation(
    path="/rooms",
    method="GET",
    capability=Capability.VIEW_CATALOG,
    summary="List rooms",
    tag="Rooms",
    response_schema=ROOM_PAGE_SCHEMA,
    query={
        "active": Param("Only active (true) or only inactive (false) rooms.", {"type": "boolean"}, True),
        "app": Param(
            "Only rooms of this client app: its id or exact name.", example="Bullet comments overlay"
        ),
        "q": Param("Text in the name, room key or stream name.", example="football"),
        "tag": Param("Only rooms carrying this tag.", example="sports"),
        "limit": Param(
            f"Page size (default {DEFAULT_LIMIT}, at most {MAX_LIMIT}).",
            {"type": "integer", "minimum": 0, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
        ),
        "offset": Param("Rooms to skip.", {"type": "integer", "minimum": 0, "default": 0}),
    },
    response_example={"count": 8, "limit": 1, "offset": 0, "results": [ROOM_EXAMPLE]},
)
def rooms_list(request: HttpRequest, body: dict[str, Any]) -> HttpResponse:
    params = request.GET
    app = None
    if params.get("app"):
        app = find_app(params["app"])
        if app is None:
            raise ApiError(
                400,
                gettext("Invalid query parameter."),
                fields={"app": [gettext("No client app “%(app)s”.") % {"app": params["app"]}]},
            )
    # The rooms page's filter too (RoomFilterForm.filter): the same rooms for the same q, app, tag and status.
    rooms = Room.objects.listing().filtered(
        q=params.get("q", ""),
        app=app,
        tag=params.get("tag", ""),
        active=parse_bool("active", params["active"]) if params.get("active") else None,
    )
    limit = parse_int("limit", params.get("limit"), DEFAULT_LIMIT, MAX_LIMIT)
    offset = parse_int("offset", params.get("offset"), 0, 10**9)
    page = rooms[offset : offset + limit]
    return json_response(
        {"count": rooms.count(), "limit": limit, "offset": offset, "results": [room_json(r) for r in page]}
    )


@api_operation(
    path="/rooms",
    method="POST",
    capability=Capability.MANAGE_CATALOG,
    summary="Create a room",
    tag="Rooms",
    request_schema=ROOM_CREATE_SCHEMA,
    response_schema=ROOM_SCHEMA,
    success_status=201,
    description="The same rules as the console's room form; the stream name defaults to one derived from the key.",
    request_example={
        "name": "Football watch party",
        "room_key": "live-1002",
        "app": "Bullet comments overlay",
        "tags": ["prime-time", "sports"],
    },
    response_example=ROOM_EXAMPLE,
    errors={400: INVALID_ROOM, 409: ROOM_RACE},
)
def room_create(request: HttpRequest, body: dict[str, Any]) -> HttpResponse:
    return json_response(room_json(save_room(request, body, None)), status=201)


@api_operation(
    path="/rooms/{room_key}",
    method="GET",
    capability=Capability.VIEW_CATALOG,
    summary="Read a room",
    tag="Rooms",
    response_schema=ROOM_SCHEMA,
    response_example=ROOM_EXAMPLE,
    errors={404: NO_ROOM},
)
def room_read(request: HttpRequest, body: dict[str, Any], room_key: str) -> HttpResponse:
    return json_response(room_json(find_room(room_key)))


@api_operation(
    path="/rooms/{room_key}",
    method="PATCH",
    capability=Capability.MANAGE_CATALOG,
    summary="Update some fields of a room",
    tag="Rooms",
    request_schema=ROOM_PATCH_SCHEMA,
    response_schema=ROOM_SCHEMA,
    description="Only the fields sent change; the others keep their values.",
    request_example={"auto_record": True, "max_recording_minutes": 180},
    response_example={**ROOM_EXAMPLE, "auto_record": True, "max_recording_minutes": 180},
    errors={400: INVALID_ROOM, 404: NO_ROOM, 409: ROOM_RACE},
)
def room_patch(request: HttpRequest, body: dict[str, Any], room_key: str) -> HttpResponse:
    return json_response(room_json(save_room(request, body, find_room(room_key))))


rooms_collection = by_method(GET=rooms_list, POST=room_create)
room_resource = by_method(GET=room_read, PATCH=room_patch)
