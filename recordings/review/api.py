"""Interaction markers from the business backend: timed events of a room or a recording (bullet comments, gifts,
co-anchor joins, …) that appear as markers on the review timeline of the files recorded at that time.

Writes need OPERATE_RECORDINGS (the backend's operator token that already starts and stops recordings); reads need
VIEW_RECORDINGS. An event's optional `id` makes a retried POST idempotent.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext

from dashboard.access import Capability, current_user
from dashboard.api import ApiError, ErrorDoc, Param, api_operation, by_method, json_response
from dashboard.params import parse_moment
from recordings.catalog.api import NO_ROOM, find_room, parse_int
from recordings.models import InteractionEvent, RecordingSession
from recordings.review.models import INTERACTION_KIND_REGEX
from recordings.review.services import review
from recordings.review.services.review import MAX_INTERACTIONS_PER_POST, InteractionInput

EVENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "at": {
            "type": "string",
            "format": "date-time",
            "description": "When it happened (ISO 8601 with offset).",
        },
        "kind": {
            "type": "string",
            "pattern": INTERACTION_KIND_REGEX,
            "description": "e.g. bullet_comment, gift, co_anchor_join.",
        },
        "text": {"type": "string", "maxLength": 500},
        "payload": {
            "type": "object",
            "description": "Anything else the backend wants to keep with the event.",
        },
        "id": {
            "type": "string",
            "maxLength": 100,
            "description": "The backend's event id: a re-post is ignored.",
        },
    },
    "required": ["at", "kind"],
    "additionalProperties": False,
}
BATCH_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"events": {"type": "array", "items": EVENT_SCHEMA, "maxItems": MAX_INTERACTIONS_PER_POST}},
    "required": ["events"],
    "additionalProperties": False,
}
RESULT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "created": {"type": "integer"},
        "duplicates": {"type": "integer", "description": "Events whose id was already stored."},
    },
}
EVENT_OUT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        **EVENT_SCHEMA["properties"],
        "room_key": {"type": ["string", "null"]},
        "recording": {"type": ["integer", "null"]},
    },
}
LIST_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"count": {"type": "integer"}, "results": {"type": "array", "items": EVENT_OUT_SCHEMA}},
}
LIST_QUERY: dict[str, str | Param] = {
    "q": Param("Only events whose text contains this (case-insensitive).", example="goal"),
    "kind": Param("Only events of this kind.", {"type": "string", "pattern": INTERACTION_KIND_REGEX}, "gift"),
    "since": Param(
        "Only events at or after this ISO 8601 time.",
        {"type": "string", "format": "date-time"},
        "2026-12-02T12:00:00Z",
    ),
    "until": Param("Only events at or before this ISO 8601 time.", {"type": "string", "format": "date-time"}),
    "limit": Param(
        f"At most this many (default 100, at most {MAX_INTERACTIONS_PER_POST}), oldest first.",
        {"type": "integer", "minimum": 0, "maximum": MAX_INTERACTIONS_PER_POST, "default": 100},
    ),
}
EVENT_EXAMPLE: dict[str, Any] = {
    "at": "2026-12-02T12:05:31+08:00",
    "kind": "gift",
    "text": "3 rockets from fan_42",
    "payload": {"gift_id": "rocket", "count": 3},
    "id": "evt-000123",
}
POST_EXAMPLE: dict[str, Any] = {
    "events": [
        EVENT_EXAMPLE,
        {"at": "2026-12-02T12:05:40+08:00", "kind": "bullet_comment", "text": "What a goal!"},
    ]
}
LIST_EXAMPLE: dict[str, Any] = {
    "count": 1,
    "results": [{**EVENT_EXAMPLE, "room_key": "live-1002", "recording": None}],
}
INVALID_EVENTS = ErrorDoc(
    "The batch is invalid; one bad event rejects the whole POST and nothing is stored (see `fields`).",
    "The request body is invalid.",
    {"events[1].at": ["An ISO 8601 date-time."]},
)
NO_RECORDING = ErrorDoc("No recording has this id.", "No recording has the id 42.")
POST_DESCRIPTION = (
    f"Up to {MAX_INTERACTIONS_PER_POST} events per call, stored all or none. An event whose `id` was already "
    "stored is counted in `duplicates` and not stored again, so a retried POST is harmless."
)


def _moment(name: str, raw: str, message: str) -> datetime:
    """A date-time with its time of day: the schema's format lets a bare date through (as its midnight)."""
    moment = parse_moment(raw) if "T" in raw.upper() or " " in raw else None
    if moment is None:
        raise ApiError(400, message, fields={name: [gettext("An ISO 8601 date-time.")]})
    return moment


