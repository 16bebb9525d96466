"""Recordings added on top of `seed_demo` for the crawl (which seeds none): finished sessions with files in
the previous billing month, and a recording, a scheduled and a completed one in the current month, so that
session, live, file, review and cost pages all have something to show. Deterministic for a given month, so
the cost figures computed from it can be compared across database backends."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from typing import Any

from django.test import Client

from billing.estimator.timeline import BILLING_TZ
from billing.report_data import month_bounds
from billing.services import billing_month
from recordings.models import RecordingFile, RecordingSession, Room
from recordings.sessions.lifecycle import SessionState, Trigger

S = SessionState

# (room key, day, hour, planned minutes, ran minutes or None, state, files as (storage, format))
PAST_MONTH: list[tuple[str, int, int, int, int | None, SessionState, tuple[tuple[str, str], ...]]] = [
    ("live-1001", 3, 20, 120, 120, S.COMPLETED, (("vod", "mp4"), ("vod", "hls"))),
    ("live-1001", 10, 20, 120, 95, S.COMPLETED, (("vod", "mp4"),)),
    ("live-1002", 5, 19, 180, 180, S.COMPLETED, (("cos", "mp4"),)),
    ("gift-2001", 5, 20, 60, 61, S.COMPLETED, (("vod", "mp4"),)),
    ("gift-2002", 12, 14, 90, None, S.CANCELLED, ()),
    ("class-math-7", 8, 9, 45, 3, S.FAILED, ()),
    ("class-phys-9", 20, 10, 240, 240, S.COMPLETED, (("vod", "hls"),)),
]


def previous_month(now: datetime) -> date:
    return (billing_month(now) - timedelta(days=1)).replace(day=1)


def _session(
    room: Room,
    start: datetime,
    planned: int,
    ran: int | None,
    state: SessionState,
    files: tuple[tuple[str, str], ...],
    *,
    label: str,
) -> RecordingSession:
    end = start + timedelta(minutes=planned)
    # Half a second past the minute: the cost report must read sub-second timestamps on every backend.
    ended = start + timedelta(minutes=ran, milliseconds=500) if ran is not None else None
    stream = f"cnr-{room.room_key}-{label}"
    session = RecordingSession.objects.create(
        room=room,
        trigger=Trigger.MANUAL,
        state=state,
        state_changed_at=ended or end,
        planned_start=start,
        planned_end=end,
        car_project_id=room.client_app.car_project_id,
        car_user_id=stream if ran is not None else "",
        concurrency_applied_at=start if ran is not None else None,
        stream_live_at=start + timedelta(seconds=20) if ran is not None else None,
        ended_at=ended if state != S.RECORDING else None,
        files_found=len(files),
        completed_at=ended if state == S.COMPLETED else None,
        failure_reason="Stream never went live (emulated failure)." if state == S.FAILED else "",
    )
    for storage, file_format in files:
        key = f"{stream}-{file_format}"
        RecordingFile.objects.create(
            session=session,
            room=room,
            storage=storage,
            file_id=key if storage == "vod" else "",
            cos_key=f"record/{stream}/{key}.{file_format}" if storage == "cos" else "",
            format=file_format,
            size_bytes=(ran or 0) * 45_000_000,
            duration_s=(ran or 0) * 60.0,
            content_start=start,
            content_end=ended or end,
            stream_name=stream,
            app_name=room.app_name,
        )
    return session


def seed_crawl_data(*, now: datetime, month: date | None = None) -> date:
    """Add the sessions (idempotent: nothing is added when the rooms already have sessions). Returns the past
    month (the one before `now` unless given) whose cost figures are compared."""
    month = month or previous_month(now)
    rooms = {room.room_key: room for room in Room.objects.all()}
    if RecordingSession.objects.exists():
        return month
    first = month_bounds(month)[0]
    for index, (key, day, hour, planned, ran, state, files) in enumerate(PAST_MONTH):
        start = first.replace(day=day, hour=hour)
        _session(rooms[key], start, planned, ran, state, files, label=f"p{index}")
    today = now.astimezone(BILLING_TZ).replace(minute=0, second=0, microsecond=0)
    _session(rooms["live-1003"], today - timedelta(hours=1), 120, 0, S.RECORDING, (), label="c0")
    _session(rooms["class-math-7"], today + timedelta(days=2), 60, None, S.SCHEDULED, (), label="c1")
    _session(
        rooms["gift-2001"], today - timedelta(hours=5), 30, 30, S.COMPLETED, (("vod", "mp4"),), label="c2"
    )
    return month


def cost_figures(client: Client, month: date) -> dict[str, Any]:
    """The month's cost report as a manager downloads it (CSV rows) and its component totals."""
    from billing.report_data import cost_report

    response = client.get("/costs/report.csv", {"month": f"{month:%Y-%m}"})
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    report = cost_report(month=month, now=month_bounds(month)[1] + timedelta(days=1)).report
    return {
        "status": response.status_code,
        "csv": rows,
        "components": [[c.name, str(c.estimate), str(c.actual)] for c in report.components],
    }
