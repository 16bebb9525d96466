"""Template tags of the orchestration: the recording box shown on a room's page."""

from __future__ import annotations

import uuid
from typing import Any

from django import template

from dashboard.access import Capability, has_capability
from recordings.models import RecordingSession, Room
from recordings.sessions.forms.sessions import StartForm

register = template.Library()
RECENT = 5


@register.inclusion_tag("recordings/_room_recording_box.html", takes_context=True)
def room_recording_box(context: dict[str, Any], room: Room) -> dict[str, Any]:
    """The room's running recording with a stop button, or a start form; and its latest recordings."""
    request = context["request"]
    recent = list(RecordingSession.objects.filter(room=room).order_by("-planned_start", "-id")[:RECENT])
    active = next((s for s in recent if s.is_open and s.state != "scheduled"), None)
    if active is None:
        active = RecordingSession.objects.filter(room=room).active().first()
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "room": room,
        "active": active,
        "recent": recent,
        "form": StartForm(
            room=room,
            initial={
                "duration_minutes": min(60, room.effective_max_recording_minutes),
                "idempotency_key": uuid.uuid4().hex,
            },
        ),
        "can_operate": has_capability(request.user, Capability.OPERATE_RECORDINGS),
        "can_view": has_capability(request.user, Capability.VIEW_RECORDINGS),
    }
