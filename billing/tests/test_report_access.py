"""Who may see the cost pages, and how many queries the report takes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from billing.tests.factories import at
from billing.tests.report_support import (
    forget_cloud_figures,
    make_app,
    make_room,
    make_session,
    worked_december,
)
from billing.usage import UsageResult

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("list_price_book")]

PAGES = ["billing:report", "billing:report_csv", "billing:capacity"]


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize(("role", "status"), [("operator", 403), ("moderator", 403), ("manager", 200)])
def test_only_managers_see_cost_pages(name, role, status, role_user, client_as, settings):
    settings.TENCENT_API_ENDPOINT = "127.0.0.1:9"
    settings.TENCENT_RETRY_ATTEMPTS = 1
    forget_cloud_figures()
    response = client_as(role_user(role)).get(reverse(name))
    assert response.status_code == status
    forget_cloud_figures()


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_is_sent_to_log_in(name, client):
    response = client.get(reverse(name))
    assert response.status_code == 302 and "login" in response["Location"]


def test_report_queries_do_not_grow_with_sessions(
    client_as, manager, django_assert_max_num_queries, monkeypatch
):
    from django.core.cache import cache

    monkeypatch.setattr("billing.views.reports.timezone.now", lambda: datetime(2027, 1, 2, tzinfo=UTC))
    cache.set("billing:usage:2026-12", UsageResult(None, "cached"), 60)
    worked_december()
    for index in range(30):
        room = make_room(make_app(f"App {index}", "S", 6000), f"extra-{index}")
        make_session(room, (at(index % 28 + 1, 8), 60), (at(index % 28 + 1, 8), 60), formats=("mp4", "hls"))
    client = client_as(manager)
    with django_assert_max_num_queries(
        13
    ):  # storage adds four: files summed, the others, class history, policies
        response = client.get(reverse("billing:report"), {"month": "2026-12"})
    assert response.status_code == 200 and "App 29" in response.content.decode()
    forget_cloud_figures()
