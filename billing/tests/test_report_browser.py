"""In a real browser: a manager reads the cost report's charts; an operator sees the estimate before starting
a recording and while filling in a schedule."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from billing.services import billing_month
from billing.tests.report_support import make_app, make_room, make_session
from billing.usage import UsageResult

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_opens_the_report_and_sees_the_charts(
    page, live_server, browser_login, manager, list_price_book
):
    month = billing_month(timezone.now())
    cache.set(f"billing:usage:{month:%Y-%m}", UsageResult(None, "Tencent is not asked in this test."), 60)
    room = make_room(make_app("Alpha", "S", 8000), "room-a")
    started = timezone.now() - timedelta(hours=3)
    make_session(room, (started, 60), (started, 60), formats=("mp4",))
    browser_login(page, manager)
    page.goto(live_server.url + reverse("billing:report"), timeout=60_000)  # a loaded CI machine is slow
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot').length === 4")
    assert page.locator(".js-plotly-plot .main-svg").count() >= 4
    assert "Tencent Cloud international list prices v1" in page.inner_text("[data-testid=price-book]")
    assert "Room room-a" in page.inner_text("[data-testid=by-room]")
    assert "Tencent is not asked" in page.inner_text("[data-testid=usage-note]")
    cache.delete(f"billing:usage:{month:%Y-%m}")


def test_operator_sees_the_estimate_on_the_start_form(
    page, live_server, browser_login, operator, list_price_book
):
    room = make_room(make_app("Alpha", "S", 8000), "room-a")
    browser_login(page, operator)
    page.goto(live_server.url + reverse("recordings:session_start", args=[room.pk]), timeout=60_000)
    estimate = page.locator("#estimate")
    estimate.wait_for()
    text = estimate.inner_text()
    assert "Estimate for" in text and "USD" in text and "This recording" in text


def test_operator_sees_the_schedule_forms_estimate_follow_the_form(
    page, live_server, browser_login, operator, list_price_book
):
    room = make_room(make_app("Alpha", "S", 8000), "room-a")
    browser_login(page, operator)
    page.goto(live_server.url + reverse("recordings:schedule_create") + f"?room={room.pk}", timeout=60_000)
    estimate = page.locator("#estimate")
    assert "Choose the room and when it records" in estimate.inner_text()
    page.fill("#id_name", "Launch")
    page.select_option("#id_kind", "once")
    day = (timezone.now() + timedelta(days=20)).astimezone(ZoneInfo("Asia/Singapore")).date()
    page.fill("#id_starts_at_local", f"{day:%Y-%m-%d}T20:00")
    page.fill("#id_duration_minutes", "30")
    page.locator("#id_duration_minutes").blur()  # a change event: htmx swaps the card
    page.wait_for_function(
        "document.getElementById('estimate').innerText.includes('30 minutes')", timeout=30_000
    )
    assert "This recording" in estimate.inner_text()
    page.fill("#id_duration_minutes", "90")
    page.locator("#id_duration_minutes").blur()
    page.wait_for_function(
        "document.getElementById('estimate').innerText.includes('90 minutes')", timeout=30_000
    )
