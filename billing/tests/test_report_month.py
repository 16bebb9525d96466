"""The month's sessions as the cost report reads them: the index-friendly filter selects exactly what the former
one did, so the report's numbers are unchanged at the month's edges; and the report is priced with the garbage
collector running."""

from __future__ import annotations

import gc
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.db.models import Q
from django.urls import reverse

from billing import report_data
from billing.estimator.output import cents
from billing.report_data import cost_report, month_bounds, month_sessions
from billing.tests.factories import at
from billing.tests.report_support import forget_cloud_figures, make_app, make_room, make_session
from billing.usage import UsageResult
from recordings.models import RecordingFile, RecordingSession
from recordings.sessions.lifecycle import SessionState

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("list_price_book")]

DECEMBER = date(2026, 12, 1)
AFTER_DECEMBER = datetime(2027, 1, 2, tzinfo=UTC)


def former_month_sessions(month: date) -> Any:
    """The filter before issue #15 (an OR nested inside an AND: no index could serve it): the reference."""
    lo, hi = month_bounds(month)
    planned = Q(planned_start__lt=hi, planned_end__gt=lo)
    ran = Q(concurrency_applied_at__lt=hi) & (Q(ended_at__isnull=True) | Q(ended_at__gt=lo))
    return RecordingSession.objects.filter(planned | ran)


def add_file(session: RecordingSession, file_format: str, storage: str, content_start: datetime) -> None:
    RecordingFile.objects.create(
        session=session,
        room=session.room,
        storage=storage,
        file_id=f"edge{session.pk}{file_format}" if storage == "vod" else "",
        cos_key=f"edge/{session.pk}/{file_format}" if storage == "cos" else "",
        format=file_format,
        content_start=content_start,
        content_end=content_start + timedelta(minutes=30),
        stream_name=session.room.stream_name,
        discovered_at=content_start,
    )


def edge_cases() -> dict[str, RecordingSession]:
    lo = at(1)  # 1 December 00:00 UTC+8
    hi = at(1, month=date(2027, 1, 1))
    room = make_room(make_app("Edge", "M", 6000), "edge")
    other = make_room(make_app("Other", "S", 4000), "other")
    cases = {
        # Planned and run across the month's start: counts from 00:00 on.
        "across start": make_session(room, (lo - timedelta(hours=1), 120), (lo - timedelta(hours=1), 120)),
        # Planned to end before the month, ran into it (late stop): only the run is in December.
        "ran into": make_session(room, (lo - timedelta(hours=3), 60), (lo - timedelta(hours=3), 200)),
        # Ended exactly at the month's first instant (half-open): not December's.
        "ended at start": make_session(other, (lo - timedelta(hours=1), 60), (lo - timedelta(hours=1), 60)),
        # Starts at the next month's first instant: not December's.
        "starts at end": make_session(other, (hi, 60), (hi, 60)),
        # Planned in the month, started exactly at its first instant.
        "at start": make_session(room, (lo, 45), (lo, 45)),
        # Across the month's end, planned and run.
        "across end": make_session(other, (hi - timedelta(minutes=30), 90), (hi - timedelta(minutes=30), 90)),
        # Still recording since November (no end yet): costs until `now`.
        "running": make_session(
            room, (lo - timedelta(days=2), 60), (lo - timedelta(days=2), 0), state=SessionState.RECORDING
        ),
        # Failed in November with no end: held a concurrency, stopped costing at its last state change.
        "failed before": make_session(
            other, (lo - timedelta(days=5), 60), (lo - timedelta(days=5), 0), state=SessionState.FAILED
        ),
        # Cancelled in December before it ran: in the month, never costs.
        "cancelled": make_session(room, (at(12, 9), 60), None, state=SessionState.CANCELLED),
        # Long finished in October: never read.
        "october": make_session(other, (lo - timedelta(days=40), 60), (lo - timedelta(days=40), 60)),
    }
    RecordingSession.objects.filter(pk__in=[cases["running"].pk, cases["failed before"].pk]).update(
        ended_at=None
    )
    # Files created at the boundary: an HLS file in COS whose content starts at 00:00 of the 1st, an MP4 whose
    # content starts the instant before; a session whose only file is an HLS in VOD (the default's count).
    add_file(cases["across start"], "mp4", "vod", lo - timedelta(microseconds=1))
    add_file(cases["across start"], "hls", "cos", lo)
    add_file(cases["ran into"], "hls", "vod", lo)
    add_file(cases["across end"], "mp4", "vod", hi - timedelta(minutes=30))
    add_file(cases["across end"], "flv", "vod", hi)
    return cases


def test_the_month_filter_selects_what_the_former_one_did():
    cases = edge_cases()
    for month in (date(2026, 11, 1), DECEMBER, date(2027, 1, 1)):
        assert set(month_sessions(month).values_list("pk", flat=True)) == set(
            former_month_sessions(month).values_list("pk", flat=True)
        )
    december = set(month_sessions(DECEMBER).values_list("pk", flat=True))
    outside = {"ended at start", "starts at end", "october"}
    assert december == {s.pk for name, s in cases.items() if name not in outside}


