"""The recording session's state machine as pure data: states, allowed transitions and the start/stop steps.

Kept free of Django models so the rules can be read (and tested) in one place; the models and services
enforce them through `check_transition`.
"""

from __future__ import annotations

from django.db import models


class SessionState(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    STARTING = "starting", "Starting"
    RECORDING = "recording", "Recording"
    STOPPING = "stopping", "Stopping"
    FINALIZING = "finalizing", "Finalizing"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class Trigger(models.TextChoices):
    MANUAL = "manual", "Manual"
    SCHEDULE = "schedule", "Schedule"
    API = "api", "API event"
    PUSH_CALLBACK = "push_callback", "Push callback"


class Step(models.TextChoices):
    """The sub-steps of starting and stopping, in the order they run."""

    CONCURRENCY = "concurrency", "Concurrency applied"
    CLOUD_SESSION = "cloud_session", "Cloud session created"
    RECORD_TASK = "record_task", "Record task created"
    PUSH = "push", "Push started"
    LIVE = "live", "Stream seen live"
    STOP_RECORD_TASK = "stop_record_task", "Record task stopped"
    STOP_PUSH = "stop_push", "Push stopped"
    DESTROY_SESSION = "destroy_session", "Cloud session destroyed"
    FILES = "files", "Recording files found"


START_STEPS: tuple[Step, ...] = (Step.CONCURRENCY, Step.CLOUD_SESSION, Step.RECORD_TASK, Step.PUSH, Step.LIVE)
STOP_STEPS: tuple[Step, ...] = (Step.STOP_RECORD_TASK, Step.STOP_PUSH, Step.DESTROY_SESSION, Step.FILES)

S = SessionState
TRANSITIONS: dict[SessionState, frozenset[SessionState]] = {
    S.SCHEDULED: frozenset({S.STARTING, S.CANCELLED, S.FAILED}),
    # A start that fails goes through `stopping` to undo what it did; `failed` directly only when nothing
    # reached the cloud yet.
    S.STARTING: frozenset({S.RECORDING, S.STOPPING, S.FAILED}),
    S.RECORDING: frozenset({S.STOPPING}),
    # Stopped before the stream ever went live: nothing was recorded, so there is nothing to finalize.
    S.STOPPING: frozenset({S.FINALIZING, S.FAILED, S.CANCELLED}),
    S.FINALIZING: frozenset({S.COMPLETED, S.FAILED}),
    S.COMPLETED: frozenset(),
    S.FAILED: frozenset(),
    S.CANCELLED: frozenset(),
}
TERMINAL_STATES = frozenset({S.COMPLETED, S.FAILED, S.CANCELLED})
# The room is being recorded: at most one such session per room.
ACTIVE_STATES = frozenset({S.STARTING, S.RECORDING, S.STOPPING})
# Sessions the orchestrator still has to drive.
OPEN_STATES = frozenset({S.SCHEDULED, S.STARTING, S.RECORDING, S.STOPPING, S.FINALIZING})


class InvalidTransition(Exception):
    def __init__(self, source: str, target: str) -> None:
        super().__init__(f"A recording cannot go from {source} to {target}.")
        self.source = source
        self.target = target


def can_transition(source: str, target: str) -> bool:
    return SessionState(target) in TRANSITIONS[SessionState(source)]


def check_transition(source: str, target: str) -> None:
    if not can_transition(source, target):
        raise InvalidTransition(source, target)
