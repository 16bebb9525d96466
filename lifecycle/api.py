"""Retention policies and legal holds in the business-backend API (/api/v1): a client app's policy, a room's
(its own override, or the app's it inherits), and holds on a file."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext

from dashboard.access import Capability, current_user
from dashboard.api import ApiError, ErrorDoc, api_operation, by_method, json_response
from dashboard.params import parse_moment
from lifecycle.models import MAX_DAYS, LegalHold, RetentionPolicy
from lifecycle.services import POLICY_FIELDS, legal_hold_lift, legal_hold_place, retention_policy_save
from recordings.models import ClientApp, RecordingFile, Room, files_visible_to

DAYS = {"type": ["integer", "null"], "minimum": 0, "maximum": MAX_DAYS}
POLICY_WRITE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "keep_days": {
            **DAYS,
            "description": "Days after the recording ends before deletion; null = forever.",
        },
        "rejected_keep_days": {**DAYS, "description": "Shorter retention of files rejected in review."},
        "standard_ia_after_days": {**DAYS, "description": "Move to STANDARD_IA after this many days."},
        "archive_after_days": {**DAYS, "description": "Move to ARCHIVE (needs a restore to play)."},
        "deep_archive_after_days": {**DAYS, "description": "Move to DEEP_ARCHIVE (needs a restore to play)."},
    },
    "additionalProperties": False,
}
POLICY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "source": {
            "enum": ["room", "client_app", "none"],
            "description": "Whose policy applies: the room's own, its client app's, or none (kept forever).",
        },
        **POLICY_WRITE_SCHEMA["properties"],
    },
}
POLICY_EXAMPLE = {"keep_days": 365, "rejected_keep_days": 30, "standard_ia_after_days": 30}
POLICY_ANSWER = {
    "source": "client_app",
    "keep_days": 365,
    "rejected_keep_days": 30,
    "standard_ia_after_days": 30,
    "archive_after_days": None,
    "deep_archive_after_days": None,
}
INVALID_POLICY = ErrorDoc(
    "The days are out of order (each colder class later, every move before the deletion) or out of range.",
    "The request body is invalid.",
    {"archive_after_days": ["Each colder class must come later than the warmer ones."]},
)
HOLD_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "file": {"type": "integer"},
        "reason": {"type": "string"},
        "placed_by": {"type": "string"},
        "placed_at": {"type": "string", "format": "date-time"},
        "until": {"type": ["string", "null"], "format": "date-time"},
    },
}
HOLD_WRITE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "reason": {"type": "string", "minLength": 1, "maxLength": 2000},
        "until": {"type": ["string", "null"], "format": "date-time", "description": "Empty: until lifted."},
    },
    "required": ["reason"],
    "additionalProperties": False,
}
NO_FILE = ErrorDoc("No file the token's user may see has this id.", "No recording file has the id 42.")


def policy_json(policy: RetentionPolicy | None, source: str) -> dict[str, Any]:
    return {"source": source, **{name: getattr(policy, name) if policy else None for name in POLICY_FIELDS}}


def _save(request: HttpRequest, body: dict[str, Any], **owner: Any) -> RetentionPolicy:
    try:
        return retention_policy_save(data=body, actor=current_user(request), **owner)
    except ValidationError as exc:
        fields = {name: [str(message) for message in messages] for name, messages in exc.message_dict.items()}
        raise ApiError(400, gettext("The request body is invalid."), fields=fields) from exc


def _app(id: int) -> ClientApp:
    app = ClientApp.objects.filter(pk=id).first()
    if app is None:
        raise ApiError(404, gettext("No client app has the id %(id)s.") % {"id": id})
    return app


def _room(room_key: str) -> Room:
    room = Room.objects.select_related("client_app").filter(room_key=room_key).first()
    if room is None:
        raise ApiError(404, gettext("No room has the key “%(key)s”.") % {"key": room_key})
    return room


@api_operation(
    path="/apps/{id}/retention",
    method="GET",
    capability=Capability.VIEW_CATALOG,
    summary="Read a client app's retention policy",
    tag="Retention",
    response_schema=POLICY_SCHEMA,
    description="`source` is `none` (every field null: files are kept forever) until a policy is set.",
    response_example=POLICY_ANSWER,
    errors={404: ErrorDoc("No client app has this id.", "No client app has the id 7.")},
)
def app_retention_read(request: HttpRequest, body: dict[str, Any], id: int) -> HttpResponse:
    policy = RetentionPolicy.objects.filter(client_app=_app(id), room=None).first()
    return json_response(policy_json(policy, "client_app" if policy else "none"))


@api_operation(
    path="/apps/{id}/retention",
    method="PUT",
    capability=Capability.MANAGE_RETENTION,
    summary="Set a client app's retention policy",
    tag="Retention",
    request_schema=POLICY_WRITE_SCHEMA,
    response_schema=POLICY_SCHEMA,
    description=(
        "Replaces the whole policy (a field left out is null). New files get their VOD ExpireTime at once; "
        "existing ones are brought in line by the daily run."
    ),
    request_example=POLICY_EXAMPLE,
    response_example=POLICY_ANSWER,
    errors={404: ErrorDoc("No client app has this id.", "No client app has the id 7."), 400: INVALID_POLICY},
)
def app_retention_write(request: HttpRequest, body: dict[str, Any], id: int) -> HttpResponse:
    return json_response(policy_json(_save(request, body, client_app=_app(id)), "client_app"))


@api_operation(
    path="/rooms/{room_key}/retention",
    method="GET",
    capability=Capability.VIEW_CATALOG,
    summary="Read the retention policy that applies to a room",
    tag="Retention",
    response_schema=POLICY_SCHEMA,
    description="The room's own policy when it has one, else its client app's (`source` says which).",
    response_example={**POLICY_ANSWER, "source": "room"},
    errors={404: ErrorDoc("No room has this key.", "No room has the key “live-9999”.")},
)
def room_retention_read(request: HttpRequest, body: dict[str, Any], room_key: str) -> HttpResponse:
    room = _room(room_key)
    own = RetentionPolicy.objects.filter(room=room).first()
    if own is not None:
        return json_response(policy_json(own, "room"))
    inherited = RetentionPolicy.objects.filter(client_app_id=room.client_app_id, room=None).first()
    return json_response(policy_json(inherited, "client_app" if inherited else "none"))


@api_operation(
    path="/rooms/{room_key}/retention",
    method="PUT",
    capability=Capability.MANAGE_RETENTION,
    summary="Set a room's own retention policy (overrides its client app's)",
    tag="Retention",
    request_schema=POLICY_WRITE_SCHEMA,
    response_schema=POLICY_SCHEMA,
    description="Replaces the room's override as a whole (a field left out is null).",
    request_example=POLICY_EXAMPLE,
    response_example={**POLICY_ANSWER, "source": "room"},
    errors={404: ErrorDoc("No room has this key.", "No room has the key “live-9999”."), 400: INVALID_POLICY},
)
def room_retention_write(request: HttpRequest, body: dict[str, Any], room_key: str) -> HttpResponse:
    return json_response(policy_json(_save(request, body, room=_room(room_key)), "room"))


def _file(request: HttpRequest, id: int) -> RecordingFile:
    recording = files_visible_to(request.user, RecordingFile.objects.present()).filter(pk=id).first()
    if recording is None:
        raise ApiError(404, gettext("No recording file has the id %(id)s.") % {"id": id})
    return recording


def hold_json(hold: LegalHold) -> dict[str, Any]:
    return {
        "id": hold.pk,
        "file": hold.file_id,
        "reason": hold.reason,
        "placed_by": hold.placed_by.get_username() if hold.placed_by else "",
        "placed_at": hold.placed_at,
        "until": hold.until,
    }


@api_operation(
    path="/files/{id}/hold",
    method="POST",
    capability=Capability.HOLD_FILES,
    summary="Place a legal hold on a file",
    tag="Retention",
    request_schema=HOLD_WRITE_SCHEMA,
    response_schema=HOLD_SCHEMA,
    success_status=201,
    description=(
        "A held file is never deleted nor moved to an archive class, and its VOD expiry is cleared at once. "
        "Holds on a recording or a room are placed in the console."
    ),
    request_example={"reason": "Dispute #1204", "until": "2027-06-30T00:00:00Z"},
    response_example={
        "id": 3,
        "file": 42,
        "reason": "Dispute #1204",
        "placed_by": "maya",
        "placed_at": "2026-12-02T12:00:00Z",
        "until": "2027-06-30T00:00:00Z",
    },
    errors={
        404: NO_FILE,
        400: ErrorDoc(
            "The reason is empty or `until` is not an ISO 8601 time in the future.",
            "The request body is invalid.",
            {"until": ["Give a time in the future."]},
        ),
    },
)
def file_hold_place(request: HttpRequest, body: dict[str, Any], id: int) -> HttpResponse:
    recording = _file(request, id)
    until = None
    if body.get("until"):
        until = parse_moment(str(body["until"]))
        if until is None or until <= timezone.now():
            raise ApiError(
                400,
                gettext("The request body is invalid."),
                fields={"until": [gettext("Give a time in the future.")]},
            )
    reason = str(body.get("reason") or "").strip()
    if not reason:
        raise ApiError(
            400, gettext("The request body is invalid."), fields={"reason": [gettext("Give a reason.")]}
        )
    hold = legal_hold_place(file=recording, reason=reason, until=until, actor=current_user(request))
    return json_response(hold_json(hold), status=201)


@api_operation(
    path="/files/{id}/hold",
    method="DELETE",
    capability=Capability.HOLD_FILES,
    summary="Lift the legal holds placed on a file",
    tag="Retention",
    response_schema={"type": "object", "properties": {"lifted": {"type": "integer"}}},
    description=(
        "Lifts the active holds placed on the file itself (not those on its recording or room) and applies its "
        "retention policy again at once: a file past its time is then deleted."
    ),
    response_example={"lifted": 1},
    errors={
        404: ErrorDoc(
            "No visible file has this id, or no hold is active on it.",
            "No legal hold is active on the file 42.",
        )
    },
)
def file_hold_lift(request: HttpRequest, body: dict[str, Any], id: int) -> HttpResponse:
    recording = _file(request, id)
    holds = list(LegalHold.objects.active().filter(file=recording))
    if not holds:
        raise ApiError(404, gettext("No legal hold is active on the file %(id)s.") % {"id": id})
    for hold in holds:
        legal_hold_lift(hold=hold, actor=current_user(request))
    return json_response({"lifted": len(holds)})


app_retention = by_method(GET=app_retention_read, PUT=app_retention_write)
room_retention = by_method(GET=room_retention_read, PUT=room_retention_write)
file_hold = by_method(POST=file_hold_place, DELETE=file_hold_lift)
