"""Applying a stored CSS callback event: one handler per event type, each idempotent (see callbacks.py).

Every derived row has its own natural key (a push by stream + sequence, a file by FileId or COS key, ...) and
the state changes only move forward (a push that ended stays ended when its late start arrives), so replaying an
event or getting the same fact twice changes nothing twice. The apply jobs call these in each stream's arrival
order; they do not rely on it (CSS itself may deliver out of order).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar, cast
from urllib.parse import unquote, urlsplit

from django.conf import settings

from recordings.models import (
    CallbackEventType,
    CssCallbackEvent,
    FileFormat,
    FileSource,
    PushAnomaly,
    RecordingFile,
    RecordingSession,
    RecordStatusChange,
    RecordTask,
    Room,
    StorageKind,
    StreamPush,
    StreamScreenshot,
)
from recordings.review.enqueue import enqueue_qa_checks
from recordings.sessions.services import sessions as session_hooks
from webhooks import events as webhook_events

Payload = dict[str, Any]
_Found = TypeVar("_Found")
_Row = TypeVar("_Row", PushAnomaly, RecordStatusChange)
EVENT_TYPE_TEXT = re.compile(r"-?[0-9]{1,10}")
# End reasons of a push closed before its own end callback arrived: because a later push of its stream started,
# or because the reconciliation found CSS no longer lists it. Its real end, when it comes, replaces them.
SUPERSEDED = "superseded by a later push"
NOT_ONLINE = "not online per CSS (end callback lost)"


def event_type_of(payload: Payload) -> int | None:
    value = payload.get("event_type")
    if isinstance(value, str) and EVENT_TYPE_TEXT.fullmatch(value.strip()):
        value = int(value)
    # Stored in an integer column: anything else (Unicode digits, 1e20) is an unknown type, kept as None.
    if isinstance(value, int) and not isinstance(value, bool) and -(2**31) <= value < 2**31:
        return value
    return None


# --- event handlers ---------------------------------------------------------------------------------


def _push_started(event: CssCallbackEvent) -> None:
    payload, at = event.payload, event_time(event.payload) or event.received_at
    push = _locked_push(event.payload)
    was_live = push.is_live
    # Only a start event sets the start for good (an end arriving first only estimated it from push_duration).
    push.started_at = at
    if push.session_id is None and push.room_id is None:
        push.session, push.room = _session_and_room(push.stream_name, at)
    push.width, push.height = _int(payload.get("width")), _int(payload.get("height"))
    push.user_ip = str(payload.get("user_ip") or "")[:64]
    newer = (
        StreamPush.objects.filter(stream_name=push.stream_name, started_at__gt=at)
        .exclude(pk=push.pk)
        .order_by("started_at")
        .first()
    )
    if push.ended_at is None and newer is not None:
        # A later push of this stream already started, so this one is over even though its end was lost.
        push.ended_at, push.end_reason = newer.started_at, SUPERSEDED
    push.save()
    if push.ended_at is not None or was_live:
        return  # its end arrived first (nothing is live any more), or this start was already applied
    # An older push whose end was lost cannot still be live now that the stream pushes again.
    StreamPush.objects.live().filter(stream_name=push.stream_name, started_at__lt=at).update(
        ended_at=at, end_reason=SUPERSEDED
    )
    if push.session_id is not None:
        session_hooks.session_stream_live(session_id=push.session_id, at=at)
    if push.room_id is not None and _is_rooms_own_stream(push):
        session_hooks.room_push_started(room_id=push.room_id, stream_name=push.stream_name, at=at)


def _push_ended(event: CssCallbackEvent) -> None:
    payload, at = event.payload, event_time(event.payload) or event.received_at
    push = _locked_push(payload)
    if push.ended_at is not None and push.end_reason not in (SUPERSEDED, NOT_ONLINE):
        return  # its own end was applied already
    was_superseded = push.ended_at is not None and push.end_reason == SUPERSEDED
    push.ended_at = at
    push.end_reason = str(payload.get("errmsg") or "")[:255]
    if push.started_at is None:
        duration_ms = _int(payload.get("push_duration"))
        push.started_at = at - timedelta(milliseconds=duration_ms) if duration_ms else None
        push.session, push.room = _session_and_room(push.stream_name, push.started_at or at)
    push.save()
    if was_superseded:
        return  # the stream had already moved on to a later push: only the record is corrected
    if StreamPush.objects.live().filter(stream_name=push.stream_name, started_at__gte=at).exists():
        return  # a stale end: the stream is pushing again
    if push.session_id is not None:
        session_hooks.session_stream_ended(session_id=push.session_id, at=at)
    if push.room_id is not None and _is_rooms_own_stream(push):
        session_hooks.room_push_ended(room_id=push.room_id, stream_name=push.stream_name, at=at)


def _recording_file(event: CssCallbackEvent) -> None:
    payload = event.payload
    file_id = str(payload.get("file_id") or "")
    url = str(payload.get("video_url") or "")
    storage = StorageKind.VOD if file_id else StorageKind.COS
    cos_key = "" if file_id else cos_key_from_url(url)
    end = _timestamp(payload.get("end_time"), payload.get("end_time_usec")) or event.received_at
    duration = max(_float(payload.get("duration")), 0.0)
    content_start = end - timedelta(seconds=duration)
    ext = _callback_ext(payload.get("callback_ext"))
    stream = stream_of(payload)
    task_id = str(payload.get("task_id") or "")
    values = {
        "format": _file_format(payload.get("file_format"), url),
        "url": url,
        "size_bytes": max(_int(payload.get("file_size")), 0),
        "duration_s": duration,
        "content_start": content_start,
        "content_end": end,
        "codec": str(ext.get("video_codec") or "")[:32],
        "resolution": str(ext.get("resolution") or "")[:16],
        "stream_name": stream[:128],
        "app_name": str(payload.get("appname") or "")[:64],
        "task_id": task_id[:128],
    }
    lookup = {"storage": storage, "file_id": file_id} if file_id else {"storage": storage, "cos_key": cos_key}
    recording = RecordingFile.objects.select_for_update().filter(**lookup).first()
    if recording is None:
        session, room = _file_session_and_room(task_id=task_id, stream_name=stream, at=content_start)
        recording = RecordingFile.objects.create(
            **lookup, **values, session=session, room=room, source=FileSource.CALLBACK
        )
        enqueue_qa_checks(recording.pk)
        webhook_events.file_changed(recording)
    else:
        # The periodic sync found it first (or a replay): the callback knows more, fill in what is missing.
        for name, value in values.items():
            if value and not getattr(recording, name):
                setattr(recording, name, value)
        if recording.session_id is None:
            recording.session, room = _file_session_and_room(
                task_id=task_id, stream_name=stream, at=content_start
            )
            recording.room = recording.room or room
        recording.save()
    if recording.session_id is not None:
        session_hooks.session_file_arrived(session_id=recording.session_id)


def _screenshot(event: CssCallbackEvent) -> None:
    payload = event.payload
    stream = stream_of(payload)
    full_url = str(payload.get("pic_full_url") or payload.get("pic_url") or "")
    if not full_url:
        raise ValueError("The screenshot callback has no pic_full_url or pic_url.")
    taken_at = _timestamp(payload.get("create_time")) or event.received_at
    if StreamScreenshot.objects.filter(pic_full_url=full_url).exists():
        return
    session, room = _session_and_room(stream, taken_at)
    StreamScreenshot.objects.create(
        stream_name=stream[:128],
        session=session,
        room=room,
        taken_at=taken_at,
        pic_url=str(payload.get("pic_url") or full_url)[:1000],
        pic_full_url=full_url[:1000],
        width=max(_int(payload.get("width")), 0),
        height=max(_int(payload.get("height")), 0),
        size_bytes=max(_int(payload.get("file_size")), 0),
    )


def _push_anomaly(event: CssCallbackEvent) -> None:
    payload = event.payload
    stream = stream_of(payload)
    reported_at = _timestamp_ms(payload.get("data_time")) or event.received_at
    session, room = _session_and_room(stream, reported_at)
    for item in payload.get("abnormal_event") or []:
        if not isinstance(item, dict):
            continue
        details = [d for d in item.get("detail") or [] if isinstance(d, dict)]
        occurred = [t for t in (_timestamp_ms(d.get("occur_time")) for d in details) if t is not None]
        _created_once(
            PushAnomaly,
            event=event,
            anomaly_type=_int(item.get("type")),
            defaults={
                "stream_name": stream[:128],
                "session": session,
                "room": room,
                "occurred_at": min(occurred) if occurred else reported_at,
                "count": max(_int(item.get("count")), 1),
                "details": details,
            },
        )


def _record_status(event: CssCallbackEvent) -> None:
    payload = event.payload
    stream = stream_of(payload)
    at = event_time(payload) or event.received_at
    task_id = str(payload.get("task_id") or "")
    session, _room = _file_session_and_room(task_id=task_id, stream_name=stream, at=at)
    detail = payload.get("record_detail")
    _created_once(
        RecordStatusChange,
        event=event,
        defaults={
            "task_id": task_id[:128],
            "stream_name": stream[:128],
            "session": session,
            "record_event": str(payload.get("record_event") or "")[:32],
            "at": at,
            "detail": detail if isinstance(detail, dict) else {},
        },
    )


# Event 341 (abnormal recording, document/product/267/68622): not among CallbackEventType's choices (that
# would need a migration), handled by its number; its exception types are negative, 321's positive, so both
# share PushAnomaly without clashing.
RECORDING_ANOMALY = 341


def _recording_anomaly(event: CssCallbackEvent) -> None:
    payload = event.payload
    stream = stream_of(payload)
    reported_at = _timestamp(payload.get("timestamp")) or event.received_at
    session, room = _session_and_room(stream, reported_at)
    raw = payload.get("exception")
    items = raw if isinstance(raw, list) else [raw] if isinstance(raw, dict) else []
    for item in items:
        if not isinstance(item, dict):
            continue
        detail = {
            "desc": str(item.get("desc") or ""),
            "level": str(payload.get("exception_level") or ""),
            "file_format": str(payload.get("file_format") or ""),
            "record_session": str(payload.get("session_id") or ""),
        }
        _created_once(
            PushAnomaly,
            event=event,
            anomaly_type=_int(item.get("type")),
            defaults={
                "stream_name": stream[:128],
                "session": session,
                "room": room,
                "occurred_at": reported_at,
                "count": max(_int(item.get("occurs")), 1),
                "details": [detail],
            },
        )


HANDLERS: dict[int, Callable[[CssCallbackEvent], None]] = {
    RECORDING_ANOMALY: _recording_anomaly,
    CallbackEventType.PUSH_STARTED: _push_started,
    CallbackEventType.PUSH_ENDED: _push_ended,
    CallbackEventType.RECORDING_FILE: _recording_file,
    CallbackEventType.SCREENSHOT: _screenshot,
    CallbackEventType.PUSH_ANOMALY: _push_anomaly,
    CallbackEventType.RECORD_STATUS: _record_status,
}


def _created_once(model: type[_Row], *, defaults: dict[str, Any], **lookup: Any) -> _Row:
    """get_or_create without its savepoint (two of an apply's round trips): the rows keyed by an event are only
    ever created while that event's row is locked (its lane's job, or a replay), so no one else inserts them at
    the same time and there is no race for a savepoint to catch."""
    return model.objects.filter(**lookup).first() or model.objects.create(**lookup, **defaults)


# --- linking ------------------------------------------------------------------------------------------


def _locked_push(payload: Payload) -> StreamPush:
    push, _created = StreamPush.objects.select_for_update().get_or_create(
        stream_name=stream_of(payload)[:128],
        sequence=str(payload.get("sequence") or "")[:64],
        defaults={
            "app_name": str(payload.get("appname") or "")[:64],
            "domain": str(payload.get("app") or "")[:253],
        },
    )
    return push


# The events of one apply batch (one transaction) look up the same streams' sessions, record tasks and rooms
# again and again: the batch remembers what it found, never what it did not (a row created meanwhile is seen). A
# stream names at most one session (car_user_id is unique), so the time a lookup gives never changes its answer.
_found: ContextVar[dict[tuple[str, str], Any] | None] = ContextVar("callback_batch_lookups", default=None)


@contextmanager
def batch_lookups() -> Iterator[None]:
    token = _found.set({})
    try:
        yield
    finally:
        _found.reset(token)


def _remembered(kind: str, key: str, look: Callable[[], _Found | None]) -> _Found | None:
    found = _found.get()
    if found is not None and (kind, key) in found:
        return cast("_Found", found[(kind, key)])
    value = look()
    if found is not None and value is not None:
        found[(kind, key)] = value
    return value


def _session_and_room(stream_name: str, at: datetime) -> tuple[RecordingSession | None, Room | None]:
    session = _remembered(
        "session", stream_name, lambda: RecordingSession.objects.session_for_stream(stream_name, at)
    )
    return session, _room_of(session, stream_name)


def _file_session_and_room(
    *, task_id: str, stream_name: str, at: datetime
) -> tuple[RecordingSession | None, Room | None]:
    """A file belongs to the session that created its record task, else to the stream's session at that time."""
    task = (
        _remembered(
            "task",
            task_id,
            lambda: RecordTask.objects.select_related("session__room").filter(task_id=task_id).first(),
        )
        if task_id
        else None
    )
    if task is None:
        return _session_and_room(stream_name, at)
    return task.session, _room_of(task.session, stream_name)


