"""Alerts pages: who may open and change what, forms and bad input, and the overview panel per role."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from alerts.models import Alert, Channel, ChannelKind, Rule, RuleKind
from alerts.services import alerts_evaluate
from alerts.tests.support import failed_session, rule_of
from recordings.review.tests.support import make_file, make_room

pytestmark = pytest.mark.django_db

MANAGE_PAGES = ["alerts:rule_list", "alerts:channel_list"]


@pytest.mark.parametrize("role", ["anonymous", "operator", "manager", "moderator"])
def test_pages_enforce_roles(client_as, role_user, role):
    client = client_as(role_user(role))
    alerts_page = client.get(reverse("alerts:alert_list"))
    manage = [client.get(reverse(name)) for name in MANAGE_PAGES]
    rule_edit = client.get(reverse("alerts:rule_edit", args=[rule_of(RuleKind.NO_FILES).pk]))
    if role == "anonymous":
        assert {r.status_code for r in [alerts_page, *manage, rule_edit]} == {302}
        return
    assert alerts_page.status_code == 200
    expected = 200 if role in {"operator", "manager"} else 403
    assert {r.status_code for r in [*manage, rule_edit]} == {expected}


def test_a_moderator_cannot_change_channels_rules_or_mutes(client_as, moderator):
    channel = Channel.objects.create(name="x", kind=ChannelKind.EMAIL, target="a@example.com")
    failed_session(make_room(), at=timezone.now())
    alerts_evaluate()
    alert = Alert.objects.get()
    client = client_as(moderator)
    posts = [
        client.post(
            reverse("alerts:channel_list"), {"name": "n", "kind": "email", "target": "b@example.com"}
        ),
        client.post(reverse("alerts:channel_test", args=[channel.pk])),
        client.post(reverse("alerts:channel_delete", args=[channel.pk])),
        client.post(reverse("alerts:alert_mute", args=[alert.pk]), {"until": "2099-01-01T00:00"}),
    ]
    assert {r.status_code for r in posts} == {403}
    assert Channel.objects.count() == 1 and Alert.objects.get().muted_until is None


def test_a_manager_adds_a_channel_subscribes_it_and_edits_thresholds(client_as, manager):
    client = client_as(manager)
    response = client.post(
        reverse("alerts:channel_list"),
        {"name": "WeCom on-call", "kind": "apprise", "target": "wecombot://abcdef0123456789secretkey"},
    )
    assert response.status_code == 302
    channel = Channel.objects.get()
    page = client.get(reverse("alerts:channel_list")).content.decode()
    assert "WeCom on-call" in page and "0123456789secret" not in page
    rule = rule_of(RuleKind.LATE_START)

    saved = client.post(
        reverse("alerts:rule_edit", args=[rule.pk]),
        {"enabled": "on", "threshold": "300", "group_window_s": "120", "channels": [channel.pk]},
    )

    assert saved.status_code == 302
    rule.refresh_from_db()
    assert (rule.threshold, rule.group_window_s) == (300, 120)
    assert list(rule.channels.all()) == [channel]
    assert "not live 300 s after" in client.get(reverse("alerts:rule_list")).content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "x", "kind": "apprise", "target": "nonsense://what"}, "Apprise does not understand"),
        ({"name": "x", "kind": "email", "target": "not-an-address"}, "valid email"),
        ({"name": "x", "kind": "pigeon", "target": "a@example.com"}, "Select a valid choice"),
    ],
)
def test_bad_channels_are_form_errors(client_as, operator, data, message):
    response = client_as(operator).post(reverse("alerts:channel_list"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Channel.objects.exists()


@pytest.mark.parametrize("value", ["0", "999999", "abc", "-5"])
def test_thresholds_out_of_range_are_form_errors(client_as, operator, value):
    rule = rule_of(RuleKind.REVIEW_QUEUE)
    response = client_as(operator).post(
        reverse("alerts:rule_edit", args=[rule.pk]),
        {"enabled": "on", "threshold": value, "group_window_s": "60"},
    )
    assert response.status_code == 200
    assert Rule.objects.get(pk=rule.pk).threshold == 24


def test_mute_and_unmute_from_the_alerts_page(client_as, operator):
    failed_session(make_room(), at=timezone.now())
    alerts_evaluate()
    alert = Alert.objects.get()
    client = client_as(operator)
    until = timezone.localtime() + timedelta(hours=2)
    client.post(reverse("alerts:alert_mute", args=[alert.pk]), {"until": until.strftime("%Y-%m-%dT%H:%M")})
    alert.refresh_from_db()
    assert alert.muted_until is not None and alert.muted_by == operator
    for bad in [
        "yesterday",
        "2001-01-01T00:00",
        (timezone.localtime() + timedelta(days=40)).strftime("%Y-%m-%dT%H:%M"),
    ]:
        response = client.post(reverse("alerts:alert_mute", args=[alert.pk]), {"until": bad})
        assert response.status_code == 302
    client.post(reverse("alerts:alert_mute", args=[alert.pk]), {"unmute": "1"})
    alert.refresh_from_db()
    assert alert.muted_until is None


def test_the_overview_shows_open_alerts_to_the_roles_they_concern(client_as, operator, manager, moderator):
    now = timezone.now()
    failed_session(make_room(), at=now)
    make_file(discovered_at=now - timedelta(hours=30))  # the review queue rule (24 h) concerns moderators
    alerts_evaluate(now=now)

    def overview(user) -> str:
        return client_as(user).get(reverse("overview")).content.decode()

    assert "1 recording failed" in overview(operator)
    assert "Review queue: oldest item" not in overview(operator)
    assert "Review queue: oldest item" in overview(moderator)
    assert "1 recording failed" not in overview(moderator)
    assert "1 recording failed" not in overview(manager)  # a manager's overview: budgets and reviews only
    alerts_page = client_as(moderator).get(reverse("alerts:alert_list")).content.decode()
    assert "Review queue: oldest item" in alerts_page and "1 recording failed" not in alerts_page
