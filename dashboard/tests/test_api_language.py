"""The API answers people in their language and programs in English (issue #18): an error's `message` and its
field messages follow the request's Accept-Language (API requests carry no session or cookie), its `code` never
changes. The console's own pages do the same for the audit log's action labels and the token messages."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import translation

from dashboard.audit_labels import action_label
from dashboard.forms import AuditFilterForm
from dashboard.models import AuditEntry

pytestmark = pytest.mark.django_db
ZH = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}


@pytest.fixture
def api(api_token: Callable[[User], str]) -> Client:
    root = User.objects.create_superuser("root", "root@example.com", "pw")
    return Client(HTTP_AUTHORIZATION=f"Bearer {api_token(root)}")


def post_room(client: Client, body: Any, headers: dict[str, str] | None = None) -> Any:
    return client.post("/api/v1/rooms", json.dumps(body), content_type="application/json", headers=headers)


def test_a_bad_body_is_explained_in_chinese_with_the_same_code(api: Client) -> None:
    body = {"name": 7, "app": "A", "colour": "red"}
    english, chinese = post_room(api, body), post_room(api, body, ZH)
    assert english.status_code == chinese.status_code == 400
    assert english.json()["error"] == {
        "status": 400,
        "code": "invalid_body",
        "message": "The request body is invalid.",
        "fields": {
            "name": ["Enter a string."],
            "room_key": ["This field is required."],
            "colour": ["Unknown field."],
        },
    }
    assert chinese.json()["error"] == {
        "status": 400,
        "code": "invalid_body",
        "message": "请求体无效。",
        "fields": {"name": ["请输入字符串。"], "room_key": ["此字段为必填项。"], "colour": ["未知字段。"]},
    }
    assert chinese["Content-Language"] == "zh-hans"


def test_query_not_found_and_token_errors_follow_accept_language(api: Client) -> None:
    query = api.get("/api/v1/rooms?limit=201", headers=ZH).json()["error"]
    assert (query["code"], query["fields"]) == ("invalid_query", {"limit": ["0 到 200 之间的整数。"]})
    missing = api.get("/api/v1/nothing-here", headers=ZH).json()["error"]
    assert (missing["code"], missing["message"]) == (
        "not_found",
        "没有与此路径对应的 API 操作（ID 必须是整数）。",
    )
    unauthenticated = Client().get("/api/v1/rooms", headers=ZH)
    assert unauthenticated.status_code == 401
    assert unauthenticated.json()["error"]["code"] == "unauthorized"
    assert "有效的 API 令牌" in unauthenticated.json()["error"]["message"]
    # Nothing of the Chinese request stays active for the next one (an English client gets English).
    assert Client().get("/api/v1/rooms").json()["error"]["message"].startswith("Send a valid API token")


def test_a_role_refusal_names_the_capability_in_chinese(
    moderator: User, api_token: Callable[[User], str]
) -> None:
    client = Client(HTTP_AUTHORIZATION=f"Bearer {api_token(moderator)}")
    refused = post_room(client, {"name": "x", "room_key": "k", "app": "A"}, headers=ZH)
    assert refused.status_code == 403
    assert refused.json()["error"] == {
        "status": 403,
        "code": "forbidden",
        "message": "此令牌的角色无权：创建和编辑客户端应用和房间。",
    }


def test_token_messages_and_audit_labels_render_in_chinese(
    operator: User, client_as: Callable[..., Client]
) -> None:
    client = client_as(operator)
    response = client.post("/accounts/tokens/", {"name": "房间后台"}, follow=True, headers=ZH)
    assert "令牌“房间后台”已创建。请立即复制：它不会再次显示。" in response.content.decode()
    assert AuditEntry.objects.get(action="api_token.create").action_label == "API token created"
    with translation.override("zh-hans"):
        assert action_label("api_token.create") == "已创建 API 令牌"
        assert action_label("tencent.setup.callback_rule.create") == "云端配置：callback_rule.create"
        assert action_label("something.new") == "something.new"
        choices = dict(AuditFilterForm().fields["action"].choices)  # type: ignore[attr-defined]
        assert choices["api_token.create"] == "已创建 API 令牌 (api_token.create)"


def test_navigation_sections_items_and_roles_are_in_chinese(
    operator: User, client_as: Callable[..., Client]
) -> None:
    page = client_as(operator).get("/", headers=ZH).content.decode()
    for text in (
        "运营",
        "概览",
        "告警",
        "录制计划",
        "房间",
        "客户端应用",
        "系统",
        "云端配置",
        "审计日志",
        "操作员",
    ):
        assert text in page, text
    assert ">Audit log<" not in page and ">Operate<" not in page
