"""What the capacity calendar reads: booked windows (scheduled and running sessions, plus the occurrences of
active schedules that have no session yet) and the CAR concurrency owned, asked of Tencent and cached."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.cache import cache
from django.db import connection
from django.utils.translation import gettext, ngettext

from billing.capacity import Booking, booked_peaks
from billing.estimator.sweep import DayPeaks
from billing.estimator.timeline import day_bounds
from recordings.models import ClientApp, RecordingSession, Schedule
from recordings.sessions.lifecycle import SessionState
from recordings.sessions.models.schedules import MAX_SCHEDULE_MINUTES
from tencent import car
from tencent.errors import TencentError

OWNED_CACHE_SECONDS = 300
BOOKINGS_CACHE_SECONDS = 60
OWNED_FAILURE_CACHE_SECONDS = 60
BOOKED_STATES = (SessionState.SCHEDULED, SessionState.STARTING, SessionState.RECORDING, SessionState.STOPPING)


def bookings(start: datetime, end: datetime) -> list[Booking]:
    """Windows overlapping [start, end) that will hold a concurrency."""
    sessions = RecordingSession.objects.filter(planned_start__lt=end, planned_end__gt=start)
    found = [
        Booking(begin, finish, spec)
        for begin, finish, spec in sessions.filter(state__in=BOOKED_STATES)
        .order_by()
        .values_list("planned_start", "planned_end", "room__client_app__concurrency_spec")
    ]
    # An occurrence that already has a session (in any state) is that session, not a second booking.
    earliest = start - timedelta(minutes=MAX_SCHEDULE_MINUTES)
    materialised = set(
        RecordingSession.objects.filter(
            schedule__isnull=False, planned_start__gte=earliest, planned_start__lt=end
        )
        .order_by()
        .values_list("schedule_id", "planned_start")
    )
    for schedule in Schedule.objects.active().select_related("room__client_app"):
        spec = schedule.room.client_app.concurrency_spec  # once per schedule, not per occurrence
        found.extend(
            Booking(window.start, window.end, spec)
            for window in schedule.windows(start=earliest, end=end)
            if window.end > start and (schedule.pk, window.start) not in materialised
        )
    return found


def _generation_key() -> str:
    return f"billing:capacity-generation:{connection.settings_dict['NAME']}"


def forget_bookings() -> None:
    """Start afresh: cached peaks of every range are left to expire unread (tests that book and look again)."""
    generation = cache.get(_generation_key(), 0)
    cache.set(_generation_key(), generation + 1, None)


@dataclass(frozen=True)
class BookedRanges:
    """The booked peaks of each run of consecutive days asked for, and when they were computed."""

    peaks: tuple[DayPeaks, ...]
    computed_at: datetime


def booked_ranges(ranges: Sequence[Sequence[date]], *, now: datetime) -> BookedRanges:
    """Each range's peaks from one expansion of the schedules over the ranges' union (the calendar's 28 days
    and next month overlap), cached for BOOKINGS_CACHE_SECONDS per set of ranges: expanding 500 schedules
    over two months takes most of a second, too long for every view of the page."""
    key = "billing:capacity:{}:{}:{}".format(
        connection.settings_dict["NAME"],
        cache.get(_generation_key(), 0),
        ",".join(f"{days[0]:%Y%m%d}+{len(days)}" for days in ranges),
    )
    found = cache.get(key)
    if isinstance(found, BookedRanges):
        return found
    start = min(day_bounds(days[0])[0] for days in ranges)
    end = max(day_bounds(days[-1])[1] for days in ranges)
    booked = bookings(start, end)
    # day_peaks clips every booking to its range, so the union's bookings serve each range as they are.
    result = BookedRanges(tuple(booked_peaks(booked, days) for days in ranges), now)
    cache.set(key, result, BOOKINGS_CACHE_SECONDS)
    return result


@dataclass(frozen=True)
class Owned:
    count: int | None
    note: str  # where the number comes from, or why Tencent could not say (English: cached, and in logs)
    projects: int = 0  # how many CAR projects were summed
    error: str = ""  # Tencent's "code: message" when CAR could not be asked

    @property
    def note_text(self) -> str:
        """The note in the active language (the cache holds the English one)."""
        error = getattr(self, "error", "")  # an answer cached before the field existed has none
        if error or self.count is None:
            return gettext("CAR is unreachable (%(error)s)") % {"error": error}
        projects = getattr(self, "projects", 0)
        return ngettext(
            "CAR DescribeConcurrentCount, %(count)s project",
            "CAR DescribeConcurrentCount, %(count)s projects",
            projects,
        ) % {"count": projects}


def owned_concurrency() -> Owned:
    """The concurrencies owned in CAR (DescribeConcurrentCount Total, summed over the active apps' projects),
    cached for a few minutes; a failure is remembered for a minute."""
    key = "billing:car-owned"
    cached = cache.get(key)
    if isinstance(cached, Owned):
        return cached
    projects = sorted(set(ClientApp.objects.active().values_list("car_project_id", flat=True)))
    try:
        total = sum(car.describe_concurrent_count(project_id=project).total for project in projects)
        result = Owned(
            total,
            f"CAR DescribeConcurrentCount, {len(projects)} project{'s' if len(projects) != 1 else ''}",
            projects=len(projects),
        )
        timeout = OWNED_CACHE_SECONDS
    except TencentError as exc:
        error = f"{exc.code}: {exc.message}"
        result = Owned(None, f"CAR is unreachable ({error})", error=error)
        timeout = OWNED_FAILURE_CACHE_SECONDS
    cache.set(key, result, timeout)
    return result
