"""Schedules: saving rules (with the concurrency check), pausing, and firing occurrences into sessions.

Occurrences become `scheduled` sessions shortly before they begin (MATERIALIZE_AHEAD), never days ahead, so
Tencent's 7-day record-task horizon never matters: the record task is created when the session starts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from dashboard import audit
from recordings.catalog.models import RECORDING_MINUTES_LIMIT
from recordings.models import RecordingSession, Schedule, ScheduleKind
from recordings.sessions.lifecycle import OPEN_STATES, Trigger
from recordings.sessions.models.schedules import MAX_SCHEDULE_MINUTES
from recordings.sessions.recurrence import Window, peak_overlap, split_window
from recordings.sessions.services.sessions import session_create, session_stop
from tencent import car
from tencent.errors import TencentError

MATERIALIZE_AHEAD = timedelta(minutes=10)
# An occurrence whose start was missed (the console was down) still fires if it is at most this late.
FIRE_GRACE = timedelta(minutes=10)
BOOKING_HORIZON = timedelta(days=14)


@dataclass(frozen=True)
class BookingCheck:
    peak: int
    total: int
    first_conflict: datetime | None

    @property
    def over(self) -> bool:
        return self.peak > self.total


def booked_windows(
    *, project_id: str, start: datetime, end: datetime, exclude: Schedule | None = None
) -> list[Window]:
    """Every window booked in [start, end) on a CAR project: other active schedules' occurrences and open
    sessions (a session of a schedule counts once)."""
    windows: list[Window] = []
    schedules = Schedule.objects.active().filter(room__client_app__car_project_id=project_id)
    if exclude is not None and exclude.pk:
        schedules = schedules.exclude(pk=exclude.pk)
    for schedule in schedules:
        windows.extend(schedule.windows(start=start, end=end))
    sessions = RecordingSession.objects.filter(
        car_project_id=project_id, state__in=OPEN_STATES, planned_end__gt=start, planned_start__lt=end
    )
    if exclude is not None and exclude.pk:
        sessions = sessions.exclude(schedule=exclude)
    scheduled_starts = {(w.start, w.end) for w in windows}
    for session in sessions.only("planned_start", "planned_end"):
        if (session.planned_start, session.planned_end) not in scheduled_starts:
            windows.append(Window(session.planned_start, session.planned_end))
    return windows


def booking_check(*, schedule: Schedule, total: int, now: datetime) -> BookingCheck:
    """Would this schedule, with everything else booked, need more concurrencies than the project has?"""
    end = now + BOOKING_HORIZON
    mine = schedule.windows(start=now, end=end)
    project_id = schedule.room.client_app.car_project_id
    others = booked_windows(project_id=project_id, start=now, end=end, exclude=schedule)
    peak = peak_overlap([*mine, *others])
    first_conflict = None
    if peak > total:
        for window in mine:
            overlapping = [w for w in others if w.start < window.end and window.start < w.end]
            if peak_overlap([window, *overlapping]) > total:
                first_conflict = window.start
                break
    return BookingCheck(peak=peak, total=total, first_conflict=first_conflict)


def schedule_booking_check(*, schedule: Schedule, now: datetime | None = None) -> BookingCheck | None:
    """The booking check against the project's concurrencies from DescribeConcurrentCount; None when CAR
    cannot be asked right now (the caller saves with a warning)."""
    try:
        count = car.describe_concurrent_count(project_id=schedule.room.client_app.car_project_id)
    except TencentError:
        return None
    return booking_check(schedule=schedule, total=count.total, now=now or timezone.now())


@dataclass(frozen=True)
class ScheduleStatus:
    """Where a schedule stands, for the list, the calendar and its page: `key` is one of active, paused,
    running, done, not_recorded, ended; `recording` is the recording a one-off made (the latest, when a long
    window became a chain)."""

    key: str
    label: str
    badge: str
    recording: RecordingSession | None = None

    @property
    def finished(self) -> bool:
        return self.key in {"done", "not_recorded", "ended"}


def schedule_status(
    schedule: Schedule, *, now: datetime, recording: RecordingSession | None
) -> ScheduleStatus:
    """A one-off whose window has closed is done (or was never recorded), whatever its pause flag says; a
    recurring schedule past its last valid day has ended."""
    if schedule.kind == ScheduleKind.ONCE and schedule.starts_at is not None:
        end = schedule.starts_at + timedelta(minutes=schedule.duration_minutes)
        if end <= now:
            if recording is None:
                return ScheduleStatus("not_recorded", "Not recorded", "badge-warning")
            return ScheduleStatus("done", "Done", "badge-muted", recording)
        if schedule.starts_at <= now and recording is not None and recording.state in OPEN_STATES:
            return ScheduleStatus("running", "Recording", "badge-live", recording)
    elif schedule.valid_until and schedule.valid_until < now.astimezone(ZoneInfo(schedule.time_zone)).date():
        return ScheduleStatus("ended", "Ended", "badge-muted")
    if schedule.paused:
        return ScheduleStatus("paused", "Paused", "badge-muted")
    return ScheduleStatus("active", "Active", "badge-success")


def schedule_statuses(schedules: Iterable[Schedule], *, now: datetime) -> dict[int, ScheduleStatus]:
    """`schedule_status` of each schedule by pk, with one query for the one-offs' recordings."""
    schedules = list(schedules)
    one_offs = [s.pk for s in schedules if s.kind == ScheduleKind.ONCE]
    latest: dict[int, RecordingSession] = {}
    for session in RecordingSession.objects.filter(schedule__in=one_offs).order_by("planned_start", "pk"):
        latest[session.schedule_id] = session  # type: ignore[index]
    return {s.pk: schedule_status(s, now=now, recording=latest.get(s.pk)) for s in schedules}


