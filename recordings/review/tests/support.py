"""Data builders of the moderation tests."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any, cast

from django.utils import timezone

from recordings.catalog.tests.factories import RoomFactory
from recordings.models import FileFormat, RecordingFile, RecordingSession, Room, StorageKind
from recordings.sessions.lifecycle import SessionState, Trigger

_numbers = itertools.count(1)


def make_room(**kwargs: Any) -> Room:
    return cast(Room, RoomFactory(**kwargs))


def make_session(room: Room, *, start: datetime, minutes: float = 60) -> RecordingSession:
    n = next(_numbers)
    return RecordingSession.objects.create(
        room=room,
        trigger=Trigger.MANUAL,
        state=SessionState.COMPLETED,
        state_changed_at=start,
        planned_start=start,
        planned_end=start + timedelta(minutes=minutes),
        car_project_id="cap-test0001",
        car_user_id=f"{room.stream_name}-r{n}",
    )


def make_file(
    *,
    room: Room | None = None,
    session: RecordingSession | None = None,
    start: datetime | None = None,
    duration_s: float = 60.0,
    url: str = "https://vod.example.com/a/b/file.mp4",
    fmt: str = FileFormat.MP4,
    file_id: str = "",
    cos_key: str = "",
    **extra: Any,
) -> RecordingFile:
    start = start or timezone.now() - timedelta(hours=1)
    room = room or (session.room if session else None)
    return RecordingFile.objects.create(
        room=room,
        session=session,
        storage=StorageKind.COS if cos_key else StorageKind.VOD,
        file_id="" if cos_key else file_id or f"5285890{next(_numbers):09d}",
        cos_key=cos_key,
        format=fmt,
        url=url,
        size_bytes=1_000_000,
        duration_s=duration_s,
        content_start=start,
        content_end=start + timedelta(seconds=duration_s),
        stream_name=room.stream_name if room else "stream",
        **extra,
    )