def _is_rooms_own_stream(push: StreamPush) -> bool:
    """An anchor pushing to the room's own stream (not a console session's stream): the room hooks apply."""
    return push.room is not None and push.room.stream_name == push.stream_name


def _room_of(session: RecordingSession | None, stream_name: str) -> Room | None:
    """The session's room, else the room whose own stream this is (a push not started by the console)."""
    if session is not None:
        return session.room
    if not stream_name:
        return None
    return _remembered("room", stream_name, lambda: Room.objects.filter(stream_name=stream_name).first())


# --- field parsing ------------------------------------------------------------------------------------


def stream_of(payload: Payload) -> str:
    return str(payload.get("stream_id") or payload.get("channel_id") or "")


def event_time(payload: Payload) -> datetime | None:
    event_type = event_type_of(payload)
    if event_type == CallbackEventType.RECORDING_FILE:
        return _timestamp(payload.get("end_time"), payload.get("end_time_usec"))
    if event_type == CallbackEventType.SCREENSHOT:
        return _timestamp(payload.get("create_time"))
    if event_type == CallbackEventType.PUSH_ANOMALY:
        return _timestamp_ms(payload.get("data_time"))
    return _timestamp(payload.get("event_time"))


def _timestamp(seconds: Any, usec: Any = None) -> datetime | None:
    value = _float(seconds)
    if value <= 0:
        return None
    try:
        return datetime.fromtimestamp(value + _int(usec) / 1_000_000, tz=UTC)
    except (OverflowError, OSError, ValueError):  # a time no calendar holds: treat as missing
        return None


