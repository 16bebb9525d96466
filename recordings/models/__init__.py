"""Recordings models, one module per area; import them from here (`from recordings.models import Room`)."""

from recordings.models.catalog import ClientApp, ClientAppKind, ConcurrencySpec, Room
from recordings.models.media import (
    AnomalyType,
    CallbackEventType,
    CallbackState,
    CssCallbackEvent,
    FileFormat,
    FileSource,
    PushAnomaly,
    RecordEvent,
    RecordingFile,
    RecordStatusChange,
    ReviewStatus,
    StorageKind,
    StreamPush,
    StreamScreenshot,
)
from recordings.models.schedules import Schedule, ScheduleKind
from recordings.models.sessions import (
    Attention,
    AttentionKind,
    RecordingSession,
    RecordTask,
    SessionTransition,
)

__all__ = [
    "AnomalyType",
    "Attention",
    "AttentionKind",
    "CallbackEventType",
    "CallbackState",
    "ClientApp",
    "ClientAppKind",
    "ConcurrencySpec",
    "CssCallbackEvent",
    "FileFormat",
    "FileSource",
    "PushAnomaly",
    "RecordEvent",
    "RecordStatusChange",
    "RecordTask",
    "RecordingFile",
    "RecordingSession",
    "ReviewStatus",
    "Room",
    "Schedule",
    "ScheduleKind",
    "SessionTransition",
    "StorageKind",
    "StreamPush",
    "StreamScreenshot",
]
