"""Time arithmetic shared by the rules: billing days (UTC+8 calendar days), overlaps and sweep-line peaks.

Intervals are half-open [start, end): a session ending at 20:00 and one starting at 20:00 never overlap.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

BILLING_TZ = timezone(timedelta(hours=8), "UTC+8")


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, datetime.min.time(), tzinfo=BILLING_TZ)
    return start, start + timedelta(days=1)


def seconds_of(span: timedelta) -> Decimal:
    """Exact seconds (to the microsecond) of a timedelta, without passing through a float."""
    whole = Decimal(span.days * 86_400 + span.seconds)
    return whole + Decimal(span.microseconds) / 1_000_000 if span.microseconds else whole


# Months with tens of thousands of sessions are swept on integer microseconds since the epoch: comparing,
# sorting and subtracting ints is several times cheaper than doing so on aware datetimes.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROS_PER_SECOND = 1_000_000
DAY_MICROS = 86_400 * MICROS_PER_SECOND
Span = tuple[int, int]


def micros(moment: datetime) -> int:
    delta = moment - EPOCH
    return (delta.days * 86_400 + delta.seconds) * MICROS_PER_SECOND + delta.microseconds


def seconds_in(start: int, end: int, lo: int, hi: int) -> Decimal:
    """Exact seconds of [start, end) within [lo, hi), all in microseconds."""
    span = (end if end < hi else hi) - (start if start > lo else lo)
    if span <= 0:
        return Decimal(0)
    whole, rest = divmod(span, MICROS_PER_SECOND)
    return Decimal(whole) + Decimal(rest) / MICROS_PER_SECOND if rest else Decimal(whole)


def peak_within(intervals: Iterable[tuple[int, int, Decimal]], lo: int, hi: int) -> Decimal:
    """The largest sum of weights of intervals running at one instant of [lo, hi) (ends are processed before
    starts), on microsecond spans."""
    events: list[tuple[int, int, Decimal]] = []
    append = events.append
    for start, end, weight in intervals:
        if start < lo:
            start = lo
        if end > hi:
            end = hi
        if end > start:
            append((start, 1, weight))
            append((end, 0, -weight))
    events.sort()  # by time, ends (0) before starts (1); the weight only orders exact ties, harmlessly
    running = best = Decimal(0)
    for _, _, delta in events:
        running += delta
        if running > best:
            best = running
    return best


def peak_count(intervals: Iterable[tuple[int, int, int]], lo: int, hi: int) -> int:
    """`peak_within` for whole-number weights (packs, channels): an interval of weight w counts as w unit
    intervals, so the sweep needs no events at all — only the sorted starts and sorted ends, walked together
    (C-level int sorts instead of sorting tuples). An end at the same instant as a start comes first."""
    starts: list[int] = []
    ends: list[int] = []
    for start, end, weight in intervals:
        if start < lo:
            start = lo
        if end > hi:
            end = hi
        if end > start:
            starts.extend([start] * weight)
            ends.extend([end] * weight)
    starts.sort()
    ends.sort()
    best = ended = 0
    for running, start in enumerate(starts, 1):
        while ends[ended] <= start:
            ended += 1
        if running - ended > best:
            best = running - ended
    return best


class Timeline:
    """The recordings of a month on microsecond spans: each billing day's bounds and the recordings
    overlapping it. Built once per estimate and shared by the rules, so each visits a recording only on its
    own days (O(n + overlaps), not O(days x n))."""

    def __init__(self, spans: Sequence[Span], days: Sequence[date]) -> None:
        self.spans = list(spans)
        origin = micros(day_bounds(days[0])[0]) if days else 0
        self.bounds: list[Span] = [
            (origin + i * DAY_MICROS, origin + (i + 1) * DAY_MICROS) for i in range(len(days))
        ]
        self.by_day: list[list[int]] = [[] for _ in days]
        last_index = len(days) - 1
        for index, (start, end) in enumerate(self.spans):
            if end <= start:
                continue
            first = max(0, (start - origin) // DAY_MICROS)
            last = min(last_index, (end - origin - 1) // DAY_MICROS)
            for day in range(first, last + 1):
                self.by_day[day].append(index)

    @classmethod
    def of(cls, recordings: Iterable[tuple[datetime, datetime]], days: Sequence[date]) -> Timeline:
        return cls([(micros(start), micros(end)) for start, end in recordings], days)

    @property
    def month(self) -> Span:
        return self.bounds[0][0], self.bounds[-1][1]
