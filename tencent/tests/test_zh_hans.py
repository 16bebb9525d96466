"""The Cloud setup page and the overview's Tencent API health panel in Simplified Chinese (issue #18)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.template.loader import render_to_string
from django.test import Client
from django.utils import translation

from dashboard.overview import collect_panels
from dashboard.tests.test_calllog_views import make_call

pytestmark = pytest.mark.django_db
ZH = {"Accept-Language": "zh-hans"}


@pytest.mark.emulator
def test_cloud_setup_page_and_its_confirmation_are_in_chinese(
    operator: User, client_as: Callable[[User], Client], emu: Any
) -> None:
    client = client_as(operator)
    page = client.get("/tencent/setup/", headers=ZH).content.decode()
    assert "<title>云端配置" in page
    assert "未就绪" in page and "创建缺失项" in page and "同时替换已存在但配置有误的项" in page
    assert "回调模板与回调规则" in page and "没有回调规则绑定 push.emulator.local" in page
    assert "no callback rule binds" not in page
    done = client.post("/tencent/setup/", {}, follow=True, headers=ZH).content.decode()
    assert "已创建 回调模板与回调规则：模板 1, 规则 push.emulator.local → 1" in done
    assert "所有检查均已通过。" in done


def test_health_panel_is_titled_and_labelled_in_chinese(operator: User) -> None:
    make_call(outcome="error", error_code="InternalError")
    with translation.override("zh-hans"):
        panel = next(p for p in collect_panels(operator) if p.template == "tencent/_health_panel.html")
        html = render_to_string(panel.template, {"panel": panel.context})
    assert panel.title == "腾讯云 API 健康状况"
    assert "最近一小时的调用" in html and "降级" in html and "失败的调用 →" in html
