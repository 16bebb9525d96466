"""The webhook pages in Simplified Chinese (issue #18): headings, event choices, URL refusals and flash messages
follow the user's language; event type codes (recording.started, …) stay as they are sent."""

from __future__ import annotations

import pytest
from django.urls import reverse

from webhooks.models import WebhookEndpoint

pytestmark = pytest.mark.django_db
ZH = {"Accept-Language": "zh-hans"}


def test_endpoint_form_offers_events_in_chinese_and_refuses_urls_in_chinese(client_as, operator, settings):
    client = client_as(operator)
    form = client.get(reverse("webhooks:endpoint_create"), headers=ZH).content.decode()
    assert "添加 Webhook 端点" in form
    assert "recording.started — 录制正在进行（其直播流在线）" in form
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False
    refused = client.post(
        reverse("webhooks:endpoint_create"), {"url": "ftp://example.com/hook", "active": "on"}, headers=ZH
    )
    assert "只允许 http:// 和 https:// 的 URL。" in refused.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_adding_an_endpoint_is_confirmed_in_chinese(client_as, operator):
    client = client_as(operator)
    response = client.post(
        reverse("webhooks:endpoint_create"),
        {"url": "http://127.0.0.1:9/hook", "events": ["recording.started"], "active": "on"},
        follow=True,
        headers=ZH,
    )
    page = response.content.decode()
    assert "已添加 Webhook 端点。" in page
    assert "签名密钥" in page and "暂无投递记录。" in page
    listing = client.get(reverse("webhooks:endpoint_list"), headers=ZH).content.decode()
    assert "启用" in listing and "recording.started" in listing and ">Active<" not in listing
