"""The root `emulator` fixture points the console's own gateway (tencent/) at a fresh emulator."""

from __future__ import annotations

import time
import urllib.request
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.conf import settings

from tencent import car, cos, css, signing, vod
from tencent.errors import TencentError

pytestmark = [pytest.mark.django_db, pytest.mark.emulator]


def test_settings_point_at_the_emulator(emulator: Any) -> None:
    assert emulator.endpoint == settings.TENCENT_API_ENDPOINT
    assert emulator.base_url == settings.CSS_PLAY_BASE_URL
    assert emulator.endpoint == settings.COS_ENDPOINT


def test_gateway_round_trip_through_the_emulator(emulator: Any) -> None:
    project = settings.CAR_PROJECT_ID
    car.apply_concurrent(user_id="room-gw", user_ip="125.127.178.221", project_id=project)
    assert car.create_session(user_id="room-gw", user_ip="125.127.178.221")
    assert car.describe_concurrent_count(project_id=project).running == 1
    car.start_publish_stream(user_id="room-gw")
    assert css.describe_live_stream_state(stream_name="room-gw") == "active"

    urls = signing.css_play_urls(stream_name="room-gw", expires_at=datetime.now(UTC) + timedelta(minutes=5))
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(urls.hls, timeout=10) as response:
        assert b"#EXTM3U" in response.read()

    created = css.create_record_task(
        stream_name="room-gw", end_time=datetime.now(UTC) + timedelta(minutes=10)
    )
    tasks = css.describe_record_tasks(
        start_time=datetime.now(UTC) - timedelta(hours=1), end_time=datetime.now(UTC) + timedelta(hours=1)
    )
    assert [task.task_id for task in tasks] == [created.task_id]
    time.sleep(2)
    css.stop_record_task(task_id=created.task_id)
    car.destroy_session(user_id="room-gw")
    assert emulator.wait_idle(30)
    page = vod.search_media(stream_ids=["room-gw"])
    assert page.total == 2  # template 1: MP4 + HLS
    assert cos.list_objects(prefix="record/").objects == []


def test_gateway_sees_injected_errors(emulator: Any) -> None:
    emulator.inject_fault("ApplyConcurrent", code="ResourceNotFound.NoIdle")
    with pytest.raises(TencentError) as excinfo:
        car.apply_concurrent(user_id="room-x", user_ip="125.127.178.221", project_id=settings.CAR_PROJECT_ID)
    assert excinfo.value.is_code("ResourceNotFound.NoIdle")
