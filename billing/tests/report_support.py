"""A hand-made December 2026 for the cost report tests (worked in test_reports.py's docstring)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.core.cache import cache

from billing.capacity_data import forget_bookings
from billing.report_cache import forget_report
from billing.tests.factories import at
from recordings.models import ClientApp, RecordingFile, RecordingSession, Room
from recordings.sessions.lifecycle import SessionState, Trigger

GIB = 1024**3


def make_app(name: str, spec: str, kbps: int) -> ClientApp:
    return ClientApp.objects.create(
        name=name, kind="APK", car_project_id="cap-test0001", concurrency_spec=spec, bitrate_kbps=kbps
    )


def make_room(app: ClientApp, key: str) -> Room:
    return Room.objects.create(name=f"Room {key}", room_key=key, stream_name=key, client_app=app)


def make_session(
    room: Room,
    planned: tuple[datetime, int],
    ran: tuple[datetime, int] | None,
    *,
    state: str = SessionState.COMPLETED,
    formats: tuple[str, ...] = (),
    size_bytes: int = 0,
) -> RecordingSession:
    start, minutes = planned
    session = RecordingSession.objects.create(
        room=room,
        trigger=Trigger.MANUAL,
        state=state,
        state_changed_at=start + timedelta(minutes=minutes),
        planned_start=start,
        planned_end=start + timedelta(minutes=minutes),
        car_project_id="cap-test0001",
        concurrency_applied_at=ran[0] if ran else None,
        ended_at=ran[0] + timedelta(minutes=ran[1]) if ran else None,
    )
    for file_format in formats:
        RecordingFile.objects.create(
            session=session,
            room=room,
            storage="vod",
            file_id=f"f{session.pk}{file_format}",
            format=file_format,
            content_start=start,
            content_end=start + timedelta(minutes=minutes),
            stream_name=room.stream_name,
            size_bytes=size_bytes,
        )
    return session


def worked_december() -> tuple[Room, Room]:
    """Room A (app Alpha, S, 8 Mbps): planned 2 h on Dec 3, ran 1 h (MP4); a cancelled plan on Dec 10.
    Room B (app Beta, M, 4 Mbps): planned and ran 2 h on Dec 5 (MP4 + HLS). Every file is 1 GiB."""
    alpha, beta = make_app("Alpha", "S", 8000), make_app("Beta", "M", 4000)
    room_a, room_b = make_room(alpha, "room-a"), make_room(beta, "room-b")
    make_session(room_a, (at(3, 10), 120), (at(3, 10), 60), formats=("mp4",), size_bytes=GIB)
    make_session(room_a, (at(10, 10), 60), None, state=SessionState.CANCELLED)
    make_session(room_b, (at(5, 20), 120), (at(5, 20), 120), formats=("mp4", "hls"), size_bytes=GIB)
    return room_a, room_b


def forget_cloud_figures(month: date = date(2026, 12, 1)) -> None:
    """Drop the cached Tencent figures of the month (usage with its channel peak), CAR's owned count, the
    month's cached report and the capacity calendar's bookings (a test has just changed the sessions)."""
    cache.delete_many([f"billing:usage:{month:%Y-%m}", "billing:car-owned"])
    forget_report(month)
    forget_bookings()
