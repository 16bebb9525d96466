"""Alerts end to end on loopback: grouping, updates, resolved messages and mutes, by e-mail through a real SMTP
server and by Apprise's JSON channel to a real HTTP receiver."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from alerts.models import Alert, AlertState, Channel, ChannelKind, Notification, NotificationState, RuleKind
from alerts.services import alert_mute, alerts_evaluate, channel_test
from alerts.tests.support import email_channel, failed_session, rule_of
from recordings.review.tests.support import make_room

pytestmark = pytest.mark.django_db


def test_an_operator_gets_one_email_when_recordings_fail_and_one_when_they_recover(smtp_inbox, operator):
    rule = rule_of(RuleKind.RECORDING_FAILED, threshold=15, group_window_s=60)
    email_channel(rule, to="oncall@example.com")
    t0 = timezone.now()
    room = make_room()
    sessions = [failed_session(room, at=t0 + timedelta(seconds=i)) for i in range(10)]

    alerts_evaluate(now=t0 + timedelta(seconds=10))  # inside the grouping window: wait for the rest
    assert smtp_inbox.messages == []
    alerts_evaluate(now=t0 + timedelta(seconds=75))
    alerts_evaluate(now=t0 + timedelta(seconds=105))  # nothing new: nothing sent

    assert len(smtp_inbox.messages) == 1
    assert smtp_inbox.subjects[0] == "[CNR Console] 10 recordings failed"
    assert smtp_inbox.recipients[0] == ["oncall@example.com"]
    body = smtp_inbox.body(0)
    assert all(f"Recording #{s.pk} " in body for s in sessions)
    assert "/alerts/" in body

    alerts_evaluate(now=t0 + timedelta(minutes=16))  # no failure in the last 15 minutes: recovered

    assert len(smtp_inbox.messages) == 2
    assert smtp_inbox.subjects[1] == "[CNR Console] Resolved: 10 recordings failed"
    assert "No recording has failed in the last 15 minutes." in smtp_inbox.body(1)
    alert = Alert.objects.get()
    assert alert.state == AlertState.RESOLVED and alert.dedupe_key == "recording_failed"
    alerts_evaluate(now=t0 + timedelta(minutes=17))
    assert len(smtp_inbox.messages) == 2


def test_later_failures_are_one_update_per_window_naming_only_the_new_ones(smtp_inbox):
    rule = rule_of(RuleKind.RECORDING_FAILED, threshold=15, group_window_s=60)
    email_channel(rule)
    t0 = timezone.now()
    room = make_room()
    failed_session(room, at=t0)
    alerts_evaluate(now=t0)
    alerts_evaluate(now=t0 + timedelta(seconds=61))
    late = [failed_session(room, at=t0 + timedelta(seconds=70 + i)) for i in range(3)]
    alerts_evaluate(now=t0 + timedelta(seconds=80))  # within the window after the first message
    assert len(smtp_inbox.messages) == 1

    alerts_evaluate(now=t0 + timedelta(seconds=125))

    assert len(smtp_inbox.messages) == 2
    assert smtp_inbox.subjects[1] == "[CNR Console] 4 recordings failed"
    update = smtp_inbox.body(1)
    assert update.startswith("3 new since the last message:")
    assert all(f"Recording #{s.pk} " in update for s in late)
    assert Alert.objects.count() == 1


def test_a_muted_alert_sends_nothing_until_the_mute_ends_and_a_reopened_alert_stays_muted(
    smtp_inbox, operator
):
    rule = rule_of(RuleKind.RECORDING_FAILED, threshold=5, group_window_s=0)
    email_channel(rule)
    t0 = timezone.now()
    room = make_room()
    failed_session(room, at=t0)
    alerts_evaluate(now=t0)
    assert len(smtp_inbox.messages) == 1
    alert = Alert.objects.get()
    alert_mute(alert=alert, until=t0 + timedelta(hours=1), actor=operator)

    alerts_evaluate(now=t0 + timedelta(minutes=6))  # resolved while muted: no resolved message
    failed_session(room, at=t0 + timedelta(minutes=7))
    alerts_evaluate(now=t0 + timedelta(minutes=7))  # reopened under the same dedupe key: still muted
    assert len(smtp_inbox.messages) == 1
    reopened = Alert.objects.get(state=AlertState.OPEN)
    assert reopened.pk != alert.pk and reopened.muted_until == t0 + timedelta(hours=1)

    failed_session(room, at=t0 + timedelta(minutes=61))
    alerts_evaluate(now=t0 + timedelta(minutes=61))  # the mute is over: told now

    assert len(smtp_inbox.messages) == 2
    assert smtp_inbox.subjects[1].startswith("[CNR Console] ")


def test_apprise_json_channel_reaches_a_local_receiver_and_a_failed_send_is_retried(json_receiver):
    rule = rule_of(RuleKind.RECORDING_FAILED, threshold=15, group_window_s=0)
    channel = Channel.objects.create(name="json", kind=ChannelKind.APPRISE, target=json_receiver.url())
    rule.channels.add(channel)
    t0 = timezone.now()
    failed_session(make_room(), at=t0)
    json_receiver.fail_next = 1

    first = alerts_evaluate(now=t0)

    assert (first.sent, first.failed) == (0, 1)
    pending = Notification.objects.get()
    assert pending.state == NotificationState.PENDING and pending.attempts == 1 and "500" in pending.error
    second = alerts_evaluate(now=t0 + timedelta(seconds=30))
    assert (second.sent, second.failed) == (1, 0)
    assert len(json_receiver.posts) == 1
    post = json_receiver.posts[0]
    assert post["title"] == "[CNR Console] 1 recording failed"
    assert "ResourceUnavailable" in post["message"]
    assert Notification.objects.get().state == NotificationState.SENT


def test_a_channel_test_sends_now_and_says_whether_it_worked(json_receiver, operator):
    good = Channel.objects.create(name="json", kind=ChannelKind.APPRISE, target=json_receiver.url())
    dead = Channel.objects.create(name="dead", kind=ChannelKind.APPRISE, target="json://127.0.0.1:9/none")

    assert channel_test(channel=good, actor=operator).state == NotificationState.SENT
    failed = channel_test(channel=dead, actor=operator)

    assert failed.state == NotificationState.FAILED and failed.error
    assert json_receiver.posts[0]["title"] == "[CNR Console] Test message"
    good.refresh_from_db()
    dead.refresh_from_db()
    assert good.last_test_ok is True and dead.last_test_ok is False


def test_a_disabled_rule_opens_nothing_and_resolves_its_open_alert_silently(smtp_inbox):
    rule = rule_of(RuleKind.RECORDING_FAILED, threshold=15, group_window_s=0)
    email_channel(rule)
    t0 = timezone.now()
    failed_session(make_room(), at=t0)
    alerts_evaluate(now=t0)
    rule.enabled = False
    rule.save()

    alerts_evaluate(now=t0 + timedelta(seconds=5))

    assert Alert.objects.get().state == AlertState.RESOLVED
    assert len(smtp_inbox.messages) == 1


def test_secrets_in_channel_urls_are_not_displayed():
    json_channel = Channel(kind=ChannelKind.APPRISE, target="json://hook:s3cretpass@127.0.0.1:8080/path")
    wecom = Channel(kind=ChannelKind.APPRISE, target="wecombot://abcdef0123456789secretkey")

    assert "s3cretpass" not in json_channel.display_target
    assert json_channel.display_target.startswith("json://hook:")
    assert "0123456789secret" not in wecom.display_target
    assert wecom.display_target.startswith("wecombot://")
