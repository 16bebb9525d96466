"""The storage lifecycle in Simplified Chinese (issue #18): the Storage page and the policy forms take their headings,
storage-class names, form errors and messages from lifecycle/locale, and English stays the default."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from billing.models import PriceBook
from dashboard.tests.i18n_support import english_runs, visible_texts
from lifecycle.models import FileLifecycle, LegalHold
from lifecycle.services import hold_veto
from lifecycle.tests.test_ui import Login, vod
from lifecycle.tests.test_ui import seeded as seeded  # the Storage page's data (a fixture)
from recordings.catalog.tests.factories import RoomFactory
from recordings.models import ClientApp, Room

pytestmark = pytest.mark.django_db
ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
EN = {"Accept-Language": "en-US,en;q=0.9"}


def test_the_storage_page_speaks_chinese_with_class_names(
    client_as: Login, operator: User, seeded: dict[str, Any]
) -> None:
    # A failed move, listed with its class and a Retry (Tencent's own error text stays as it came).
    FileLifecycle.objects.filter(storage_class="STANDARD_IA").update(
        last_error="InternalError: try again", failed_at=timezone.now(), failures=1
    )
    client = client_as(operator)
    page = client.get(reverse("lifecycle:storage"), headers=ZH).content.decode()
    for text in (
        "存储生命周期：未来 30 天",  # the heading
        "策略将执行的操作",
        "生效的策略",
        "生效的法律保留",
        "删除文件数",
        # A storage class by the name Tencent's Chinese console gives it, the code kept for machines.
        'data-class="STANDARD_IA"><td>低频存储</td>',
        "3 天后转为低频存储",  # the app's policy terms
        "60 天后删除",
        "覆盖",  # the room's own policy
        "无：文件永久保留",  # the app without a policy
        "失败的存储生命周期操作",
        "当前为低频存储",
        ">重试</button>",
        "<th>对象</th>",  # the holds table
        "房间 <a",
    ):
        assert text in page, text
    assert "Storage lifecycle" not in page and "Infrequent access" not in page
    # No English sentence left but data: room and app names (typed in English here) and the price book's name
    # (the seeded list prices are named in English; billing's data).
    names = {room.name for room in Room.objects.all()} | {app.name for app in ClientApp.objects.all()}
    names |= {book.name for book in PriceBook.objects.all()}
    assert [run for run in english_runs(visible_texts(page)) if run not in names] == []

    english = client.get(reverse("lifecycle:storage"), headers=EN).content.decode()
    assert "Storage lifecycle: the next 30 days" in english
    assert 'data-class="STANDARD_IA"><td>Infrequent access</td>' in english
    assert "生效的策略" not in english


def test_a_policy_form_speaks_chinese_with_its_errors(client_as: Login, manager: User) -> None:
    room = RoomFactory.create(name="演播室")
    client = client_as(manager)
    url = reverse("lifecycle:app_policy", args=[room.client_app.pk])

    form = client.get(url, headers=ZH).content.decode()
    assert f"客户端应用 {room.client_app.name} 的保留策略" in form  # the heading
    for label in (
        "保留天数",
        "转为低频存储的天数",
        "转为归档存储的天数",
        "从录制结束时起算；留空：永久保留。",
        "预览",
        "保存",
    ):
        assert label in form, label

    # The preview of an unsaved policy: a file moving to infrequent access, by its Chinese name.
    vod(room, ended_days_ago=40, gb=1)
    previewed = client.post(
        reverse("lifecycle:app_policy_preview", args=[room.client_app.pk]),
        {"keep_days": "365", "standard_ia_after_days": "30"},
        headers=ZH,
    ).content.decode()
    assert 'data-class="STANDARD_IA"><td>低频存储</td>' in previewed and "尚未保存。" in previewed
    data = {room.client_app.name, *(book.name for book in PriceBook.objects.all())}
    assert [run for run in english_runs(visible_texts(previewed)) if run not in data] == []

    # Each colder class must come later: the model's rule, worded in Chinese on the form (a 400, nothing saved).
    refused = client.post(url, {"standard_ia_after_days": "30", "archive_after_days": "10"}, headers=ZH)
    assert refused.status_code == 400
    assert "越冷的存储类型必须排在越热的之后。" in refused.content.decode()
    assert "Each colder class" not in refused.content.decode()

    # The room's form: its radio choices and, after a save, the flash message.
    room_url = reverse("lifecycle:room_policy", args=[room.pk])
    room_form = client.get(room_url, headers=ZH).content.decode()
    assert "房间 演播室 的保留策略" in room_form and "继承客户端应用的策略" in room_form
    saved = client.post(room_url, {"mode": "override", "keep_days": "7"}, headers=ZH, follow=True)
    assert "演播室 的保留策略已保存。" in saved.content.decode()

    # The same rule in English by default.
    english = client.post(url, {"standard_ia_after_days": "30", "archive_after_days": "10"}, headers=EN)
    assert "Each colder class must come later than the warmer ones." in english.content.decode()


def test_a_legal_hold_speaks_chinese_on_the_form_and_in_the_api(
    client_as: Login, manager: User, api_token: Callable[[User], str]
) -> None:
    room = RoomFactory.create(name="法庭")
    recording = vod(room, ended_days_ago=1, gb=1)
    client = client_as(manager)
    url = reverse("lifecycle:hold_place", args=["file", recording.pk])
    page = client.post(url, {"reason": "  "}, headers=ZH).content.decode()
    assert "请填写原因。" in page and "设置法律保留" in page

    api = Client(HTTP_AUTHORIZATION=f"Bearer {api_token(manager)}")
    answer = api.post(
        reverse("lifecycle:api_file_hold", args=[recording.pk]),
        {"reason": "  "},  # past the schema's minLength: refused by the view
        content_type="application/json",
        headers=ZH,
    )
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert (error["message"], error["fields"]) == ("请求体无效。", {"reason": ["请填写原因。"]})
    assert error["code"].isascii()  # the error code stays English


def test_the_delete_veto_is_worded_in_the_active_language(manager: User) -> None:
    room = RoomFactory.create(name="法庭")
    recording = vod(room, ended_days_ago=1, gb=1)
    LegalHold.objects.create(room=room, reason="纠纷 #12", placed_by=manager)
    with translation.override("zh-hans"):
        assert hold_veto(recording) == f"{recording} 处于 {manager.get_username()} 设置的法律保留中：纠纷 #12"
    with translation.override("en"):
        assert hold_veto(recording).endswith(
            f"is under a legal hold placed by {manager.get_username()}: 纠纷 #12"
        )


def test_a_get_of_the_preview_urls_previews_the_saved_state(client_as: Login, manager: User) -> None:
    """The crawl of every page in Chinese GETs the preview URLs too: a 200 page, never a 500."""
    room = RoomFactory.create(name="演播室")
    client = client_as(manager)
    for url in (
        reverse("lifecycle:room_policy_preview", args=[room.pk]),
        reverse("lifecycle:app_policy_preview", args=[room.client_app.pk]),
    ):
        page = client.get(url, headers=ZH)
        assert page.status_code == 200, url
        assert "预览：未来 30 天" in page.content.decode()
