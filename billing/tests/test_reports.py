"""The monthly cost report on a hand-made December 2026 (list prices, Singapore, VOD outside the mainland).

Actual: A ran 1 h (S, 8 Mbps, MP4), B ran 2 h (M, 4 Mbps, MP4 + HLS), on different days.
- CAR: one S daily pack (40) + one M daily pack (62) = 102.
- Push: peaks 8 and 4 Mbps ≤ 100 Mbps, never billed; no playback.
- Recording: peak 2 channels (B's two formats) x 2 days / 31 x 5.2941 = 0.683110; shared by channel-minutes
  (A 60, B 240): A 0.136622, B 0.546488.
- Storage (the files as stored, VOD STANDARD 0.0009/GB/day, each file 1 GiB, from its recording's end to the
  month's end): A's file from Dec 3 12:00, 28.5 days → 0.02565; B's two files from Dec 5 22:00, 26 1/12 days
  each → 0.04695. Total 0.0726, the same on both sides (what was stored is known, not planned).
- Total 102.76 (102.755710); room A 40.16, room B 62.59.
Estimate: A as planned (120 of 360 channel-minutes → 0.227703 of the recording fee, so room A 40.25); the
cancelled plan never counts. Total 102.76 too: the plan moves recording fee between rooms, not the month's.
"""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from billing.deployment import deployment_context
from billing.estimator import estimate
from billing.estimator.output import cents
from billing.report_data import cost_report
from billing.reports import daily_components
from billing.services import billing_month
from billing.tests.factories import LIST_PRICES, at, plan, rec
from billing.tests.report_support import (
    forget_cloud_figures,
    make_app,
    make_room,
    make_session,
    worked_december,
)
from billing.usage import UsageResult, refresh_usage
from recordings.models import RecordingFile, RecordingSession
from recordings.sessions.lifecycle import SessionState

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("list_price_book")]

DECEMBER = date(2026, 12, 1)
AFTER_DECEMBER = datetime(2027, 1, 2, tzinfo=UTC)


def test_worked_month_estimate_and_actual():
    worked_december()
    priced = cost_report(month=DECEMBER, now=AFTER_DECEMBER)
    report = priced.report
    components = {line.name: (cents(line.estimate), cents(line.actual)) for line in report.components}
    assert components["CAR packs"] == (Decimal("102.00"), Decimal("102.00"))
    assert components["Push (upstream)"] == (Decimal("0.00"), Decimal("0.00"))
    assert components["Recording"] == (Decimal("0.68"), Decimal("0.68"))
    assert report.actual.storage_cost == Decimal("0.0726")
    assert components["Storage"] == (Decimal("0.07"), Decimal("0.07"))
    assert components["Total"] == (Decimal("102.76"), Decimal("102.76"))
    rooms = {row.name: row for row in report.by_room}
    assert rooms["Room room-a"].actual.storage == Decimal("0.02565")
    assert cents(rooms["Room room-a"].actual.total) == Decimal("40.16")
    assert cents(rooms["Room room-b"].actual.total) == Decimal("62.59")
    assert rooms["Room room-a"].actual.sessions == 1 and rooms["Room room-a"].estimate.sessions == 1
    assert cents(rooms["Room room-a"].estimate.total) == Decimal("40.25")
    assert cents(rooms["Room room-a"].difference) == Decimal("-0.09")
    assert [row.name for row in report.by_app] == ["Beta", "Alpha"]
    assert report.by_app[1].actual.hours == 1
    assert priced.price_book.version == 1


