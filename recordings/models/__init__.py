"""Recordings models, one module per area; import them from here (`from recordings.models import Room`)."""

from recordings.models.catalog import ClientApp, ClientAppKind, ConcurrencySpec, Room
from recordings.models.schedules import Schedule, ScheduleKind
from recordings.models.sessions import (
    Attention,
    AttentionKind,
    RecordingSession,
    RecordTask,
    SessionTransition,
)

__all__ = [
    "Attention",
    "AttentionKind",
    "ClientApp",
    "ClientAppKind",
    "ConcurrencySpec",
    "RecordTask",
    "RecordingSession",
    "Room",
    "Schedule",
    "ScheduleKind",
    "SessionTransition",
]