def test_edge_cases_price_as_with_the_former_filter(monkeypatch):
    edge_cases()
    now = at(1, 12)  # the running session is half a day in
    new = cost_report(month=DECEMBER, now=now).report
    monkeypatch.setattr(report_data, "month_sessions", former_month_sessions)
    old = cost_report(month=DECEMBER, now=now).report
    assert [(c.name, c.estimate, c.actual) for c in new.components] == [
        (c.name, c.estimate, c.actual) for c in old.components
    ]
    assert [(r.name, r.actual, r.estimate) for r in new.by_room] == [
        (r.name, r.actual, r.estimate) for r in old.by_room
    ]
    # The report did price the edges: the running session's 60 h and the late stop's December part.
    edge = {r.name: r for r in new.by_room}["Room edge"]
    assert edge.actual.sessions == 4 and cents(edge.actual.total) > 0


def test_the_report_is_priced_with_the_garbage_collector_on(client_as, manager, monkeypatch):
    """No process-wide switch inside a request: the collector stays enabled while the month is read and priced."""
    from django.core.cache import cache

    forget_cloud_figures()
    cache.set("billing:usage:2026-12", UsageResult(None, "Tencent is not asked in this test."), 60)
    monkeypatch.setattr("billing.views.reports.timezone.now", lambda: AFTER_DECEMBER)
    edge_cases()
    seen: list[tuple[str, bool]] = []

    def watching(name: str, original: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            seen.append((name, gc.isenabled()))
            result = original(*args, **kwargs)
            seen.append((name, gc.isenabled()))
            return result

        return wrapper

    monkeypatch.setattr(report_data, "session_columns", watching("rows", report_data.session_columns))
    monkeypatch.setattr(report_data, "month_report", watching("pricing", report_data.month_report))
    import billing.reports as reports

    monkeypatch.setattr(reports, "price_month", watching("estimator", reports.price_month))
    assert gc.isenabled()
    response = client_as(manager).get(reverse("billing:report"), {"month": "2026-12"})
    assert response.status_code == 200 and "Room edge" in response.content.decode()
    assert {name for name, _ in seen} == {"rows", "pricing", "estimator"}
    assert all(enabled for _, enabled in seen), seen
    assert gc.isenabled()
    forget_cloud_figures()


def reference_columns(month: date) -> dict[int, tuple[Any, ...]]:
    """Each of the month's sessions read one by one through the ORM: the plain reading the report's column
    queries (one row of arrays on PostgreSQL, the candidate files grouped) must agree with."""
    found = {}
    for session in month_sessions(month).select_related("room__client_app"):
        files = list(RecordingFile.objects.filter(session=session))
        app = session.room.client_app
        found[session.pk] = (
            session.room_id,
            session.state,
            session.planned_start,
            session.concurrency_applied_at,
            session.ended_at,
            app.bitrate_kbps * 1000,
            len({f.format for f in files}) or 1,
            any(f.storage == "cos" for f in files),
        )
    return found


def test_the_session_columns_are_the_sessions_as_read_one_by_one():
    cases = edge_cases()
    # One MP4 in COS (COS, one channel); two MP4s, one in VOD, one in COS (still one channel); an AAC alone
    # (one channel).
    add_file(cases["at start"], "mp4", "cos", at(1))
    add_file(cases["cancelled"], "mp4", "vod", at(12, 9))
    add_file(cases["cancelled"], "mp4", "cos", at(12, 10))
    add_file(cases["running"], "aac", "vod", at(1))
    columns = report_data.session_columns(DECEMBER)
    epoch = datetime(1970, 1, 1, tzinfo=UTC)

    def instant(value: int | None) -> datetime | None:
        return None if value is None else epoch + timedelta(microseconds=value)

    read = list(
        zip(
            columns.room_ids,
            columns.states,
            map(instant, columns.planned_starts),
            map(instant, columns.applied),
            map(instant, columns.ended),
            columns.bps,
            columns.channels,
            columns.to_cos,
            strict=True,
        )
    )
    expected = reference_columns(DECEMBER)
    assert Counter(read) == Counter(expected.values())
    # Each case is its room and planned start.
    by_case = {
        name: next(r for r in read if r[:1] + r[2:3] == (s.room_id, s.planned_start))
        for name, s in cases.items()
        if s.pk in expected
    }
    assert by_case["across start"][6:] == (2, True) and by_case["across end"][6:] == (2, False)
    assert by_case["at start"][6:] == (1, True) and by_case["cancelled"][6:] == (1, True)
    assert by_case["running"][6:] == (1, False) and by_case["ran into"][6:] == (1, False)


def test_transposed_columns_are_the_rows_columns_in_order():
    edge_cases()
    query = month_sessions(DECEMBER).order_by("pk")
    # Fields and expressions interleaved, a NULL among them: the columns come back in the order asked.
    rows = query.values_list(
        "state", report_data.EpochMicros("ended_at"), "pk", "room__client_app__concurrency_spec"
    )
    transposed = report_data.transposed(rows)
    assert len(transposed[0]) == 7 and None in transposed[1]
    assert Counter(zip(*transposed, strict=True)) == Counter(rows)
    # No rows, and a query Django knows is empty without asking: four empty columns.
    for empty in (rows.filter(pk=-1), rows.none()):
        assert [list(column) for column in report_data.transposed(empty)] == [[], [], [], []]