def test_a_running_cpu_session_recording_to_cos_is_priced_like_the_same_plan():
    # Room C's app has a CPU spec (priced as S); its session is still recording two hours in, into COS.
    room = make_room(make_app("Gamma", "CPU4", 6000), "room-c")
    session = make_session(room, (at(7, 10), 240), (at(7, 10), 0), state=SessionState.RECORDING)
    RecordingSession.objects.filter(pk=session.pk).update(ended_at=None)
    for file_format in ("mp4", "hls"):
        RecordingFile.objects.create(
            session=session,
            room=room,
            storage="cos",
            cos_key=f"room-c/{file_format}",
            format=file_format,
            content_start=at(7, 10),
            content_end=at(7, 11),
            stream_name=room.stream_name,
            size_bytes=1024**3,
        )
    where = deployment_context()
    same = rec(at(7, 10), 120, spec="S", push_mbps=6, formats=("mp4", "hls"), storage="cos")
    expected = estimate(
        plan(
            same,
            car_region=where.car_region,
            css_region=where.css_region,
            vod_area=where.vod_area,
            cos_region=where.cos_region,
        ),
        LIST_PRICES,
    ).recordings[0]

    [row] = cost_report(month=DECEMBER, now=at(7, 12)).report.by_room
    assert row.actual.hours == 2 and row.estimate.hours == 4
    assert (row.actual.car, row.actual.push) == (expected.car, expected.push)
    assert row.actual.recording == expected.recording_fee  # including the COS per-minute fee
    # Storage is the files as stored, in COS Singapore (0.022 per GB-month of 30 days): 2 GiB from Dec 7 11:00
    # to the month's end, 24 13/24 days.
    assert row.actual.storage == Decimal(2 * 589) / 24 * Decimal("0.022") / 30


def test_daily_components_add_up_to_the_month():
    worked_december()
    actual = cost_report(month=DECEMBER, now=AFTER_DECEMBER).report.actual
    rows = daily_components(actual)
    assert len(rows) == 31
    assert sum(sum(costs.values()) for _, costs in rows) == pytest.approx(actual.total)
    assert rows[2][1]["CAR packs"] == 40 and rows[4][1]["CAR packs"] == 62


