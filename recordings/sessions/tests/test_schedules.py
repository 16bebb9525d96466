"""Schedules: the form (one-off, weekly, cron, time zones), the concurrency booking check, pause/resume, the
list and calendar pages, and the tick turning occurrences into (split) recordings."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from recordings.catalog.tests.factories import ClientAppFactory, RoomFactory
from recordings.models import ClientApp, RecordingSession, Room, Schedule, ScheduleKind
from recordings.sessions.lifecycle import SessionState
from recordings.sessions.services import schedules as services
from tencent.errors import TencentError
from tencent.results import ConcurrentCount

S = SessionState
pytestmark = pytest.mark.django_db


@pytest.fixture
def room(db: None) -> Room:
    return RoomFactory.create(name="Main stage")


@pytest.fixture
def concurrencies(monkeypatch: pytest.MonkeyPatch) -> Callable[[int], None]:
    def set_total(total: int) -> None:
        monkeypatch.setattr(
            services.car,
            "describe_concurrent_count",
            lambda **kwargs: ConcurrentCount(total=total, running=0, request_id="r"),
        )

    set_total(4)
    return set_total


def weekly_form(room: Room, **extra: object) -> dict[str, Any]:
    data: dict[str, Any] = {
        "room": room.pk,
        "name": "Evening",
        "kind": "weekly",
        "time_zone": "Asia/Singapore",
        "weekday_list": ["0", "2"],
        "start_time": "20:00",
        "duration_minutes": "90",
    }
    data.update(extra)
    return data


def test_operator_creates_a_weekly_schedule_in_a_time_zone(
    client_as: Callable[[User | None], Client], operator: User, room: Room, concurrencies: object
) -> None:
    response = client_as(operator).post("/schedules/new/", weekly_form(room))
    assert response.status_code == 302, response.content.decode()
    schedule = Schedule.objects.get()
    assert (
        schedule.weekday_set == {0, 2} and schedule.start_time == time(20) and schedule.created_by == operator
    )
    assert schedule.describe() == "Mon, Wed at 20:00 (Asia/Singapore) for 90 min"


def test_one_off_start_is_read_in_the_chosen_time_zone(
    client_as: Callable[[User | None], Client], operator: User, room: Room, concurrencies: object
) -> None:
    data = {
        "room": room.pk,
        "name": "Launch",
        "kind": "once",
        "time_zone": "Europe/Berlin",
        "starts_at_local": "2030-07-01T20:00",
        "duration_minutes": "60",
    }
    assert client_as(operator).post("/schedules/new/", data).status_code == 302
    assert Schedule.objects.get().starts_at == datetime(2030, 7, 1, 18, tzinfo=UTC)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "cron", "cron_expression": "every evening"}, "cron_expression"),
        ({"weekday_list": []}, "weekday_list"),
        ({"kind": "once"}, "starts_at_local"),
        ({"duration_minutes": "20000"}, "duration_minutes"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
    ],
)
def test_invalid_schedules_show_field_errors_and_save_nothing(
    client_as: Callable[[User | None], Client],
    operator: User,
    room: Room,
    concurrencies: object,
    change: dict[str, object],
    field: str,
) -> None:
    response = client_as(operator).post("/schedules/new/", weekly_form(room, **change))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Schedule.objects.exists()


def test_overbooking_the_project_needs_confirmation(
    client_as: Callable[[User | None], Client],
    operator: User,
    concurrencies: Callable[[int], None],
) -> None:
    app: ClientApp = ClientAppFactory.create()
    first, second = RoomFactory.create(client_app=app), RoomFactory.create(client_app=app)
    Schedule.objects.create(
        room=first,
        name="A",
        kind=ScheduleKind.WEEKLY,
        weekdays="0,1,2,3,4,5,6",
        start_time=time(20),
        duration_minutes=60,
        time_zone="Asia/Singapore",
    )
    concurrencies(1)
    client = client_as(operator)
    refused = client.post("/schedules/new/", weekly_form(second))
    assert refused.status_code == 200
    assert "books 2 concurrent recordings" in refused.content.decode()
    assert Schedule.objects.count() == 1
    accepted = client.post("/schedules/new/", weekly_form(second, confirm_overbooking="on"))
    assert accepted.status_code == 302 and Schedule.objects.count() == 2


def test_schedule_saves_with_a_warning_when_car_cannot_be_asked(
    client_as: Callable[[User | None], Client], operator: User, room: Room, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(**kwargs: object) -> ConcurrentCount:
        raise TencentError(code="InternalError", message="down", action="DescribeConcurrentCount")

    monkeypatch.setattr(services.car, "describe_concurrent_count", fail)
    response = client_as(operator).post("/schedules/new/", weekly_form(room), follow=True)
    assert "could not be asked" in response.content.decode() and Schedule.objects.count() == 1


def test_pause_withdraws_materialised_occurrences_and_resume_restores(
    client_as: Callable[[User | None], Client], operator: User, room: Room
) -> None:
    start = timezone.now() + timedelta(minutes=5)
    schedule = Schedule.objects.create(
        room=room, name="Soon", kind=ScheduleKind.ONCE, starts_at=start, duration_minutes=30
    )
    [session] = services.schedules_tick(now=timezone.now())
    client = client_as(operator)
    assert client.post(f"/schedules/{schedule.pk}/pause/").status_code == 302
    session.refresh_from_db()
    schedule.refresh_from_db()
    assert schedule.paused and session.state == S.CANCELLED
    assert services.schedules_tick(now=timezone.now()) == []
    client.post(f"/schedules/{schedule.pk}/resume/")
    schedule.refresh_from_db()
    assert not schedule.paused


def test_form_prices_the_next_occurrence_and_updates_as_it_changes(
    client_as: Callable[[User | None], Client], operator: User, room: Room, settings: Any
) -> None:
    settings.TIME_ZONE = "Asia/Singapore"  # the console shows the occurrence in its own time zone
    client = client_as(operator)
    blank = client.get(f"/schedules/new/?room={room.pk}").content.decode()
    assert 'id="estimate"' in blank and "Choose the room and when it records" in blank
    day = (timezone.now().astimezone(ZoneInfo("Asia/Singapore")) + timedelta(days=30)).date()
    data = weekly_form(room, kind="once", starts_at_local=f"{day:%Y-%m-%d}T20:00", duration_minutes="45")
    partial = client.get("/schedules/new/estimate/", data).content.decode()
    assert "<html" not in partial and 'id="estimate"' in partial
    assert f"{day:%a %Y-%m-%d} 20:00 +08, 45 minutes" in partial  # the zone is named
    # Singapore is UTC+8, Tencent's billing time: the occurrence falls on that billing day.
    assert "This recording" in partial and f"Push rule on {day:%a} {day.day} {day:%b}" in partial
    invalid = client.get("/schedules/new/estimate/", weekly_form(room, weekday_list=[])).content.decode()
    assert "Choose the room and when it records" in invalid


def test_edit_form_shows_the_saved_schedules_next_occurrence_estimate(
    client_as: Callable[[User | None], Client], operator: User, moderator: User, room: Room
) -> None:
    schedule = Schedule.objects.create(
        room=room,
        name="Nightly",
        kind=ScheduleKind.WEEKLY,
        time_zone="Asia/Singapore",
        weekdays="0,1,2,3,4,5,6",
        start_time=time(20),
        duration_minutes=60,
    )
    page = client_as(operator).get(f"/schedules/{schedule.pk}/edit/").content.decode()
    assert "Estimate for the next occurrence" in page and "60 minutes" in page and "This recording" in page
    assert client_as(moderator).get(f"/schedules/{schedule.pk}/estimate/").status_code == 403


def test_moderators_see_schedules_but_cannot_change_them(
    client_as: Callable[[User | None], Client], moderator: User, room: Room
) -> None:
    schedule = Schedule.objects.create(
        room=room, name="Daily", kind=ScheduleKind.CRON, cron_expression="0 9 * * *", duration_minutes=30
    )
    client = client_as(moderator)
    listing = client.get("/schedules/")
    assert listing.status_code == 200 and "Daily" in listing.content.decode()
    assert client.get("/schedules/calendar/").status_code == 200
    assert client.post("/schedules/new/", weekly_form(room)).status_code == 403
    assert client.post(f"/schedules/{schedule.pk}/pause/").status_code == 403


def test_list_shows_next_occurrences_and_calendar_fourteen_days(
    client_as: Callable[[User | None], Client], operator: User, room: Room
) -> None:
    Schedule.objects.create(
        room=room,
        name="Daily",
        kind=ScheduleKind.CRON,
        cron_expression="0 9 * * *",
        duration_minutes=30,
        time_zone="Asia/Singapore",
    )
    client = client_as(operator)
    listing = client.get("/schedules/").content.decode()
    assert listing.count("09:00") >= 3  # console time zone is Asia/Singapore too
    calendar = client.get("/schedules/calendar/")
    days = calendar.context["days"]
    assert len(days) == 14 and all(len(day.entries) == 1 for day in days[1:])


def test_long_window_becomes_consecutive_recordings(room: Room) -> None:
    room.client_app.max_recording_minutes = 120
    room.client_app.save()
    start = timezone.now().replace(microsecond=0) + timedelta(minutes=1)
    schedule = Schedule.objects.create(
        room=room, name="Marathon", kind=ScheduleKind.ONCE, starts_at=start, duration_minutes=300
    )
    pieces = services.recording_pieces(schedule, start=start, end=start + timedelta(hours=6))
    assert [(p.start - start, p.duration) for p in pieces] == [
        (timedelta(0), timedelta(hours=2)),
        (timedelta(hours=2), timedelta(hours=2)),
        (timedelta(hours=4), timedelta(hours=1)),
    ]
    [first] = services.schedules_tick(now=start - timedelta(minutes=2))
    assert first.planned_end == start + timedelta(hours=2)
    second = services.schedules_tick(now=start + timedelta(hours=2) - timedelta(minutes=5))
    assert [s.planned_start for s in second] == [start + timedelta(hours=2)]
    assert RecordingSession.objects.filter(schedule=schedule).count() == 2


def test_booking_check_counts_only_the_same_project(room: Room) -> None:
    other_app = ClientAppFactory.create(car_project_id="cap-other0001")
    other_room = RoomFactory.create(client_app=other_app)
    for target in (room, other_room):
        Schedule.objects.create(
            room=target,
            name="X",
            kind=ScheduleKind.WEEKLY,
            weekdays="0,1,2,3,4,5,6",
            start_time=time(20),
            duration_minutes=60,
        )
    candidate = Schedule(
        room=RoomFactory.create(client_app=room.client_app),
        name="New",
        kind=ScheduleKind.WEEKLY,
        weekdays="0,1,2,3,4,5,6",
        start_time=time(20),
        duration_minutes=60,
        time_zone="Asia/Singapore",
    )
    check = services.booking_check(schedule=candidate, total=2, now=timezone.now())
    assert check.peak == 2 and not check.over
    assert services.booking_check(schedule=candidate, total=1, now=timezone.now()).over


def test_demo_schedules_are_seeded_once(db: None) -> None:
    from recordings import demo

    demo.seed()
    assert set(Schedule.objects.values_list("name", flat=True)) == {"Weeknight match", "Saturday class"}
    demo.seed()
    assert Schedule.objects.count() == 2
