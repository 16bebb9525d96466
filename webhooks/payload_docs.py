"""The OpenAPI `webhooks` section: each event's body, its `data` schema (the API resource's) and the headers."""

from __future__ import annotations

from typing import Any

from recordings.media.api import FILE_DETAIL_SCHEMA, FILE_EXAMPLE, FILE_SCHEMA
from recordings.sessions.api import RECORDING_EXAMPLE, RECORDING_SCHEMA
from webhooks.models import EventType

HEADERS = [
    {
        "name": "webhook-id",
        "in": "header",
        "required": True,
        "description": "The event's id, the same on every attempt and every endpoint: deduplicate by it.",
        "schema": {"type": "string"},
        "example": "msg_4b1f0c2d9e8a7b6c5d4e3f2a",
    },
    {
        "name": "webhook-timestamp",
        "in": "header",
        "required": True,
        "description": "Unix seconds of this attempt; refuse ones far from your clock (replays).",
        "schema": {"type": "string"},
        "example": "1796212872",
    },
    {
        "name": "webhook-signature",
        "in": "header",
        "required": True,
        "description": (
            "Standard Webhooks 1.0: `v1,<base64 HMAC-SHA256 of id.timestamp.body>` with the secret "
            "(base64 after `whsec_`); two space-separated during the 24 h after a secret rotation."
        ),
        "schema": {"type": "string"},
        "example": "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=",
    },
]
ATTENTION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "kind": {"type": "string"},
        "message": {"type": "string"},
        "action_taken": {"type": "string"},
        "subject": {"type": "string"},
        "recording": {"type": ["integer", "null"]},
        "at": {"type": "string", "format": "date-time"},
    },
}
BUDGET_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "client_app": {"type": "integer"},
        "client_app_name": {"type": "string"},
        "month": {"type": "string", "example": "2026-12"},
        "level": {"enum": ["warning", "exceeded"]},
        "budget_usd": {"type": "string"},
        "spent_usd": {"type": "string"},
        "percent": {"type": "integer"},
    },
}
VERDICT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        **FILE_SCHEMA["properties"],
        "verdict": {
            "type": "object",
            "properties": {
                "decision": {"enum": ["approve", "reject", "escalate"]},
                "revision": {"type": "integer"},
                "reason": {"type": ["string", "null"]},
                "comment": {"type": "string"},
                "hide_from_outputs": {"type": "boolean"},
                "decided_at": {"type": "string", "format": "date-time"},
            },
        },
    },
}
COMPLETED_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {**RECORDING_SCHEMA["properties"], "files": {"type": "array", "items": FILE_DETAIL_SCHEMA}},
}
TEST_SCHEMA: dict[str, Any] = {"type": "object", "properties": {"message": {"type": "string"}}}

DATA: dict[EventType, tuple[dict[str, Any], dict[str, Any], str]] = {
    EventType.RECORDING_SCHEDULED: (RECORDING_SCHEMA, {**RECORDING_EXAMPLE, "state": "scheduled"}, ""),
    EventType.RECORDING_STARTED: (
        RECORDING_SCHEMA,
        RECORDING_EXAMPLE,
        "The stream is live and being recorded.",
    ),
    EventType.RECORDING_STOPPED: (
        RECORDING_SCHEMA,
        {**RECORDING_EXAMPLE, "state": "stopping"},
        "It stopped recording (state `stopping`); its files follow with `recording.completed`.",
    ),
    EventType.RECORDING_COMPLETED: (
        COMPLETED_SCHEMA,
        {
            **RECORDING_EXAMPLE,
            "state": "completed",
            "files": [
                {**FILE_EXAMPLE, "signed_url": "https://play.example.com/…", "signed_url_expires_at": None}
            ],
        },
        "With its files and signed URLs made when the event was first sent (valid 15 minutes; "
        "GET /api/v1/files/{id} for a new one).",
    ),
    EventType.RECORDING_FAILED: (
        RECORDING_SCHEMA,
        {**RECORDING_EXAMPLE, "state": "failed", "failure_reason": "Start failed: no idle concurrency."},
        "`failure_reason` and `failed_step` say why.",
    ),
    EventType.FILE_CREATED: (FILE_SCHEMA, FILE_EXAMPLE, ""),
    EventType.FILE_DELETED: (FILE_SCHEMA, {**FILE_EXAMPLE, "deleted_at": "2026-12-09T08:00:00Z"}, ""),
    EventType.REVIEW_DECIDED: (VERDICT_SCHEMA, {**FILE_EXAMPLE, "review_status": "approved"}, ""),
    EventType.BUDGET_THRESHOLD: (
        BUDGET_SCHEMA,
        {
            "client_app": 1,
            "client_app_name": "Live room",
            "month": "2026-12",
            "level": "warning",
            "budget_usd": "500.00",
            "spent_usd": "412.50",
            "percent": 82,
        },
        "Sent once per level (warning, then exceeded) and month.",
    ),
    EventType.ATTENTION_RAISED: (
        ATTENTION_SCHEMA,
        {
            "id": 5,
            "kind": "no_file",
            "message": "No recording file 30 minutes after the stop.",
            "action_taken": "",
            "subject": "live-1002-r42",
            "recording": 42,
            "at": "2026-12-02T12:50:00Z",
        },
        "",
    ),
    EventType.TEST: (
        TEST_SCHEMA,
        {"message": "A test event from CNR Console."},
        "Only from *Send test event*.",
    ),
}


def entry(event_type: EventType) -> dict[str, Any]:
    schema, example, note = DATA[event_type]
    body_schema = {
        "type": "object",
        "properties": {
            "type": {"const": event_type.value},
            "timestamp": {"type": "string", "format": "date-time", "description": "When it happened."},
            "sequence": {
                "type": ["integer", "null"],
                "description": "Per recording, 1, 2, 3, … in the order the events happened (null without one).",
            },
            "data": schema,
        },
        "required": ["type", "timestamp", "sequence", "data"],
    }
    example_body = {
        "type": event_type.value,
        "timestamp": "2026-12-02T12:20:00Z",
        "sequence": 3,
        "data": example,
    }
    return {
        "post": {
            "summary": event_type.label,
            "description": (note + "\n\n" if note else "")
            + "Answer 2xx within 10 s. Anything else is retried with back-off for at least 24 h with the same "
            "`webhook-id`; 410 Gone disables the endpoint.",
            "tags": ["Webhooks"],
            "parameters": HEADERS,
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": body_schema, "example": example_body}},
            },
            "responses": {
                "2XX": {"description": "Received."},
                "410": {"description": "Stop sending: disables the endpoint."},
            },
        }
    }


PAYLOADS: dict[str, dict[str, Any]] = {t.value: entry(t) for t in EventType}
