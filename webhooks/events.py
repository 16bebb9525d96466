"""Emitting events: one outbox INSERT in the caller's transaction (`webhook_event_emit`), and the `data` of each
event type, shaped like the API's resource (the API's own serializers make it).

The services call the small `*_changed`/`*_created` helpers below where the state changes. The representations
come from recordings/payloads.py, which reads models only (the API views import the services that call these
helpers).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from recordings.payloads import file_json, files_payload, find_recording, recording_json
from webhooks.models import EventType, WebhookEvent
from webhooks.signing import new_message_id
from webhooks.wakeup import kick_on_commit

if TYPE_CHECKING:
    from recordings.models import Attention, RecordingFile, RecordingSession, ReviewVerdict


def webhook_event_emit(
    event_type: EventType,
    *,
    data: dict[str, Any],
    session_id: int | None = None,
    client_app_id: int | None = None,
    only_endpoint_id: int | None = None,
    at: datetime | None = None,
) -> WebhookEvent:
    """Write the event to the outbox; the delivery job fans it out to the endpoints that want it."""
    event = WebhookEvent.objects.create(
        uid=new_message_id(),
        type=event_type,
        session_id=session_id,
        client_app_id=client_app_id,
        only_endpoint_id=only_endpoint_id,
        data=data,
        occurred_at=at or timezone.now(),
    )
    kick_on_commit()  # the periodic run covers a lost wake-up
    return event


# The session's state after a transition → the event it is; `stopping` counts only when it was recording
# (a failed start also passes through `stopping`, and says so with recording.failed).
TRANSITION_EVENTS = {
    "recording": EventType.RECORDING_STARTED,
    "completed": EventType.RECORDING_COMPLETED,
    "failed": EventType.RECORDING_FAILED,
}


def session_changed(session: RecordingSession, *, source: str, target: str) -> None:
    """Called by the orchestration's transition (and session creation, source "") in its transaction."""
    if target == "scheduled" and source == "":
        event_type = EventType.RECORDING_SCHEDULED
    elif target == "stopping" and source == "recording":
        event_type = EventType.RECORDING_STOPPED
    elif target in TRANSITION_EVENTS:
        event_type = TRANSITION_EVENTS[target]
    else:
        return
    webhook_event_emit(
        event_type,
        data=recording_data(session.pk, with_files=event_type == EventType.RECORDING_COMPLETED),
        session_id=session.pk,
        client_app_id=session.room.client_app_id,
    )


def recording_data(session_pk: int, *, with_files: bool) -> dict[str, Any]:
    session = find_recording(session_pk)
    data = recording_json(session)
    if with_files:
        # As a business backend's token sees them (hidden rejected files are not sent); signed URLs are added
        # when the event is fanned out, so they are fresh at the first attempt.
        data["files"] = files_payload(session, AnonymousUser())
    return data


def file_changed(recording: RecordingFile, *, deleted: bool = False) -> None:
    room = recording.room
    webhook_event_emit(
        EventType.FILE_DELETED if deleted else EventType.FILE_CREATED,
        data=file_json(recording),
        session_id=recording.session_id,
        client_app_id=room.client_app_id if room is not None else None,
    )


def review_decided(verdict: ReviewVerdict) -> None:
    recording = verdict.file
    data = file_json(recording)
    data["verdict"] = {
        "decision": verdict.decision,
        "revision": verdict.revision,
        "reason": verdict.reason.code if verdict.reason else None,
        "comment": verdict.comment,
        "hide_from_outputs": verdict.hide_from_outputs,
        "decided_at": verdict.decided_at,
    }
    room = recording.room
    webhook_event_emit(
        EventType.REVIEW_DECIDED,
        data=data,
        session_id=recording.session_id,
        client_app_id=room.client_app_id if room is not None else None,
        at=verdict.decided_at,
    )


def attention_raised(item: Attention) -> None:
    session = item.session
    webhook_event_emit(
        EventType.ATTENTION_RAISED,
        data={
            "id": item.pk,
            "kind": item.kind,
            "message": item.message,
            "action_taken": item.action_taken,
            "subject": item.subject,
            "recording": item.session_id,
            "at": item.at,
        },
        session_id=item.session_id,
        client_app_id=session.room.client_app_id if session is not None else None,
        at=item.at,
    )


def budget_threshold(
    *, client_app_id: int, app_name: str, month: date, level: str, limit: Any, spent: Any, percent: int | None
) -> None:
    webhook_event_emit(
        EventType.BUDGET_THRESHOLD,
        data={
            "client_app": client_app_id,
            "client_app_name": app_name,
            "month": month.isoformat()[:7],
            "level": level,
            "budget_usd": str(limit),
            "spent_usd": str(spent),
            "percent": percent,
        },
        client_app_id=client_app_id,
    )
