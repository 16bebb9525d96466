"""The calculator reads the times typed into it in the active zone (the user's, else the console's) and says so."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from billing.tests.test_pages import _plan
from dashboard.models import Profile

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("list_price_book")]


@pytest.fixture(autouse=True)
def console_zone(settings: Any) -> None:
    settings.TIME_ZONE = "Asia/Singapore"


def push_days(body: str) -> str:
    return body.split("Push rule by day")[-1].split("</table>")[0]


def test_a_typed_start_is_read_in_the_console_zone_and_labelled(client_as: Any, manager: Any) -> None:
    body = client_as(manager).post(reverse("billing:calculator"), _plan()).content.decode()
    assert "Start (+08)" in body and "In Asia/Singapore (+08) unless it carries an offset." in body
    assert "2026-12-01 20:00 +08" in body
    assert "Tue 1 Dec" in push_days(body) and "Wed 2 Dec" not in push_days(body)


def test_a_typed_start_is_read_in_the_users_zone(client_as: Any, manager: Any) -> None:
    Profile.objects.create(user=manager, time_zone="Europe/Berlin")
    body = client_as(manager).post(reverse("billing:calculator"), _plan()).content.decode()
    assert "Start (CET)" in body and "2026-12-01 20:00 CET" in body
    # 20:00 in Berlin is 03:00 the next day in UTC+8, Tencent's billing day.
    assert "Wed 2 Dec" in push_days(body) and "Tue 1 Dec" not in push_days(body)
