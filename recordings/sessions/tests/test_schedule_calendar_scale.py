"""The 14-day calendar at scale (issue #15): at most CALENDAR_DAY_LIMIT entries a day with a link to the whole
day, the day's own page with every entry, the expansion of the rules cached per range and rule set, and a fixed
number of queries whatever the number of schedules."""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from recordings.catalog.tests.factories import RoomFactory
from recordings.models import Schedule, ScheduleKind
from recordings.sessions.services.calendar import CalendarEntry, calendar
from recordings.sessions.views.schedules import CALENDAR_DAY_LIMIT

pytestmark = pytest.mark.django_db

HOURLY = 30  # schedules firing every hour: 24 a day each, far more than a day shows


def hourly_schedules(count: int) -> list[Schedule]:
    return [
        Schedule.objects.create(
            room=RoomFactory.create(name=f"Hall {n}"),
            name=f"Hourly {n}",
            kind=ScheduleKind.CRON,
            cron_expression=f"{n % 60} * * * *",
            duration_minutes=10,
        )
        for n in range(count)
    ]


def test_each_day_shows_the_limit_and_links_to_the_whole_day(
    client_as: Callable[[User | None], Client], operator: User
) -> None:
    hourly_schedules(HOURLY)
    client = client_as(operator)
    response = client.get("/schedules/calendar/")
    days = response.context["days"]
    assert len(days) == 14
    tomorrow = days[1]
    assert len(tomorrow.entries) == CALENDAR_DAY_LIMIT
    assert tomorrow.more == HOURLY * 24 - CALENDAR_DAY_LIMIT  # every occurrence is counted
    starts = [entry.window.start for entry in tomorrow.entries]
    assert starts == sorted(starts)  # the first ones of the day
    body = response.content.decode()
    link = f'href="?day={tomorrow.day.isoformat()}"'
    assert link in body and f"and {tomorrow.more} more" in body
    first = tomorrow.entries[0]
    assert first.title == first.schedule.describe() and f'title="{escape(first.title)}"' in body
    assert f"{first.schedule.room.name} · {first.schedule.name}" in body

    whole = client.get(f"/schedules/calendar/?day={tomorrow.day.isoformat()}")
    assert whole.status_code == 200
    (only,) = whole.context["days"]
    assert only.day == tomorrow.day and only.more == 0
    assert len(only.entries) == HOURLY * 24
    assert only.entries[:CALENDAR_DAY_LIMIT] == tomorrow.entries
    assert "calendar-more" not in whole.content.decode()


@pytest.mark.parametrize("day", ["2026-02-30", "yesterday", "0001-01-01"])
def test_a_bad_day_is_a_400_with_the_fourteen_days(
    client_as: Callable[[User | None], Client], operator: User, day: str
) -> None:
    response = client_as(operator).get(f"/schedules/calendar/?day={day}")
    assert response.status_code == 400 and len(response.context["days"]) == 14
    assert 'role="alert"' in response.content.decode()


def test_the_expansion_is_cached_and_an_edited_rule_is_expanded_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cache.clear()  # this Redis database is the test run's own; an earlier run may have cached these very rules
    (schedule,) = hourly_schedules(1)
    first_day = timezone.localdate()
    now = timezone.now()

    def entries() -> list[CalendarEntry]:
        return [entry for day in calendar(first=first_day, days=2, now=now) for entry in day.entries]

    first = entries()
    assert len(first) == 48

    calls: list[int] = []
    original = Schedule.windows

    def counting(self: Schedule, **kwargs: Any) -> Any:
        calls.append(self.pk)
        return original(self, **kwargs)

    monkeypatch.setattr(Schedule, "windows", counting)
    again = entries()
    assert calls == [] and [e.window for e in again] == [e.window for e in first]
    # Another limit cuts the cached expansion again, without expanding the rules.
    limited = calendar(first=first_day, days=2, now=now, limit=5)
    assert calls == [] and [len(day.entries) for day in limited] == [5, 5]
    assert [day.more for day in limited] == [19, 19]
    schedule.cron_expression = "0 9 * * *"  # once a day now
    schedule.save()
    edited = entries()
    assert calls == [schedule.pk] and len(edited) == 2
    schedule.paused = True  # a paused schedule leaves the calendar at once
    schedule.save()
    assert entries() == []


def test_queries_do_not_grow_with_schedules(
    client_as: Callable[[User | None], Client], operator: User, django_assert_max_num_queries: Callable
) -> None:
    hourly_schedules(40)
    client = client_as(operator)
    with django_assert_max_num_queries(8):
        assert client.get("/schedules/calendar/").status_code == 200
