from __future__ import annotations

from datetime import datetime

from alerts.models import Channel, ChannelKind, Rule, RuleKind
from alerts.rules import rules_ensure
from recordings.models import RecordingSession, Room
from recordings.review.tests.support import make_session
from recordings.sessions.lifecycle import SessionState


def rule_of(kind: RuleKind, **changes: object) -> Rule:
    rules_ensure()
    rule = Rule.objects.get(kind=kind)
    for name, value in changes.items():
        setattr(rule, name, value)
    rule.save()
    return rule


def email_channel(*rules: Rule, to: str = "oncall@example.com") -> Channel:
    channel = Channel.objects.create(name=f"mail {to}", kind=ChannelKind.EMAIL, target=to)
    for rule in rules:
        rule.channels.add(channel)
    return channel


def failed_session(
    room: Room, *, at: datetime, reason: str = "CreateSession: ResourceUnavailable"
) -> RecordingSession:
    session = make_session(room, start=at)
    RecordingSession.objects.filter(pk=session.pk).update(
        state=SessionState.FAILED, state_changed_at=at, failure_reason=reason
    )
    session.refresh_from_db()
    return session
