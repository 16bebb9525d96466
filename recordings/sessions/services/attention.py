"""The attention list: what the orchestration found or did that an operator should know about."""

from __future__ import annotations

from datetime import datetime

from dashboard import audit
from recordings.models import Attention, AttentionKind, RecordingSession
from webhooks import events as webhook_events


def attention(
    kind: AttentionKind,
    *,
    now: datetime,
    message: str,
    action_taken: str = "",
    session: RecordingSession | None = None,
    subject: str = "",
) -> Attention:
    """Add an item to the overview's attention list, and audit it."""
    item = Attention.objects.create(
        kind=kind, session=session, subject=subject, message=message, action_taken=action_taken, at=now
    )
    webhook_events.attention_raised(item)
    audit.record(
        actor=None,
        action=f"recording.attention.{kind}",
        obj=session,
        object_repr=subject or (str(session) if session else ""),
        changes={"message": message, "action": action_taken},
    )
    return item
