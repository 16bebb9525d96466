"""Template filters of the live and files pages."""

from __future__ import annotations

from typing import Any

from django import template

from recordings.models import PushAnomaly, RecordingSession, RecordStatusChange

register = template.Library()


@register.filter
def hms(seconds: float | int | None) -> str:
    """3725 → '1:02:05'; 65.9 → '1:05' (whole seconds elapsed, as a player's clock shows them)."""
    if seconds is None:
        return "—"
    total = int(float(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@register.simple_tag
def session_outputs(session: RecordingSession) -> dict[str, Any]:
    """What CSS reported for a session: push anomalies and record status changes (two queries). Its files come
    from the view, which knows who looks (files hidden by review: RecordingFile.visible_to)."""
    return {
        "anomalies": list(PushAnomaly.objects.filter(session=session).recent()),
        "record_status": list(RecordStatusChange.objects.filter(session=session).order_by("at", "id")),
    }
