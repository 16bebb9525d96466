"""The Tencent API call log page (dashboard/calllog_views.py): access, filters, htmx partial, paging."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import make_user
from dashboard.access import Role
from tencent.models import ApiCall

pytestmark = pytest.mark.django_db
URL = "/tencent/calls/"


def make_call(**fields: Any) -> ApiCall:
    defaults: dict[str, Any] = {
        "service": "car",
        "action": "ApplyConcurrent",
        "outcome": "ok",
        "request": {"UserId": "room-1"},
        "duration_ms": 12,
        "request_id": "req-ok",
    }
    return ApiCall.objects.create(**{**defaults, **fields})


def test_url_name() -> None:
    assert reverse("call_list") == URL


@pytest.mark.parametrize(("role", "status"), [("operator", 200), ("manager", 200), ("moderator", 403)])
def test_only_audit_readers_see_the_call_log(
    role: str,
    status: int,
    role_user: Callable[[str], User | None],
    client_as: Callable[[User | None], Client],
) -> None:
    assert client_as(role_user(role)).get(URL).status_code == status


def test_anonymous_users_are_sent_to_login(client: Client) -> None:
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_filters_by_action_outcome_session_and_date(operator: User, client_as: Callable[..., Client]) -> None:
    make_call(session_id=7, request_id="req-a")
    make_call(
        action="CreateSession",
        outcome="error",
        error_code="FailedOperation.LockTimeout",
        session_id=7,
        request_id="req-b",
    )
    make_call(action="CreateSession", session_id=8, request_id="req-c")
    make_call(started_at=timezone.now() - timedelta(days=3), request_id="req-old")
    client = client_as(operator)

    def shown(query: str) -> set[str]:
        page = client.get(URL + query).context["page"]
        return {call.request_id for call in page.object_list}

    assert shown("") == {"req-a", "req-b", "req-c", "req-old"}
    assert shown("?action=CreateSession") == {"req-b", "req-c"}
    assert shown("?outcome=error") == {"req-b"}
    assert shown("?session=7") == {"req-a", "req-b"}
    today = timezone.localdate().isoformat()
    assert shown(f"?since={today}") == {"req-a", "req-b", "req-c"}
    assert shown(f"?until={(timezone.localdate() - timedelta(days=2)).isoformat()}") == {"req-old"}


def test_an_invalid_filter_shows_an_error_not_a_crash(
    operator: User, client_as: Callable[..., Client]
) -> None:
    response = client_as(operator).get(URL + "?session=abc")
    assert response.status_code == 400 and "Enter a whole number" in response.content.decode()


def test_htmx_requests_get_only_the_results_partial(operator: User, client_as: Callable[..., Client]) -> None:
    make_call(error_code="", request_id="req-x")
    response = client_as(operator).get(URL, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="results"') and "req-x" in body and "<form" not in body


def test_the_list_is_paginated_with_a_bounded_number_of_queries(
    operator: User, client_as: Callable[..., Client], django_assert_max_num_queries: Any
) -> None:
    ApiCall.objects.bulk_create(
        ApiCall(service="live", action=f"Describe{i % 5}", outcome="ok", session_id=i, request_id=f"r{i}")
        for i in range(120)
    )
    client = client_as(operator)
    client.get(URL)  # warm the session and permission caches
    with django_assert_max_num_queries(8):
        response = client.get(URL + "?page=2")
    assert len(response.context["page"].object_list) == 50
    assert "Page 2 of 3" in response.content.decode()


def test_the_table_partial_renders_any_calls_without_queries(django_assert_num_queries: Any) -> None:
    calls = [
        make_call(session_id=5, request={"PublishStreamArgs": "txSecret=***"}),
        make_call(outcome="error", error_code="ResourceNotFound.NoIdle", error_message="none idle"),
    ]
    with django_assert_num_queries(0):
        html = render_to_string("dashboard/_calls_table.html", {"calls": calls})
    assert "ResourceNotFound.NoIdle" in html and "none idle" in html
    assert f"{URL}?session=5" in html and "txSecret=***" in html


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_filtering_in_the_browser_swaps_only_the_results(
    page: Any, live_server: Any, browser_login: Callable[[Any, User], None]
) -> None:
    # An earlier transactional test's flush may have removed the role groups the migrations created.
    Group.objects.get_or_create(name=Role.OPERATOR.value)
    operator = make_user("olivia", Role.OPERATOR)
    make_call(request_id="req-fine")
    for number in range(55):
        make_call(outcome="error", error_code="InternalError", request_id=f"req-old-{number}")
    make_call(outcome="error", error_code="ResourceNotFound.NoIdle", request_id="req-broken")
    browser_login(page, operator)
    page.goto(f"{live_server.url}{URL}")
    page.evaluate("window.notReloaded = true")

    page.select_option("select[name=outcome]", "error")

    page.wait_for_url("**outcome=error**")
    results = page.locator("#results")
    results.get_by_text("req-broken").wait_for()
    assert "req-fine" not in results.inner_text()
    assert page.evaluate("window.notReloaded") is True  # an htmx swap, not a page load

    page.click("a[rel=next]")
    page.wait_for_url("**page=2**")
    page.get_by_text("Page 2 of 2").wait_for()
    assert page.locator("#results").count() == 1 and "req-fine" not in page.locator("#results").inner_text()
    assert page.evaluate("window.notReloaded") is True