def test_csv_lists_apps_and_every_room_with_the_price_book(client_as, manager):
    worked_december()
    response = client_as(manager).get(reverse("billing:report_csv"), {"month": "2026-12"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="costs-2026-12.csv"' in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["kind"], r["app"], r["room"]) for r in rows] == [
        ("app", "Beta", ""),
        ("app", "Alpha", ""),
        ("room", "Beta", "Room room-b"),
        ("room", "Alpha", "Room room-a"),
    ]
    room_a = rows[3]
    assert room_a["price_book"] == "Tencent Cloud international list prices v1"
    assert (room_a["car_usd"], room_a["storage_usd"], room_a["actual_usd"]) == ("40.00", "0.03", "40.16")
    assert (room_a["estimate_usd"], room_a["difference_usd"], room_a["hours"]) == ("40.25", "-0.09", "1.00")


def test_report_page_shows_tables_charts_and_price_book(client_as, manager, settings, monkeypatch):
    monkeypatch.setattr("billing.views.reports.timezone.now", lambda: AFTER_DECEMBER)
    settings.TENCENT_API_ENDPOINT = "127.0.0.1:9"  # nothing listens: the usage call fails
    settings.TENCENT_RETRY_ATTEMPTS = 1
    forget_cloud_figures()
    worked_december()
    response = client_as(manager).get(reverse("billing:report"), {"month": "2026-12"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Tencent Cloud international list prices v1" in html
    assert "$102.76" in html
    assert "Room room-a" in html and "Beta" in html
    assert (
        html.count("data-plotly-figure=") == 4
    )  # drawn by static/js/charts.js (no inline script under the CSP)
    assert "being fetched in the background" in html  # the page did not wait on the (failing) cloud
    assert "Traceback" not in html
    refresh_usage(month=DECEMBER, now=AFTER_DECEMBER)  # the job's run: the call fails
    partial = client_as(manager).get(reverse("billing:report_usage"), {"month": "2026-12"})
    assert "usage figures are unavailable" in partial.content.decode()
    forget_cloud_figures()


def test_bad_month_falls_back_to_the_current_one(client_as, manager):
    response = client_as(manager).get(reverse("billing:report"), {"month": "2026-13"})
    assert response.status_code == 200
    assert "Write the month as YYYY-MM" in response.content.decode()


def test_without_a_price_book_the_report_says_so(client_as, manager):
    from billing.models import PriceBook

    PriceBook.objects.all().delete()
    response = client_as(manager).get(reverse("billing:report"), {"month": "2026-12"})
    assert response.status_code == 503 and "No price book exists yet" in response.content.decode()
    csv_response = client_as(manager).get(reverse("billing:report_csv"), {"month": "2026-12"})
    assert csv_response.status_code == 503


def test_report_without_a_month_shows_the_month_it_reports_in_its_field(client_as, manager, monkeypatch):
    monkeypatch.setattr("billing.views.reports.timezone.now", lambda: AFTER_DECEMBER)
    forget_cloud_figures()
    response = client_as(manager).get(reverse("billing:report"))
    shown = billing_month(AFTER_DECEMBER).strftime("%Y-%m")
    assert response.status_code == 200
    assert f'name="month" value="{shown}"' in response.content.decode()


def test_merged_month_keeps_every_figure_with_one_share():
    worked_december()
    report = cost_report(month=DECEMBER, now=AFTER_DECEMBER).report
    for costs in (report.estimate, report.actual):
        merged = costs.merged()
        assert [(c.name, c.estimate, c.actual) for c in report.components] == [
            (c.name, c.estimate, c.actual)
            for c in replace(
                report, estimate=report.estimate.merged(), actual=report.actual.merged()
            ).components
        ]
        assert (merged.total, merged.storage_cost, merged.storage_gb) == (
            costs.total,
            costs.storage_cost,
            costs.storage_gb,
        )
        assert len(costs.car.per_group) == 2 and merged.car.per_group == (sum(costs.car.per_group),)
        assert merged.recording.per_group == (sum(costs.recording.per_group),)
        assert merged.storage.per_group == (costs.storage_cost,)
        assert daily_components(merged) == daily_components(costs)


def test_the_page_lists_the_top_rooms_and_keeps_only_them_cached(client_as, manager, monkeypatch):
    from django.core.cache import cache

    from billing.report_cache import PAGE_ROOMS, cached_report, forget_report

    monkeypatch.setattr("billing.views.reports.timezone.now", lambda: AFTER_DECEMBER)
    forget_cloud_figures()
    cache.set("billing:usage:2026-12", UsageResult(None, "Tencent is not asked in this test."), 60)
    app = make_app("Many", "S", 4000)
    for n in range(PAGE_ROOMS + 3):
        make_session(
            make_room(app, f"many-{n:02d}"), (at(3 + n % 20, 10), 30 + n), (at(3 + n % 20, 10), 30 + n)
        )
    forget_report(DECEMBER)
    html = client_as(manager).get(reverse("billing:report"), {"month": "2026-12"}).content.decode()
    assert f"top {PAGE_ROOMS} of {PAGE_ROOMS + 3}; the CSV lists every room" in html
    assert html.count("Room many-") == PAGE_ROOMS
    full = cost_report(month=DECEMBER, now=AFTER_DECEMBER).report
    cached = cached_report(month=DECEMBER, now=AFTER_DECEMBER).priced.report
    assert len(cached.by_room) == PAGE_ROOMS and cached.room_count == len(full.by_room) == PAGE_ROOMS + 3
    assert cached.by_room == full.by_room[:PAGE_ROOMS] and cached.components == full.components
    assert cached.actual.car.per_group == (sum(full.actual.car.per_group),)
    # The rooms the page leaves out are in the CSV.
    rows = client_as(manager).get(reverse("billing:report_csv"), {"month": "2026-12"}).content.decode()
    assert rows.count("Room many-") == PAGE_ROOMS + 3
    forget_cloud_figures()