@transaction.atomic
def schedule_save(*, schedule: Schedule, actor: User) -> Schedule:
    created = schedule.pk is None
    if created:
        schedule.created_by = actor
    schedule.full_clean()
    schedule.save()
    audit.record(
        actor=actor,
        action="schedule.create" if created else "schedule.update",
        obj=schedule,
        changes=audit.snapshot(schedule),
    )
    return schedule


@transaction.atomic
def schedule_set_paused(*, schedule: Schedule, paused: bool, actor: User) -> Schedule:
    if schedule.paused != paused:
        schedule.paused = paused
        schedule.save(update_fields=["paused", "updated_at"])
        if paused:  # occurrences already materialised but not begun are withdrawn with the pause
            for session in schedule.sessions.filter(state="scheduled"):
                session_stop(session=session, actor=actor, reason="Its schedule was paused.")
        audit.record(actor=actor, action="schedule.pause" if paused else "schedule.resume", obj=schedule)
    return schedule


def recording_pieces(schedule: Schedule, *, start: datetime, end: datetime) -> list[Window]:
    """The recordings a schedule makes: each occurrence split into pieces of at most the room's maximum (and a
    record task's 24 h), consecutive, so a long window becomes a chain of recordings."""
    maximum = timedelta(minutes=min(schedule.room.effective_max_recording_minutes, RECORDING_MINUTES_LIMIT))
    longest = timedelta(minutes=MAX_SCHEDULE_MINUTES)
    pieces: list[Window] = []
    for window in schedule.windows(start=start - longest, end=end):
        pieces.extend(
            piece for piece in split_window(window, maximum) if piece.end > start and piece.start < end
        )
    return pieces


def schedules_tick(*, now: datetime) -> list[RecordingSession]:
    """Turn occurrences starting within MATERIALIZE_AHEAD (or missed by at most FIRE_GRACE) into sessions.
    Idempotent: the (schedule, planned_start) constraint makes a second tick find them already there."""
    created: list[RecordingSession] = []
    for schedule in Schedule.objects.active().select_related("room__client_app"):
        for window in recording_pieces(schedule, start=now - FIRE_GRACE, end=now + MATERIALIZE_AHEAD):
            if window.end <= now or window.start >= now + MATERIALIZE_AHEAD:
                continue
            if RecordingSession.objects.filter(schedule=schedule, planned_start=window.start).exists():
                continue
            try:
                with transaction.atomic():
                    session = session_create(
                        room=schedule.room,
                        schedule=schedule,
                        planned_start=window.start,
                        planned_end=window.end,
                        trigger=Trigger.SCHEDULE,
                        actor=None,
                        reason=f"Occurrence of schedule “{schedule.name}”.",
                        now=now,
                    )
            except IntegrityError:  # another tick created it at the same moment
                continue
            created.append(session)
    return created
