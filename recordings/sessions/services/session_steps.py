"""The session-writing primitives every part of the orchestration shares: outcomes, the exceptions that steer a
drive, and compare-and-set writes of the session with their history rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from recordings.models import RecordingSession, SessionTransition
from recordings.sessions.lifecycle import SessionState, Step, check_transition, english
from webhooks import events as webhook_events


@dataclass(frozen=True)
class Outcome:
    """What a drive achieved: the state it left the session in and when to look at it again (None = only
    when something happens)."""

    state: str
    retry_at: datetime | None
    busy: bool = False


class StateChanged(Exception):
    """Someone else moved the session to another state; re-read and carry on from there."""


class StepFailed(Exception):
    def __init__(self, step: Step, reason: str) -> None:
        super().__init__(reason)
        self.step = step
        self.reason = reason


class StepRetry(Exception):
    def __init__(self, retry_at: datetime, note: str) -> None:
        super().__init__(note)
        self.retry_at = retry_at
        self.note = note


# --- writing the session ---------------------------------------------------------------------------------------


def write(session: RecordingSession, **fields: Any) -> None:
    """Update only these fields (never a whole-row save that would undo a concurrent callback's write)."""
    RecordingSession.objects.filter(pk=session.pk).update(**fields, updated_at=timezone.now())
    for name, value in fields.items():
        setattr(session, name, value)


def transition(
    session: RecordingSession,
    target: SessionState,
    *,
    now: datetime,
    reason: str,
    step: Step | str = "",
    actor: User | None = None,
    **fields: Any,
) -> None:
    """Compare-and-set the state and write the history row, atomically; StateChanged if it moved meanwhile."""
    check_transition(session.state, target)
    with transaction.atomic():
        changed = RecordingSession.objects.filter(pk=session.pk, state=session.state).update(
            state=target, state_changed_at=now, updated_at=timezone.now(), **fields
        )
        if not changed:
            raise StateChanged
        SessionTransition.objects.create(
            session=session,
            from_state=session.state,
            to_state=target,
            step=step,
            reason=reason,
            actor=actor,
            at=now,
        )
        webhook_events.session_changed(session, source=session.state, target=target)
    session.state = target
    session.state_changed_at = now
    for name, value in fields.items():
        setattr(session, name, value)


def note_step(session: RecordingSession, step: Step, *, now: datetime, reason: str = "") -> None:
    """A sub-step finished: a history row without a state change (the timeline shows it)."""
    SessionTransition.objects.create(
        session=session,
        from_state=session.state,
        to_state=session.state,
        step=step,
        reason=reason or english(step.label),
        at=now,
    )


def step_done(session: RecordingSession, step: Step, now: datetime, **fields: Any) -> None:
    """Write a finished step, unless the state moved meanwhile (a stop during the start wins: StateChanged,
    and the stop steps release whatever this step created)."""
    with transaction.atomic():  # one commit for the progress and its history row
        changed = RecordingSession.objects.filter(pk=session.pk, state=session.state).update(
            step_attempts=0, last_error="", updated_at=timezone.now(), **fields
        )
        if not changed:
            raise StateChanged
        for name, value in {"step_attempts": 0, "last_error": "", **fields}.items():
            setattr(session, name, value)
        note_step(session, step, now=now)
