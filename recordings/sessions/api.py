"""Recordings API for the business backend: start a room's recording now, stop it, read and list recordings,
and tell an auto-record room that its anchor went live or offline.

A start with an `idempotency_key` is safe to retry: the same key for the same room always answers with the
first recording (201 the first time, 200 afterwards), never a second one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext

from dashboard.access import Capability, current_user
from dashboard.api import ApiError, ErrorDoc, Param, api_operation, by_method, form_error, json_response
from dashboard.params import parse_moment, query_int
from recordings.catalog.api import NO_ROOM, find_room
from recordings.media.api import FILE_EXAMPLE, FILE_SCHEMA
from recordings.models import RecordingSession
from recordings.payloads import files_payload, find_recording, recording_json
from recordings.sessions import enqueue
from recordings.sessions.forms.sessions import LiveEventForm, StartForm
from recordings.sessions.lifecycle import SessionState, Trigger
from recordings.sessions.services import sessions as services

MAX_LIMIT = 200

RECORDING_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "state": {"enum": [s.value for s in SessionState]},
        "room": {"type": "string", "description": "The room key."},
        "room_name": {"type": "string"},
        "trigger": {"enum": [t.value for t in Trigger]},
        "planned_start": {"type": "string", "format": "date-time"},
        "planned_end": {"type": "string", "format": "date-time"},
        "stream_name": {"type": "string", "description": "CSS stream name, also the CAR UserId."},
        "record_task_ids": {"type": "array", "items": {"type": "string"}},
        "steps": {
            "type": "object",
            "description": "When each start/stop step finished (null = not yet).",
            "additionalProperties": {"type": ["string", "null"], "format": "date-time"},
        },
        "started_by": {"type": ["string", "null"]},
        "live_at": {"type": ["string", "null"], "format": "date-time"},
        "ended_at": {"type": ["string", "null"], "format": "date-time"},
        "files_found": {"type": "integer"},
        "failure_reason": {"type": "string"},
        "failed_step": {"type": "string"},
        "url": {"type": "string", "description": "The recording's page in the console."},
        "files": {
            "type": "array",
            "items": FILE_SCHEMA,
            "description": "Its recording files (only in GET /recordings/{id}).",
        },
    },
}
START_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "duration_minutes": {
            "type": "integer",
            "minimum": 1,
            "description": "Default 60, at most the room's maximum.",
        },
        "idempotency_key": {"type": "string", "maxLength": 100},
    },
    "additionalProperties": False,
}
EVENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"type": {"enum": ["live_started", "live_ended"]}},
    "required": ["type"],
}
RECORDING_EXAMPLE: dict[str, Any] = {
    "id": 42,
    "state": "recording",
    "room": "live-1002",
    "room_name": "Football watch party",
    "trigger": "api",
    "planned_start": "2026-12-02T12:00:00Z",
    "planned_end": "2026-12-02T13:00:00Z",
    "stream_name": "live-1002-r42",
    "record_task_ids": ["Y2FyLXRhc2stZXhhbXBsZQ"],
    "steps": {
        "concurrency_applied": "2026-12-02T12:00:01Z",
        "session_created": "2026-12-02T12:00:02Z",
        "record_task_created": "2026-12-02T12:00:03Z",
        "push_started": "2026-12-02T12:00:06Z",
        "stream_live": "2026-12-02T12:00:09Z",
        "record_task_stopped": None,
        "push_stopped": None,
        "session_destroyed": None,
    },
    "started_by": "operator",
    "live_at": "2026-12-02T12:00:09Z",
    "ended_at": None,
    "files_found": 0,
    "failure_reason": "",
    "failed_step": "",
    "url": "/recordings/42/",
}
STOPPED_EXAMPLE: dict[str, Any] = {
    **RECORDING_EXAMPLE,
    "state": "stopping",
    "steps": {**RECORDING_EXAMPLE["steps"], "record_task_stopped": "2026-12-02T12:20:00Z"},
}
NO_RECORDING = ErrorDoc("No recording has this id.", "No recording #42.")
# The 409 answers of `refused` (recordings/sessions/services/sessions.py raises StartRefused with conflict=True).
ALREADY_RECORDING = ErrorDoc(
    "The room is already being recorded (or a scheduled recording of it is due); nothing was started.",
    "The room is already being recorded (recording #41).",
)
NOT_AUTO_RECORD = ErrorDoc(
    "`live_started` for a room that is not set to record automatically; nothing was started.",
    "Room “Football watch party” is not set to record automatically.",
)
START_REFUSED = ErrorDoc(
    "The body is invalid, or the start is refused: the room or its client app is inactive, the duration "
    "exceeds the room's maximum, or the client app's budget is used up.",
    "The request body is invalid.",
    {"duration_minutes": ["At most 360 minutes: the room's hard maximum."]},
)


# The database is the source of truth: the change is committed, only its wake-up job is missing.
QUEUE_DOWN = (
    "Accepted while the job queue (Redis) is unavailable: the change is saved and the recording in its "
    "current state is returned; the console's periodic tick carries it out once the queue is back."
)


def refused(exc: services.StartRefused) -> ApiError:
    if exc.field:
        return ApiError(400, gettext("The request body is invalid."), fields={exc.field: [exc.message]})
    return ApiError(409 if exc.conflict else 400, exc.message)


@api_operation(
    path="/rooms/{room_key}/recordings",
    method="POST",
    capability=Capability.OPERATE_RECORDINGS,
    summary="Start recording a room now",
    tag="Recordings",
    request_schema=START_SCHEMA,
    response_schema=RECORDING_SCHEMA,
    success_status=201,
    description=(
        "Starts the recording at once: the console applies a CAR concurrency, launches the cloud app, creates "
        "the CSS record task and pushes the stream; the answer comes back in state `starting` and moves to "
        "`recording` when the stream is live (poll `GET /recordings/{id}`). With an `idempotency_key`, a "
        "repeat of the same key for the same room answers 200 with the first recording instead of a second."
    ),
    request_example={"duration_minutes": 60, "idempotency_key": "show-2026-12-02-evening"},
    response_example={**RECORDING_EXAMPLE, "state": "starting", "live_at": None},
    other_success={
        200: "A repeated `idempotency_key`: the recording it started the first time.",
        202: QUEUE_DOWN,
    },
    errors={400: START_REFUSED, 404: NO_ROOM, 409: ALREADY_RECORDING},
)
def recording_start(request: HttpRequest, body: dict[str, Any], room_key: str) -> HttpResponse:
    room = find_room(room_key)
    form = StartForm(data=body, room=room)
    if not form.is_valid():
        raise form_error(form)
    try:
        with enqueue.watch_deferred() as deferred:
            session, created = services.session_start_now(
                room=room,
                actor=current_user(request),
                trigger=Trigger.API,
                duration_minutes=form.cleaned_data["duration_minutes"],
                idempotency_key=form.cleaned_data["idempotency_key"] or "",
            )
    except services.StartRefused as exc:
        raise refused(exc) from exc
    status = 202 if deferred else 201 if created else 200
    return json_response(recording_json(find_recording(session.pk)), status=status)


@api_operation(
    path="/recordings/{id}/stop",
    method="POST",
    capability=Capability.OPERATE_RECORDINGS,
    summary="Stop a recording (or cancel it before it starts)",
    tag="Recordings",
    response_schema=RECORDING_SCHEMA,
    description=(
        "Stops the record task and the push, then releases the cloud session; the recording moves to "
        "`stopping`, then `finalizing` until its files arrive, then `completed`. A scheduled recording that "
        "has not started is cancelled. Stopping a recording that has already ended changes nothing."
    ),
    response_example=STOPPED_EXAMPLE,
    other_success={202: QUEUE_DOWN},
    errors={404: NO_RECORDING},
)
def recording_stop(request: HttpRequest, body: dict[str, Any], id: int) -> HttpResponse:
    with enqueue.watch_deferred() as deferred:
        session = services.session_stop(session=find_recording(id), actor=current_user(request))
    return json_response(recording_json(find_recording(session.pk)), status=202 if deferred else 200)


@api_operation(
    path="/recordings/{id}",
    method="GET",
    capability=Capability.VIEW_RECORDINGS,
    summary="Read a recording",
    tag="Recordings",
    response_schema=RECORDING_SCHEMA,
    description="The recording with its state, the time of each start/stop step and its files so far.",
    response_example={**RECORDING_EXAMPLE, "files_found": 1, "files": [FILE_EXAMPLE]},
    errors={404: NO_RECORDING},
)
def recording_read(request: HttpRequest, body: dict[str, Any], id: int) -> HttpResponse:
    session = find_recording(id)
    return json_response({**recording_json(session), "files": files_payload(session, request.user)})


def parse_since(raw: str) -> datetime:
    moment = parse_moment(raw)
    if moment is None:
        raise ApiError(
            400, gettext("Invalid query parameter."), fields={"since": [gettext("An ISO date or date-time.")]}
        )
    return moment


@api_operation(
    path="/recordings",
    method="GET",
    capability=Capability.VIEW_RECORDINGS,
    summary="List recordings, newest first",
    tag="Recordings",
    response_schema={
        "type": "object",
        "properties": {"count": {"type": "integer"}, "results": {"type": "array", "items": RECORDING_SCHEMA}},
    },
    query={
        "room": Param("Only recordings of the room with this key.", example="live-1002"),
        "state": Param("Only recordings in this state.", {"enum": SessionState.values}, "completed"),
        "since": Param(
            "ISO date or date-time: only recordings planned to start at or after it.",
            {"type": "string"},
            "2026-12-01",
        ),
        "limit": Param(
            f"Page size (default 50, at most {MAX_LIMIT}).",
            {"type": "integer", "minimum": 0, "maximum": MAX_LIMIT, "default": 50},
        ),
        "offset": Param("Recordings to skip.", {"type": "integer", "minimum": 0, "default": 0}),
    },
    response_example={"count": 1, "results": [RECORDING_EXAMPLE]},
    errors={
        400: ErrorDoc(
            "A query parameter is invalid (see `fields`).",
            "Invalid query parameter.",
            {"state": ["Select a valid choice. paused is not one of the available choices."]},
        )
    },
)
def recording_list(request: HttpRequest, body: dict[str, Any]) -> HttpResponse:
    sessions = RecordingSession.objects.listing().prefetch_related("record_tasks")
    params = request.GET
    if params.get("room"):
        sessions = sessions.filter(room__room_key=params["room"])
    if params.get("state"):  # one of SessionState.values: the parameter's schema says so
        sessions = sessions.filter(state=params["state"])
    if params.get("since"):
        sessions = sessions.filter(planned_start__gte=parse_since(params["since"]))
    limit = query_int(params, "limit", default=50, maximum=MAX_LIMIT)
    offset = query_int(params, "offset", default=0, maximum=10**9)
    page = sessions[offset : offset + limit]
    return json_response({"count": sessions.count(), "results": [recording_json(s) for s in page]})


@api_operation(
    path="/rooms/{room_key}/events",
    method="POST",
    capability=Capability.OPERATE_RECORDINGS,
    summary="Tell an auto-record room its anchor went live or offline",
    tag="Recordings",
    request_schema=EVENT_SCHEMA,
    response_schema={
        "type": "object",
        "properties": {
            "type": {"type": "string"},
            "recordings": {"type": "array", "items": RECORDING_SCHEMA},
        },
    },
    description=(
        "For rooms set to record automatically. `live_started` starts a recording for the room's maximum "
        "duration, or answers the one already running (the same event twice starts one recording); "
        "`live_ended` stops the room's automatic recordings and answers them."
    ),
    request_example={"type": "live_started"},
    response_example={"type": "live_started", "recordings": [{**RECORDING_EXAMPLE, "state": "starting"}]},
    errors={
        400: ErrorDoc(
            "The body is invalid, or the start is refused (inactive room or client app).",
            "The request body is invalid.",
            {"type": ["Select a valid choice. live_paused is not one of the available choices."]},
        ),
        404: NO_ROOM,
        409: NOT_AUTO_RECORD,
    },
)
def room_event(request: HttpRequest, body: dict[str, Any], room_key: str) -> HttpResponse:
    room = find_room(room_key)
    form = LiveEventForm(data=body)
    if not form.is_valid():
        raise form_error(form)
    kind = form.cleaned_data["type"]
    actor = current_user(request)
    try:
        if kind == "live_started":
            started = services.room_live_started(room=room, actor=actor, trigger=Trigger.API)
            touched = [started] if started else []
        else:
            touched = services.room_live_ended(room=room, actor=actor)
    except services.StartRefused as exc:
        raise refused(exc) from exc
    return json_response(
        {"type": kind, "recordings": [recording_json(find_recording(s.pk)) for s in touched]}
    )


recordings_collection = by_method(GET=recording_list)
recording_resource = by_method(GET=recording_read)
recording_stop_view = by_method(POST=recording_stop)
room_recordings = by_method(POST=recording_start)
room_events = by_method(POST=room_event)