def _timestamp_ms(millis: Any) -> datetime | None:
    return _timestamp(_float(millis) / 1000)


def _int(value: Any) -> int:
    try:
        return int(float(value))
    except (TypeError, ValueError, OverflowError):
        return 0


def _float(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return 0.0
    return number if number == number and abs(number) != float("inf") else 0.0


def _callback_ext(raw: Any) -> dict[str, Any]:
    if isinstance(raw, dict):
        return raw
    try:
        parsed = json.loads(raw) if isinstance(raw, str) and raw else {}
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _file_format(raw: Any, url: str) -> str:
    value = str(raw or "").lower()
    if value in FileFormat.values:
        return value
    suffix = url.rsplit(".", 1)[-1].lower() if "." in url else ""
    return {"m3u8": FileFormat.HLS, "mp4": FileFormat.MP4, "flv": FileFormat.FLV}.get(suffix, FileFormat.MP4)


def cos_key_from_url(url: str) -> str:
    """The object key of a COS URL (`https://<bucket>.cos.<region>.myqcloud.com/<key>`)."""
    path = unquote(urlsplit(url).path).lstrip("/")
    bucket_prefix = f"{settings.COS_BUCKET}/"
    return path[len(bucket_prefix) :] if path.startswith(bucket_prefix) else path
