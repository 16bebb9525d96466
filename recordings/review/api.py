"""Interaction markers from the business backend: timed events of a room or a recording (bullet comments, gifts,
co-anchor joins, …) that appear as markers on the review timeline of the files recorded at that time.

Writes need OPERATE_RECORDINGS (the backend's operator token that already starts and stops recordings); reads need
VIEW_RECORDINGS. An event's optional `id` makes a retried POST idempotent.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse

from dashboard.access import Capability, current_user
from dashboard.api import ApiError, ErrorDoc, Param, api_operation, by_method, json_response
from dashboard.params import parse_moment
from recordings.catalog.api import NO_ROOM, find_room, parse_int
from recordings.models import InteractionEvent, RecordingSession
from recordings.review.models import INTERACTION_KIND_PATTERN, INTERACTION_KIND_REGEX
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
EVENT_FIELDS = {"at", "kind", "text", "payload", "id"}


def _parse_time(raw: Any) -> datetime | None:
    if not isinstance(raw, str) or ("T" not in raw.upper() and " " not in raw):
        return None  # a date-time, not a bare date
    return parse_moment(raw)


def parse_events(body: dict[str, Any]) -> list[InteractionInput]:
    """The batch, validated as a whole: one bad event rejects the POST (nothing is stored) and says which."""
    unknown = sorted(set(body) - {"events"})
    events = body.get("events")
    if unknown or not isinstance(events, list):
        fields = {key: ["Unknown field."] for key in unknown}
        if not isinstance(events, list):
            fields["events"] = ["A list of events."]
        raise ApiError(400, "The request body is invalid.", fields=fields)
    if len(events) > MAX_INTERACTIONS_PER_POST:
        raise ApiError(
            400, "The request body is invalid.", fields={"events": [f"At most {MAX_INTERACTIONS_PER_POST}."]}
        )
    errors: dict[str, list[str]] = {}
    parsed: list[InteractionInput] = []
    for index, event in enumerate(events):
        prefix = f"events[{index}]"
        if not isinstance(event, dict):
            errors[prefix] = ["An object."]
            continue
        problems: dict[str, str] = {key: "Unknown field." for key in sorted(set(event) - EVENT_FIELDS)}
        at = _parse_time(event.get("at"))
        kind, text, payload, external_id = (
            event.get("kind"),
            event.get("text", ""),
            event.get("payload", {}),
            event.get("id", ""),
        )
        if at is None:
            problems["at"] = "An ISO 8601 date-time."
        if not isinstance(kind, str) or not INTERACTION_KIND_PATTERN.match(kind):
            problems["kind"] = "Lowercase letters, digits and '_' (at most 32), e.g. bullet_comment."
        if not isinstance(text, str) or len(text) > 500:
            problems["text"] = "A string of at most 500 characters."
        if not isinstance(payload, dict):
            problems["payload"] = "An object."
        if not isinstance(external_id, str) or len(external_id) > 100:
            problems["id"] = "A string of at most 100 characters."
        for name, message in problems.items():
            errors[f"{prefix}.{name}"] = [message]
        if not problems and at is not None and isinstance(kind, str):
            parsed.append(
                InteractionInput(at=at, kind=kind, text=text, payload=payload, external_id=external_id)
            )
    if errors:
        raise ApiError(400, "The request body is invalid.", fields=errors)
    return parsed


def _session(pk: int) -> RecordingSession:
    session = RecordingSession.objects.select_related("room").filter(pk=pk).first()
    if session is None:
        raise ApiError(404, f"No recording has the id {pk}.")
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
            at = _parse_time(params[name])
            if at is None:
                raise ApiError(400, "Invalid query parameter.", fields={name: ["An ISO 8601 date-time."]})
            events = events.filter(**{lookup: at})
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
