"""Schedule maths as pure functions: occurrences of one-off, weekly and cron rules in a time zone, splitting
long windows into Tencent-sized pieces, and the peak overlap of a set of windows.

Local times are interpreted in the rule's zone: a weekly 20:00 stays 20:00 across DST changes; a local time
that does not exist (the spring-forward gap) moves forward by the gap, an ambiguous one takes its first
occurrence.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from croniter import CroniterBadDateError, croniter


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime

    @property
    def duration(self) -> timedelta:
        return self.end - self.start


@dataclass(frozen=True)
class Rule:
    """One schedule's recurrence. kind: "once" (starts_at), "weekly" (weekdays + at) or "cron" (expression)."""

    kind: str
    time_zone: str
    duration: timedelta
    starts_at: datetime | None = None
    weekdays: frozenset[int] = frozenset()  # Monday = 0
    at: time | None = None
    cron: str = ""
    valid_from: date | None = None
    valid_until: date | None = None


def local_to_utc(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of a wall-clock time; gaps move forward, ambiguous times take the first occurrence."""
    # fold=0 (PEP 495) applies the offset from before a transition: a gap time lands after the gap, an
    # ambiguous time on its first occurrence.
    return datetime.combine(day, at).replace(tzinfo=zone, fold=0).astimezone(UTC)


def _within_validity(rule: Rule, start: datetime, zone: ZoneInfo) -> bool:
    day = start.astimezone(zone).date()
    if rule.valid_from and day < rule.valid_from:
        return False
    return not (rule.valid_until and day > rule.valid_until)


def _starts(rule: Rule, since: datetime, zone: ZoneInfo) -> Iterator[datetime]:
    """Occurrence starts of the rule at or after `since`, in order (infinite for recurring rules)."""
    if rule.kind == "once":
        if rule.starts_at is not None and rule.starts_at >= since:
            yield rule.starts_at.astimezone(UTC)
        return
    if rule.kind == "weekly":
        if not rule.weekdays or rule.at is None:
            return
        day = since.astimezone(zone).date() - timedelta(days=1)
        while True:
            if day.weekday() in rule.weekdays:
                start = local_to_utc(day, rule.at, zone)
                if start >= since:
                    yield start
            day += timedelta(days=1)
    if rule.kind == "cron":
        iterator = croniter(rule.cron, (since - timedelta(seconds=1)).astimezone(zone))
        while True:
            try:
                yield iterator.get_next(datetime).astimezone(UTC)
            except CroniterBadDateError:  # never fires again (0 0 31 2 *): no more occurrences
                return
    raise ValueError(f"Unknown schedule kind {rule.kind!r}.")


def occurrences(rule: Rule, *, start: datetime, end: datetime, limit: int = 1000) -> list[Window]:
    """Windows of the rule whose start lies in [start, end), at most `limit` of them."""
    zone = ZoneInfo(rule.time_zone)
    found: list[Window] = []
    for begin in _starts(rule, start, zone):
        if begin >= end or len(found) >= limit:
            break
        if rule.valid_until and begin.astimezone(zone).date() > rule.valid_until:
            break
        if _within_validity(rule, begin, zone):
            found.append(Window(begin, begin + rule.duration))
    return found


def is_valid_cron(expression: str) -> bool:
    return bool(expression.strip()) and croniter.is_valid(expression.strip())


def cron_ever_fires(expression: str) -> bool:
    """False for a valid expression naming a day that does not exist, such as 31 February (0 0 31 2 *)."""
    try:
        croniter(expression.strip(), datetime.now(UTC)).get_next(datetime)
    except (CroniterBadDateError, ValueError, KeyError):
        return False
    return True


def split_window(window: Window, max_length: timedelta) -> list[Window]:
    """Consecutive pieces of at most `max_length` covering the window (CSS record tasks last ≤ 24 h)."""
    pieces: list[Window] = []
    begin = window.start
    while begin < window.end:
        end = min(begin + max_length, window.end)
        pieces.append(Window(begin, end))
        begin = end
    return pieces


def peak_overlap(windows: Iterable[Window]) -> int:
    """The largest number of windows open at the same instant (an end frees its slot before a start takes it)."""
    events: list[tuple[datetime, int]] = []
    for window in windows:
        events.append((window.start, 1))
        events.append((window.end, -1))
    events.sort(key=lambda event: (event[0], event[1]))
    peak = current = 0
    for _at, delta in events:
        current += delta
        peak = max(peak, current)
    return peak
