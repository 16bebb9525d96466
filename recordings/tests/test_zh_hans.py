"""Recordings pages in Simplified Chinese (issue #18): headings, choice labels, form errors and flash messages come
from the recordings catalogues (recordings/locale and each area's locale/), and English stays the default."""

from __future__ import annotations

from collections.abc import Callable
from datetime import time, timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from recordings.catalog.tests.factories import ClientAppFactory, RoomFactory
from recordings.models import (
    Attention,
    AttentionKind,
    RecordingSession,
    RejectReason,
    Room,
    Schedule,
    ScheduleKind,
)
from recordings.review.tests.support import make_file
from recordings.sessions.lifecycle import SessionState, Trigger
from recordings.sessions.services.sessions import session_create

pytestmark = pytest.mark.django_db
ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
EN = {"Accept-Language": "en-US,en;q=0.9"}


def completed_session(room: Room) -> RecordingSession:
    now = timezone.now()
    session = session_create(
        room=room, planned_start=now, planned_end=now + timedelta(hours=1), trigger=Trigger.MANUAL, actor=None
    )
    RecordingSession.objects.filter(pk=session.pk).update(state=SessionState.COMPLETED)
    return session


def test_the_recordings_list_speaks_chinese_with_state_and_trigger_labels(
    client_as: Callable[[User | None], Client], operator: User
) -> None:
    completed_session(RoomFactory.create(name="演播室"))
    client = client_as(operator)
    page = client.get("/recordings/", headers=ZH).content.decode()
    # The heading and table headers (recordings/locale), the state and trigger choices (sessions/locale),
    # the filter labels and "Any state" (sessions/locale).
    for text in (
        "<title>录制列表",
        "<th>房间</th>",
        "<th>触发方式</th>",
        "已完成",
        "手动",
        "任意状态",
        "演播室",
    ):
        assert text in page, text
    assert "Completed" not in page and "No recordings" not in page
    english = client.get("/recordings/", headers=EN).content.decode()
    assert "Completed" in english and "Manual" in english and "已完成" not in english


def test_a_room_form_error_and_the_created_flash_are_chinese(
    client_as: Callable[[User | None], Client], operator: User
) -> None:
    app = ClientAppFactory.create(name="Lobby app")
    client = client_as(operator)
    form = {"name": "大厅", "room_key": "bad key!", "client_app": app.pk, "push_domain": "push.example.com"}
    form |= {"play_domain": "play.example.com", "app_name": "live", "is_active": "on"}
    refused = client.post("/rooms/new/", form, headers=ZH).content.decode()
    assert "请使用字母、数字和 _ . : @ = + -" in refused  # the room key validator (catalog/locale)
    assert "房间标识" in refused and "新建房间" in refused  # the field's verbose name and the page heading
    assert not Room.objects.exists()
    created = client.post(
        "/rooms/new/", form | {"room_key": "hall-1"}, follow=True, headers=ZH
    ).content.decode()
    assert "已创建房间“大厅”。" in created
    assert Room.objects.filter(room_key="hall-1").exists()


def test_a_schedule_is_described_with_django_s_chinese_weekdays(
    client_as: Callable[[User | None], Client], operator: User
) -> None:
    schedule = Schedule.objects.create(
        room=RoomFactory.create(),
        name="晚间",
        kind=ScheduleKind.WEEKLY,
        weekdays="0,2",
        start_time=time(20, 0),
        duration_minutes=90,
        time_zone="Asia/Shanghai",
    )
    with translation.override("zh-hans"):
        described = schedule.describe()
    assert described == "星期一, 星期三 20:00（Asia/Shanghai），90 分钟"
    assert schedule.describe() == "Mon, Wed at 20:00 (Asia/Shanghai) for 90 min"
    page = client_as(operator).get(f"/schedules/{schedule.pk}/edit/", headers=ZH).content.decode()
    assert "编辑录制计划“晚间”" in page and "每周（日期 + 时间）" in page  # heading and the kind's choices


def test_the_review_queue_and_stop_confirmation_are_chinese(
    client_as: Callable[[User | None], Client], moderator: User, operator: User
) -> None:
    queue = client_as(moderator).get("/review/", headers=ZH).content.decode()
    assert "审核队列" in queue and "黑屏" in queue and "没有待审核内容" in queue
    session = completed_session(RoomFactory.create(name="Main stage"))
    RecordingSession.objects.filter(pk=session.pk).update(state=SessionState.SCHEDULED)
    confirm = client_as(operator).get(f"/recordings/{session.pk}/stop/", headers=ZH).content.decode()
    assert "要取消 Main stage 的录制吗？" in confirm and "取消录制" in confirm


def test_api_messages_follow_accept_language_and_codes_stay_english(
    operator: User, api_token: Callable[[User], str]
) -> None:
    client = Client(HTTP_AUTHORIZATION=f"Bearer {api_token(operator)}")
    url = reverse("recordings:api_room", args=["nope"])
    error = client.get(url, headers=ZH).json()["error"]
    assert error["code"] == "not_found" and error["message"] == "没有房间使用标识“nope”。"
    assert client.get(url, headers=EN).json()["error"]["message"] == "No room has the key “nope”."
    bad = client.get(reverse("recordings:api_rooms"), {"active": "maybe"}, headers=ZH).json()["error"]
    assert bad["message"] == "查询参数无效。" and bad["fields"] == {"active": ["请使用 true 或 false。"]}


def test_seeded_reject_reasons_and_schedule_states_are_shown_in_chinese(
    client_as: Callable[[User | None], Client], moderator: User, operator: User
) -> None:
    recording = make_file(room=RoomFactory.create())
    page = client_as(moderator).get(f"/review/files/{recording.pk}/", headers=ZH).content.decode()
    assert "技术质量问题（黑屏、卡顿、无声或损坏）" in page and "结论" in page
    # A label edited in the admin is shown as written.
    RejectReason.objects.filter(code="technical").update(label="Bad picture")
    assert (
        "Bad picture"
        in client_as(moderator).get(f"/review/files/{recording.pk}/", headers=ZH).content.decode()
    )
    Schedule.objects.create(
        room=RoomFactory.create(),
        name="早间",
        kind=ScheduleKind.CRON,
        cron_expression="0 8 * * *",
        duration_minutes=30,
    )
    schedules = client_as(operator).get("/schedules/", headers=ZH).content.decode()
    assert "生效中" in schedules and "cron “0 8 * * *”" in schedules


def test_stored_history_and_audit_names_stay_english_under_a_chinese_request() -> None:
    """History rows and the audit log's object names are stored once, in English; the pages show them as stored."""
    room = RoomFactory.create()
    with translation.override("zh-hans"):
        session = completed_session(room)
        item = Attention.objects.create(
            kind=AttentionKind.NO_FILE, session=session, subject="s-1", at=timezone.now()
        )
        assert str(item) == "No recording file: s-1" and item.get_kind_display() == "没有录制文件"
    assert session.transitions.get().reason == "Created (manual)."
