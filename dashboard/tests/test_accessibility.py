"""Every page each role can reach passes axe-core's WCAG 2 A/AA rules, fits a desktop viewport and highlights
exactly its own sidebar item."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest

from dashboard.tests.browser_crawl import (
    ROLES,
    crawl_as_each_role,
    describe_violations,
    overflow_problem,
    run_axe,
    seed_demo_data,
    sidebar_problem,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def desktop_checks(page: Any, label: str, path: str) -> Iterable[str | None]:
    yield from describe_violations(label, run_axe(page))
    yield overflow_problem(page, label)
    yield sidebar_problem(page, label, path)


@pytest.mark.slow
@pytest.mark.long
@pytest.mark.xdist_group("accessibility-crawl")
def test_every_reachable_page_passes_axe_for_every_role(browser, live_server, settings):
    settings.TENCENT_RETRY_ATTEMPTS = (
        1  # no cloud here: a page's Tencent call fails at once, without back-off
    )
    seed_demo_data()
    problems = crawl_as_each_role(
        browser,
        live_server,
        width=1360,
        per_pattern=lambda role: 2 if role == ROLES[0] else 1,
        check=desktop_checks,
    )
    assert not problems, "\n".join(problems)
