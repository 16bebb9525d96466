"""The schedule calendar: each local day's occurrences of the active schedules, at most a limit of them a day with
the count of the rest, the ones already begun with the recording they made.

500 schedules make ~3,000 occurrences in 14 days, of which the page draws 350. The rules' expansion (~45 ms of
CPU) is cached per range and rule set (`calendar_windows`), and so is the cut: each day's first `limit`
occurrences and how many more (`calendar_cut`, per range, zone, limit and rule set). A view then builds entries,
looks up rooms and recordings for the occurrences it draws only. Building all 3,000 entries on every view was
three quarters of the page's CPU, and the objects it made, alive through the request, set off a full garbage
collection every few views: the 150 ms tail of the page's p95.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from django.core.cache import cache
from django.utils import timezone

from recordings.models import RecordingSession, Room, Schedule
from recordings.sessions.lifecycle import OPEN_STATES
from recordings.sessions.recurrence import Window
from recordings.sessions.services.schedules import FIRE_GRACE

# Expanded windows are kept this long per range and rule set (an edited rule makes a new key, so this only bounds
# how long an unused range stays in Redis).
CALENDAR_WINDOWS_SECONDS = 3600

Occurrence = tuple[int, datetime, datetime]  # schedule pk, window start, window end


@dataclass(frozen=True)
class CalendarEntry:
    """One occurrence on the calendar; `state` is upcoming, running, done or not_recorded (its start has
    passed and no recording was made of it)."""

    schedule: Schedule
    window: Window
    state: str = "upcoming"
    recording: RecordingSession | None = None
    title: str = ""  # the schedule's description


@dataclass(frozen=True)
class CalendarDay:
    day: date
    entries: list[CalendarEntry]
    more: int  # occurrences that day beyond the limit


def _rules_digest(schedules: list[Schedule], *parts: object) -> str:
    """The cache keys' content: every schedule's rule itself, so an edit, a pause or a new schedule gives
    another key and no stale window is shown."""
    rules = repr([(schedule.pk, schedule.rule()) for schedule in schedules])
    return hashlib.sha256("|".join([*map(str, parts), rules]).encode()).hexdigest()


def calendar_windows(schedules: list[Schedule], *, start: datetime, end: datetime) -> dict[int, list[Window]]:
    """Each schedule's windows starting in [start, end), expanded once per range and set of rules."""
    key = f"schedules:calendar-windows:{_rules_digest(schedules, start.isoformat(), end.isoformat())}"
    pairs: dict[int, list[tuple[datetime, datetime]]] | None = cache.get(key)
    if pairs is None:
        pairs = {
            schedule.pk: [(w.start, w.end) for w in schedule.windows(start=start, end=end)]
            for schedule in schedules
        }
        cache.set(key, pairs, CALENDAR_WINDOWS_SECONDS)
    return {pk: [Window(begin, until) for begin, until in windows] for pk, windows in pairs.items()}


def calendar_cut(
    schedules: list[Schedule], *, first: date, days: int, zone: tzinfo, limit: int | None
) -> list[tuple[list[Occurrence], int]]:
    """Per local day from `first`: its first `limit` occurrences in time order (all without a limit; equal
    starts in the schedules' order) and how many more it has."""
    start, end = (datetime.combine(first + timedelta(days=n), time.min, tzinfo=zone) for n in (0, days))
    key = "schedules:calendar-cut:" + _rules_digest(
        schedules, start.isoformat(), end.isoformat(), zone, limit
    )
    found: list[tuple[list[Occurrence], int]] | None = cache.get(key)
    if found is not None:
        return found
    windows = calendar_windows(schedules, start=start, end=end)
    order = {schedule.pk: index for index, schedule in enumerate(schedules)}
    by_day: list[list[Occurrence]] = [[] for _ in range(days)]
    for pk, expanded in windows.items():
        for window in expanded:
            day = (window.start.astimezone(zone).date() - first).days
            if 0 <= day < days:
                by_day[day].append((pk, window.start, window.end))
    found = []
    for listed in by_day:
        listed.sort(key=lambda o: (o[1], order[o[0]]))
        shown = listed if limit is None else listed[:limit]
        found.append((shown, len(listed) - len(shown)))
    cache.set(key, found, CALENDAR_WINDOWS_SECONDS)
    return found


def entry_state(window: Window, recording: RecordingSession | None, now: datetime) -> str:
    if window.start > now:
        return "upcoming"
    if recording is None:
        # Past its start, it may still be begun as late as the scheduler's grace allows.
        return "not_recorded" if window.start <= now - FIRE_GRACE else "upcoming"
    return "running" if recording.state in OPEN_STATES and window.end > now else "done"


def calendar(*, first: date, days: int, now: datetime, limit: int | None = None) -> list[CalendarDay]:
    """The calendar of `days` local days from `first` (the current zone's), at most `limit` entries a day: three
    queries (the active schedules, the drawn ones' rooms, their recordings) whatever the number of schedules."""
    zone = timezone.get_current_timezone()
    schedules = list(Schedule.objects.active())
    cut = calendar_cut(schedules, first=first, days=days, zone=zone, limit=limit)
    by_pk = {schedule.pk: schedule for schedule in schedules}
    drawn = {pk for occurrences, _more in cut for pk, _start, _end in occurrences}
    rooms = Room.objects.in_bulk({by_pk[pk].room_id for pk in drawn})
    starts = [start for occurrences, _more in cut for _pk, start, _end in occurrences]
    made: dict[tuple[int, datetime], RecordingSession] = {}
    if starts:
        sessions = RecordingSession.objects.filter(
            schedule__in=drawn, planned_start__gte=min(starts), planned_start__lte=max(starts)
        ).only("pk", "schedule_id", "planned_start", "state")
        made = {(session.schedule_id, session.planned_start): session for session in sessions}  # type: ignore[misc]
    titles: dict[int, str] = {}  # one description per schedule: an hourly one has 24 entries a day
    for pk in drawn:
        schedule = by_pk[pk]
        schedule.room = rooms[schedule.room_id]
        titles[pk] = schedule.describe()
    rows = []
    for n, (occurrences, more) in enumerate(cut):
        entries = []
        for pk, start, end in occurrences:
            window, recording = Window(start, end), made.get((pk, start))
            entries.append(
                CalendarEntry(by_pk[pk], window, entry_state(window, recording, now), recording, titles[pk])
            )
        rows.append(CalendarDay(first + timedelta(days=n), entries, more))
    return rows
