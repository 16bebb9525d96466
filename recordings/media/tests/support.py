"""Helpers of the callbacks / live / files tests: signed CSS callbacks, sessions and recording files."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from django.test import Client
from django.utils import timezone

from recordings.catalog.tests.factories import RoomFactory
from recordings.models import (
    FileFormat,
    RecordingFile,
    RecordingSession,
    RecordTask,
    Room,
    StorageKind,
)
from recordings.sessions.lifecycle import SessionState, Trigger
from tencent import car

CALLBACK_KEY = "test-callback-key"
CALLBACK_URL = "/callbacks/css/"

# Tencent's documented example payloads (CSS doc 267/38080 and its per-event pages), minus t/sign.
PUSH_START_EXAMPLE: dict[str, Any] = {
    "app": "test.domain.com",
    "appid": 12345678,
    "appname": "live",
    "channel_id": "test_stream",
    "errcode": 0,
    "errmsg": "ok",
    "event_time": 1545115790,
    "event_type": 1,
    "set_id": 2,
    "node": "100.121.160.92",
    "sequence": "6674468118806626493",
    "stream_id": "test_stream",
    "stream_param": "stream_param=test",
    "user_ip": "119.29.94.245",
    "width": 0,
    "height": 0,
}
FILE_EXAMPLE: dict[str, Any] = {
    "event_type": 100,
    "appid": 12345678,
    "app": "yourapp",
    "callback_ext": '{"video_codec":"h264","resolution":"640x480"}',
    "appname": "yourappname",
    "stream_id": "stream_test",
    "channel_id": "stream_test",
    "file_id": "1234567890",
    "record_file_id": "1234567890",
    "file_format": "hls",
    "task_id": "UpTbk5RSVhRQFkAAfHwQCCjcRD0lRFcZ0xTSlNTQltlRVRLU1JAWW9EUb",
    "start_time": 1642089445,
    "end_time": 1642089598,
    "start_time_usec": 316441,
    "end_time_usec": 618577,
    "duration": 154,
    "file_size": 277941079,
    "stream_param": "stream_param=test",
    "video_url": "http://12345678.vod2.myqcloud.com/xxxx/yyyy/zzzz.m3u8",
    "media_start_time": 135802,
    "record_bps": 0,
}
SCREENSHOT_EXAMPLE: dict[str, Any] = {
    "event_type": 200,
    "appid": 12345678,
    "app": "test.domain.com",
    "appname": "live",
    "stream_id": "test_stream",
    "channel_id": "test_stream",
    "create_time": 1545115790,
    "file_size": 7766,
    "width": 640,
    "height": 360,
    "pic_url": "/path/name.jpg",
    "pic_full_url": "http://testbucket-1250000000.cos.ap-guangzhou.myqcloud.com/path/name.jpg",
}
ANOMALY_EXAMPLE: dict[str, Any] = {
    "event_type": 321,
    "stream_id": "test_stream",
    "domain": "test.domain.com",
    "path": "live",
    "sequence": "7311025473893449411",
    "data_time": 1545115790000,
    "abnormal_event": [
        {
            "type": 3,
            "count": 2,
            "detail": [
                {"desc": "video timestamp jumped", "occur_time": 1545115788000},
                {"desc": "video timestamp jumped", "occur_time": 1545115789000},
            ],
        },
        {"type": 6, "count": 1, "detail": [{"desc": "video frames late", "occur_time": 1545115789500}]},
    ],
}
RECORD_STATUS_EXAMPLE: dict[str, Any] = {
    "event_type": 332,
    "appid": 12345678,
    "stream_id": "test_stream",
    "task_id": "task-332",
    "record_event": "record_start_succeeded",
    "record_detail": {"file_format": 3},
    "event_time": 1545115790,
}


def sign(payload: dict[str, Any], *, key: str = CALLBACK_KEY, t: int | None = None) -> dict[str, Any]:
    t = int(time.time()) + 600 if t is None else t
    return {**payload, "t": t, "sign": hashlib.md5(f"{key}{t}".encode()).hexdigest()}


def post_callback(client: Client, payload: dict[str, Any], *, signed: bool = True, **sign_kwargs: Any) -> Any:
    body = sign(payload, **sign_kwargs) if signed else payload
    return client.post(CALLBACK_URL, data=json.dumps(body), content_type="application/json")


def at(unix: float) -> datetime:
    return datetime.fromtimestamp(unix, tz=UTC)


def make_room(**kwargs: Any) -> Room:
    return cast(Room, RoomFactory(**kwargs))


def make_session(
    room: Room, *, stream_name: str, start: datetime, minutes: int = 60, task_id: str = ""
) -> RecordingSession:
    session = RecordingSession.objects.create(
        room=room,
        trigger=Trigger.MANUAL,
        state=SessionState.RECORDING,
        state_changed_at=start,
        planned_start=start,
        planned_end=start + timedelta(minutes=minutes),
        car_project_id="cap-test0001",
        car_user_id=stream_name,
    )
    if task_id:
        RecordTask.objects.create(
            session=session, task_id=task_id, start_time=start, end_time=start + timedelta(minutes=minutes)
        )
    return session


def make_file(
    *,
    room: Room | None = None,
    session: RecordingSession | None = None,
    file_id: str = "",
    cos_key: str = "",
    fmt: str = FileFormat.MP4,
    url: str = "https://vod.example.com/a/b/file.mp4",
    start: datetime | None = None,
    duration_s: float = 60.0,
    size_bytes: int = 1_000_000,
    **extra: Any,
) -> RecordingFile:
    start = start or timezone.now() - timedelta(hours=1)
    storage = StorageKind.COS if cos_key else StorageKind.VOD
    return RecordingFile.objects.create(
        room=room,
        session=session,
        storage=storage,
        file_id=file_id if storage == StorageKind.VOD else "",
        cos_key=cos_key,
        format=fmt,
        url=url,
        size_bytes=size_bytes,
        duration_s=duration_s,
        content_start=start,
        content_end=start + timedelta(seconds=duration_s),
        stream_name=room.stream_name if room else "stream",
        **extra,
    )


def start_push(user_id: str) -> None:
    """What CAR does for a session: a concurrency, a cloud session, and its push to CSS stream `user_id`."""
    car.apply_concurrent(user_id=user_id, user_ip="10.0.0.1", project_id="cap-media0001")
    car.create_session(user_id=user_id, user_ip="10.0.0.1")
    car.start_publish_stream(user_id=user_id)


def wait_for(condition: Callable[[], object], *, timeout_s: float = 30, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)
