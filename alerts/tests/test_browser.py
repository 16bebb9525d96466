"""The alerts pages, filled, pass axe-core and fit a phone, like every page of the crawl."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from alerts.models import Channel, ChannelKind, RuleKind
from alerts.services import alerts_evaluate, channel_test
from alerts.tests.support import failed_session, rule_of
from conftest import make_user
from dashboard.access import Role
from dashboard.tests.browser_crawl import describe_violations, login_context, overflow_problem, run_axe
from recordings.review.tests.support import make_room

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = ["/alerts/", "/alerts/rules/", "/alerts/channels/", "/alerts/rules/{rule}/", "/"]


@pytest.mark.parametrize("width", [1360, 390])
def test_alerts_pages_pass_axe_and_fit_the_viewport(browser, live_server, width):
    from django.contrib.auth.models import Group

    for role in Role:
        Group.objects.get_or_create(name=role.value)
    operator = make_user("alerts-op", Role.OPERATOR)
    rule = rule_of(RuleKind.RECORDING_FAILED, group_window_s=0)
    channel = Channel.objects.create(
        name="A channel with a rather long name for phones",
        kind=ChannelKind.APPRISE,
        target="json://hook:secretpassword@127.0.0.1:9/a/very/long/path/that/goes/on/and/on/for/a/while",
    )
    rule.channels.add(channel)
    now = timezone.now()
    room = make_room(name="A room whose name is long enough to need wrapping on a phone screen")
    for i in range(3):
        failed_session(room, at=now - timedelta(seconds=i), reason="CreateSession: " + "x" * 150)
    alerts_evaluate(now=now)
    channel_test(channel=channel, actor=operator)

    context = login_context(browser, live_server, operator, width=width)
    page = context.new_page()
    problems: list[str] = []
    try:
        for path in PAGES:
            url = live_server.url + path.format(rule=rule.pk)
            page.goto(url)
            problems.extend(describe_violations(url, run_axe(page)))
            problem = overflow_problem(page, f"{url} at {width} px")
            if problem:
                problems.append(problem)
        page.goto(live_server.url + "/")
        assert page.get_by_test_id("overview-alerts").inner_text().count("3 recordings failed") == 1
    finally:
        context.close()
    assert not problems, "\n".join(problems)
