"""The recording session's state machine as pure data: states, allowed transitions and the start/stop steps.

Kept free of Django models so the rules can be read (and tested) in one place; the models and services
enforce them through `check_transition`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class SessionState(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    STARTING = "starting", _("Starting")
    RECORDING = "recording", pgettext_lazy("recording state", "Recording")
    STOPPING = "stopping", _("Stopping")
    FINALIZING = "finalizing", _("Finalizing")
    COMPLETED = "completed", _("Completed")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class Trigger(models.TextChoices):
    MANUAL = "manual", pgettext_lazy("recording trigger", "Manual")
    SCHEDULE = "schedule", pgettext_lazy("recording trigger", "Schedule")
    API = "api", _("API event")
    PUSH_CALLBACK = "push_callback", _("Push callback")


class Step(models.TextChoices):
    """The sub-steps of starting and stopping, in the order they run."""

    CONCURRENCY = "concurrency", _("Concurrency applied")
    CLOUD_SESSION = "cloud_session", _("Cloud session created")
    RECORD_TASK = "record_task", _("Record task created")
    PUSH = "push", pgettext_lazy("recording step", "Push started")
    LIVE = "live", _("Stream seen live")
    STOP_RECORD_TASK = "stop_record_task", _("Record task stopped")
    STOP_PUSH = "stop_push", _("Push stopped")
    DESTROY_SESSION = "destroy_session", _("Cloud session destroyed")
    FILES = "files", _("Recording files found")


def english(label: StrOrPromise) -> str:
    """A choice's label in English: the history rows and attention texts are stored once, in English, whatever
    the language of the request that wrote them (the pages show them as stored)."""
    with translation.override("en"):
        return str(label)


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
