"""The cost report sums the plain files (never moved, no policy, not deleted) per room and per day in the
database (`storage_sums`) instead of a row per room and day (`stored_files().whole_month`): the storage line,
every room's share and every day's must come out exactly the same."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection

from billing.deployment import deployment_context
from billing.estimator.storage import StorageResult
from billing.estimator.timeline import BILLING_TZ, micros
from billing.report_data import cost_report, month_bounds, storage_sums, stored_files
from billing.report_storage import month_storage
from billing.services import price_book_for
from recordings.catalog.tests.factories import RoomFactory
from recordings.media.tests.support import make_file

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("list_price_book")]

GIB = 1024**3
JUNE = datetime(2027, 6, 1, tzinfo=BILLING_TZ)


def test_storage_summed_per_room_and_per_day_prices_exactly_as_the_rows(settings) -> None:
    settings.TENCENT_REGION = "ap-singapore"
    rooms = [RoomFactory.create() for _ in range(3)]
    for index, room in enumerate(rooms):
        # Before the month, on its first instant, part-way through several of its days (two the same day),
        # and in COS: odd sizes so a rounding anywhere would show.
        for n, start in enumerate(
            (
                JUNE - timedelta(days=40),
                JUNE - timedelta(seconds=60),  # ends on the month's first instant
                JUNE + timedelta(days=3, hours=5, seconds=7),
                JUNE + timedelta(days=3, hours=9),
                JUNE + timedelta(days=17 + index, minutes=13),
                JUNE + timedelta(days=29, hours=23),
            )
        ):
            make_file(
                room=room,
                file_id=f"sums-{room.pk}-{n}",
                cos_key=f"sums/{room.pk}/{n}.mp4" if n == 4 else "",
                start=start,
                size_bytes=(n + 1) * GIB + 12_345 * (index + 1),
            )
    month = JUNE.date()
    lo = month_bounds(month)[0]
    sums = storage_sums(month)
    rows = stored_files(month)
    assert rows.files == [] and len(rows.whole_month) > len(sums.by_room)

    def priced(**storage: Any) -> StorageResult:
        return month_storage(
            [],
            origin=micros(lo),
            days=30,
            group_of={room.pk: index for index, room in enumerate(rooms)},
            prices=price_book_for(month).typed,
            context=deployment_context(),
            **storage,
        )

    by_rows = priced(whole_month=rows.whole_month)
    summed = priced(sums=sums)
    assert by_rows.per_group[0] > 0 and by_rows.by_day[0] > 0
    if connection.vendor == "sqlite":
        # SQLite (the demo) sums bytes x µs as REAL, the per-day rows too: equal to 14 digits there.
        close = [
            abs(a - b) <= abs(b) * Decimal("1e-14")
            for a, b in zip(summed.per_group, by_rows.per_group, strict=True)
        ]
        assert all(close) and summed.unpriced == by_rows.unpriced
    else:  # PostgreSQL sums them as numeric: exactly the same prices
        assert (summed.per_group, summed.by_day, summed.unpriced) == (
            by_rows.per_group,
            by_rows.by_day,
            by_rows.unpriced,
        )
    # The month's GB sums every room and class in a set's order: equal up to Decimal's 28th digit.
    assert abs(summed.gb - by_rows.gb) <= by_rows.gb * Decimal("1e-14")
    # The report itself reads the sums: its storage line is the rows' total.
    report = cost_report(month=month, now=datetime(2027, 7, 2, tzinfo=BILLING_TZ)).report
    assert report.actual.storage_cost == report.estimate.storage_cost
    assert abs(report.actual.storage_cost - sum(by_rows.per_group)) <= sum(by_rows.per_group) * Decimal(
        "1e-14"
    )
