"""Capacity calendar: booked windows per day against the concurrency owned, and next month's pack mix."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.capacity import Booking, capacity_days, pack_recommendation
from billing.capacity_data import bookings, forget_bookings
from billing.estimator.timeline import BILLING_TZ
from billing.tests.factories import LIST_PRICES, at
from billing.tests.report_support import forget_cloud_figures, make_app, make_room, make_session
from recordings.models import Schedule, ScheduleKind
from recordings.sessions.lifecycle import SessionState

SG = LIST_PRICES.car_packs["singapore"]
DAYS = [date(2026, 12, d) for d in range(1, 4)]


def test_peaks_per_day_and_spec_against_owned():
    booked = [
        Booking(at(1, 10), at(1, 12), "S"),
        Booking(at(1, 11), at(1, 13), "M"),
        Booking(at(1, 11, 30), at(1, 12, 30), "CPU4"),  # priced as S
        Booking(at(2, 23), at(3, 1), "S"),  # crosses midnight: counts on both days
    ]
    days = capacity_days(booked, DAYS, owned=2)
    assert [(d.peaks, d.peak, d.over, d.excess) for d in days] == [
        ({"M": 1, "S": 2}, 3, True, 1),
        ({"S": 1}, 1, False, 0),
        ({"S": 1}, 1, False, 0),
    ]
    assert not capacity_days(booked, DAYS, owned=None)[0].over


def test_back_to_back_windows_share_one_concurrency():
    days = capacity_days([Booking(at(1, 10), at(1, 11), "S"), Booking(at(1, 11), at(1, 12), "S")], DAYS, 1)
    assert days[0].peak == 1 and not days[0].over


def test_recommendation_buys_monthly_packs_for_busy_specs_and_daily_for_rare_ones():
    month = [date(2026, 12, d) for d in range(1, 32)]
    booked = [Booking(at(d, 10), at(d, 11), "S") for d in range(1, 21)]  # 20 days of S → monthly
    booked += [Booking(at(d, 10), at(d, 11), "M") for d in range(1, 4)]  # 3 days of M → daily
    result = pack_recommendation(booked, month, SG)
    packs = {s.spec: (s.monthly_packs, s.daily_packs, s.cost) for s in result.specs}
    assert packs == {"S": (1, 0, 398), "M": (0, 3, 3 * 62)}


@pytest.mark.django_db
def test_bookings_count_sessions_and_unmaterialised_schedule_occurrences():
    app = make_app("Alpha", "M", 6000)
    room = make_room(app, "room-a")
    schedule = Schedule.objects.create(
        room=room,
        name="nightly",
        kind=ScheduleKind.WEEKLY,
        time_zone="Asia/Singapore",
        weekdays="0,1,2,3,4,5,6",
        start_time=time(20, 0),
        duration_minutes=60,
    )
    # Dec 1's occurrence already has its (scheduled) session: counted once, not twice.
    make_session(room, (at(1, 20), 60), None, state=SessionState.SCHEDULED).__class__.objects.filter(
        room=room
    ).update(schedule=schedule)
    make_session(room, (at(2, 9), 30), None, state=SessionState.CANCELLED)  # cancelled: not booked
    found = bookings(at(1, 0), at(3, 0))
    assert sorted((b.start, b.spec) for b in found) == [(at(1, 20), "M"), (at(2, 20), "M")]


@pytest.mark.django_db
@pytest.mark.usefixtures("list_price_book")
def test_page_falls_back_to_the_entered_number_when_car_is_unreachable(client_as, manager, settings):
    settings.TENCENT_API_ENDPOINT = "127.0.0.1:9"
    settings.TENCENT_RETRY_ATTEMPTS = 1
    forget_cloud_figures()
    room = make_room(make_app("Alpha", "S", 6000), "room-a")
    tomorrow = timezone.now().astimezone(BILLING_TZ).date() + timedelta(days=1)
    noon = datetime.combine(tomorrow, time(12), tzinfo=BILLING_TZ)
    make_session(room, (noon, 60), None, state=SessionState.SCHEDULED)
    other = make_room(make_app("Beta", "S", 6000), "room-b")
    make_session(other, (noon, 60), None, state=SessionState.SCHEDULED)
    response = client_as(manager).get(reverse("billing:capacity"), {"owned": "1"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "CAR is unreachable" in html and "Using the number entered above" in html
    assert 'class="over-capacity"' in html and "over by 1" in html
    assert "Packs for" in html
    forget_cloud_figures()


@pytest.mark.django_db
@pytest.mark.usefixtures("list_price_book")
def test_page_uses_cars_own_count(client_as, manager, emulator):
    forget_cloud_figures()
    make_room(make_app("Alpha", "S", 6000), "room-a")
    response = client_as(manager).get(reverse("billing:capacity"))
    html = response.content.decode()
    assert "CAR DescribeConcurrentCount, 1 project" in html
    assert 'data-testid="owned"' in html
    forget_cloud_figures()


@pytest.mark.django_db
@pytest.mark.usefixtures("list_price_book")
def test_page_expands_each_schedule_once_and_reuses_the_bookings(
    client_as, manager, settings, monkeypatch, django_assert_max_num_queries
):
    """The calendar's 28 days and next month come from one expansion of the schedules; the next view within the
    minute reads the cached peaks and expands nothing."""
    settings.TENCENT_API_ENDPOINT = "127.0.0.1:9"
    settings.TENCENT_RETRY_ATTEMPTS = 1
    forget_cloud_figures()
    for index in range(3):
        Schedule.objects.create(
            room=make_room(make_app(f"App {index}", "S", 6000), f"room-{index}"),
            name=f"nightly {index}",
            kind=ScheduleKind.WEEKLY,
            time_zone="Asia/Singapore",
            weekdays="0,1,2,3,4,5,6",
            start_time=time(20, 0),
            duration_minutes=60,
        )
    expanded: list[int] = []
    windows = Schedule.windows

    def counting(self, **kwargs):  # type: ignore[no-untyped-def]
        expanded.append(self.pk)
        return windows(self, **kwargs)

    monkeypatch.setattr(Schedule, "windows", counting)
    client = client_as(manager)
    client.get(reverse("billing:capacity"), {"owned": "2"})  # CAR's failure is remembered for a minute
    forget_bookings()
    expanded.clear()
    with django_assert_max_num_queries(12):
        first = client.get(reverse("billing:capacity"), {"owned": "2"})
    assert sorted(expanded) == sorted(Schedule.objects.values_list("pk", flat=True))  # once each
    assert first.status_code == 200 and "over by 1" in first.content.decode()  # 3 nightly against 2
    second = client.get(reverse("billing:capacity"), {"owned": "2"})
    assert len(expanded) == 3 and second.content.decode().count("over by 1") == first.content.decode().count(
        "over by 1"
    )
    forget_cloud_figures()
