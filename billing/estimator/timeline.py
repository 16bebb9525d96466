"""Time arithmetic shared by the rules: billing days (UTC+8 calendar days) and instants as epoch microseconds."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta, timezone

BILLING_TZ = timezone(timedelta(hours=8), "UTC+8")


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, datetime.min.time(), tzinfo=BILLING_TZ)
    return start, start + timedelta(days=1)


def month_days(month: date) -> list[date]:
    """The calendar days of `month` (any day of it)."""
    first = month.replace(day=1)
    return [first + timedelta(days=i) for i in range(calendar.monthrange(first.year, first.month)[1])]


# Months with tens of thousands of sessions are priced on integer microseconds since the epoch: comparing,
# sorting and subtracting ints is several times cheaper than doing so on aware datetimes.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROS_PER_SECOND = 1_000_000
DAY_MICROS = 86_400 * MICROS_PER_SECOND


def micros(moment: datetime) -> int:
    delta = moment - EPOCH
    return (delta.days * 86_400 + delta.seconds) * MICROS_PER_SECOND + delta.microseconds
