"""The alerts pages in Simplified Chinese (issue #18): headings, rule kinds and conditions, form errors and flash
messages follow the user's language; the thresholds stay numbers inside the translated sentences."""

from __future__ import annotations

from datetime import timedelta
from email.header import decode_header, make_header

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from alerts.models import Alert, RuleKind
from alerts.services import alerts_evaluate
from alerts.tests.support import email_channel, failed_session, rule_of
from recordings.review.tests.support import make_room

pytestmark = pytest.mark.django_db
ZH = {"Accept-Language": "zh-hans"}


def test_rules_page_in_chinese_names_each_rule_and_its_condition(client_as, manager):
    rule_of(RuleKind.LATE_START, threshold=300)
    page = client_as(manager).get(reverse("alerts:rule_list"), headers=ZH).content.decode()
    assert "<title>告警规则" in page
    assert "录制开始延迟" in page and "录制在计划开始时间 300 秒后仍未上线。" in page
    assert "腾讯云 API 错误率" in page
    assert "not live 300 s after" not in page


def test_a_bad_mute_and_a_saved_rule_are_told_in_chinese(client_as, manager):
    failed_session(make_room(), at=timezone.now())
    alerts_evaluate()
    alert = Alert.objects.get()
    client = client_as(manager)
    muted = client.post(
        reverse("alerts:alert_mute", args=[alert.pk]), {"until": "2001-01-01T00:00"}, follow=True, headers=ZH
    )
    assert "未屏蔽：请选择将来的时间。" in muted.content.decode()
    assert "未恢复" in muted.content.decode()  # the alert's state badge
    rule = rule_of(RuleKind.NO_FILES)
    form = client.get(reverse("alerts:rule_edit", args=[rule.pk]), headers=ZH).content.decode()
    assert "无录制文件判定（分钟）" in form and "1 到 1440。" in form
    saved = client.post(
        reverse("alerts:rule_edit", args=[rule.pk]),
        {"enabled": "on", "threshold": "20", "group_window_s": "60"},
        follow=True,
        headers=ZH,
    )
    assert "已保存告警规则“停止后无录制文件”。" in saved.content.decode()


def test_channel_form_errors_are_in_chinese(client_as, manager):
    response = client_as(manager).post(
        reverse("alerts:channel_list"), {"name": "x", "kind": "email", "target": " , "}, headers=ZH
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "请至少填写一个电子邮件地址。" in page and "添加通知渠道" in page


def test_alert_messages_are_in_the_consoles_language_whoever_runs_the_evaluation(smtp_inbox, settings):
    rule = rule_of(RuleKind.RECORDING_FAILED, threshold=15, group_window_s=0)
    email_channel(rule, to="oncall@example.com")
    t0 = timezone.now()
    for i in range(2):
        failed_session(make_room(), at=t0 + timedelta(seconds=i))
    settings.LANGUAGE_CODE = "zh-hans"
    alerts_evaluate(now=t0 + timedelta(seconds=5))
    alerts_evaluate(now=t0 + timedelta(minutes=16))
    subjects = [str(make_header(decode_header(subject))) for subject in smtp_inbox.subjects]
    assert subjects == ["[CNR Console] 2 个录制失败", "[CNR Console] 已恢复：2 个录制失败"]
    assert "失败：CreateSession: ResourceUnavailable" in smtp_inbox.body(0)
    assert "最近 15 分钟内没有录制失败。" in smtp_inbox.body(1)


def test_a_chinese_request_does_not_turn_an_english_consoles_alerts_chinese(smtp_inbox):
    rule = rule_of(RuleKind.RECORDING_FAILED, threshold=15, group_window_s=0)
    email_channel(rule)
    t0 = timezone.now()
    failed_session(make_room(), at=t0)
    with translation.override("zh-hans"):
        alerts_evaluate(now=t0 + timedelta(seconds=5))
    assert smtp_inbox.subjects == ["[CNR Console] 1 recording failed"]
    assert Alert.objects.get().title == "1 recording failed"