def parse_events(body: dict[str, Any]) -> list[InteractionInput]:
    """The batch as BATCH_SCHEMA has checked it: one bad event has already refused the whole POST."""
    return [
        InteractionInput(
            at=_moment(f"events[{index}].at", event["at"], gettext("The request body is invalid.")),
            kind=event["kind"],
            text=event.get("text", ""),
            payload=event.get("payload", {}),
            external_id=event.get("id", ""),
        )
        for index, event in enumerate(body["events"])
    ]


def _session(pk: int) -> RecordingSession:
    session = RecordingSession.objects.select_related("room").filter(pk=pk).first()
    if session is None:
        raise ApiError(404, gettext("No recording has the id %(pk)d.") % {"pk": pk})
    return session


def _store(request: HttpRequest, body: dict[str, Any], **owner: Any) -> HttpResponse:
    events = parse_events(body)
    try:
        created, known = review.interactions_add(events=events, actor=current_user(request), **owner)
    except review.ReviewError as exc:
        raise ApiError(400, str(exc)) from exc
    return json_response({"created": created, "duplicates": known}, status=201)


def event_json(event: InteractionEvent) -> dict[str, Any]:
    return {
        "at": event.at,
        "kind": event.kind,
        "text": event.text,
        "payload": event.payload,
        "id": event.external_id,
        "room_key": event.room.room_key if event.room else None,
        "recording": event.session_id,
    }


def _list(request: HttpRequest, events: Any) -> HttpResponse:
    params = request.GET
    if params.get("q"):
        events = events.filter(text__icontains=params["q"])
    if params.get("kind"):
        events = events.filter(kind=params["kind"])
    for name, lookup in (("since", "at__gte"), ("until", "at__lte")):
        if params.get(name):
            events = events.filter(**{lookup: _moment(name, params[name], "Invalid query parameter.")})
    limit = parse_int("limit", params.get("limit"), 100, MAX_INTERACTIONS_PER_POST)
    rows = list(events.select_related("room").order_by("at", "id")[:limit])
    return json_response({"count": len(rows), "results": [event_json(e) for e in rows]})


@api_operation(
    path="/rooms/{room_key}/interactions",
    method="POST",
    capability=Capability.OPERATE_RECORDINGS,
    summary="Post timed interaction events of a room (markers on the review timeline)",
    tag="Interactions",
    request_schema=BATCH_SCHEMA,
    response_schema=RESULT_SCHEMA,
    success_status=201,
    description=POST_DESCRIPTION,
    request_example=POST_EXAMPLE,
    response_example={"created": 2, "duplicates": 0},
    errors={400: INVALID_EVENTS, 404: NO_ROOM},
)
def room_interactions_post(request: HttpRequest, body: dict[str, Any], room_key: str) -> HttpResponse:
    return _store(request, body, room=find_room(room_key))


@api_operation(
    path="/rooms/{room_key}/interactions",
    method="GET",
    capability=Capability.VIEW_RECORDINGS,
    summary="Search the interaction events of a room",
    tag="Interactions",
    response_schema=LIST_SCHEMA,
    query=LIST_QUERY,
    response_example=LIST_EXAMPLE,
    errors={404: NO_ROOM},
)
def room_interactions_get(request: HttpRequest, body: dict[str, Any], room_key: str) -> HttpResponse:
    return _list(request, InteractionEvent.objects.filter(room=find_room(room_key)))


@api_operation(
    path="/recordings/{id}/interactions",
    method="POST",
    capability=Capability.OPERATE_RECORDINGS,
    summary="Post timed interaction events of a recording (markers on the review timeline)",
    tag="Interactions",
    request_schema=BATCH_SCHEMA,
    response_schema=RESULT_SCHEMA,
    success_status=201,
    description=POST_DESCRIPTION,
    request_example=POST_EXAMPLE,
    response_example={"created": 1, "duplicates": 1},
    errors={400: INVALID_EVENTS, 404: NO_RECORDING},
)
def recording_interactions_post(request: HttpRequest, body: dict[str, Any], id: int) -> HttpResponse:
    return _store(request, body, session=_session(id))


@api_operation(
    path="/recordings/{id}/interactions",
    method="GET",
    capability=Capability.VIEW_RECORDINGS,
    summary="Search the interaction events of a recording",
    tag="Interactions",
    response_schema=LIST_SCHEMA,
    query=LIST_QUERY,
    response_example={"count": 1, "results": [{**EVENT_EXAMPLE, "room_key": "live-1002", "recording": 42}]},
    errors={404: NO_RECORDING},
)
def recording_interactions_get(request: HttpRequest, body: dict[str, Any], id: int) -> HttpResponse:
    return _list(request, InteractionEvent.objects.filter(session=_session(id)))


room_interactions = by_method(GET=room_interactions_get, POST=room_interactions_post)
recording_interactions = by_method(GET=recording_interactions_get, POST=recording_interactions_post)
