"""Layout: no page is wider than a phone's viewport, and the sidebar highlights exactly the current section.

The desktop width (1360 px) of every page is measured by the accessibility crawl
(dashboard/tests/test_accessibility.py), on the same seeded data with app, room, key, stream and tag names as long
as their fields allow and unbroken.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest
from django.urls import reverse

from dashboard.context_processors import active_url
from dashboard.tests.browser_crawl import (
    crawl_as_each_role,
    overflow_problem,
    seed_demo_data,
    sidebar_problem,
)

PHONE = 390


def test_the_longest_matching_navigation_url_wins():
    urls = ["/", "/costs/", "/costs/capacity/", "/recordings/", "/review/"]
    assert active_url("/costs/capacity/", urls) == "/costs/capacity/"
    assert active_url("/costs/capacity/?month=2026-12", urls) == "/costs/capacity/"
    assert active_url("/costs/", urls) == "/costs/"
    assert active_url("/costs/report.csv", urls) == "/costs/"
    assert active_url("/", urls) == "/"
    assert active_url("/rooms/", urls) is None  # "/" is only the overview itself
    assert active_url("/review/files/3/", urls) == "/review/"


def test_a_nested_page_highlights_only_its_own_section(client_as, manager):
    html = client_as(manager).get(reverse("billing:capacity")).content.decode()
    assert html.count('aria-current="page"') == 1
    assert f'href="{reverse("billing:capacity")}" class="nav-link active"' in html


def phone_checks(page: Any, label: str, path: str) -> Iterable[str | None]:
    yield overflow_problem(page, label)
    yield sidebar_problem(page, label, path)


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.long
@pytest.mark.django_db(transaction=True)
@pytest.mark.xdist_group("accessibility-crawl")
def test_no_page_is_wider_than_a_phone_for_any_role(browser, live_server, settings):
    settings.TENCENT_RETRY_ATTEMPTS = (
        1  # no cloud here: a page's Tencent call fails at once, without back-off
    )
    seed_demo_data()
    problems = crawl_as_each_role(
        browser, live_server, width=PHONE, per_pattern=lambda role: 1, check=phone_checks
    )
    assert not problems, "\n".join(problems)
