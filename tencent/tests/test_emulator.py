"""The typed gateway functions through the real SDKs against the local emulator: a happy path and one
documented error for each family of calls."""

from __future__ import annotations

import threading
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.error import HTTPError

import pytest
from django.conf import settings
from django.db import connections

from tencent import car, cos, css, vod
from tencent.errors import TencentError
from tencent.models import ApiCall

pytestmark = [pytest.mark.django_db, pytest.mark.emulator]


def now() -> datetime:
    return datetime.now(UTC)


def start_push(user_id: str) -> None:
    car.apply_concurrent(user_id=user_id, user_ip="10.0.0.1", project_id=settings.CAR_PROJECT_ID)
    assert car.create_session(user_id=user_id, user_ip="10.0.0.1", application_parameters="room=1")
    car.start_publish_stream(user_id=user_id)


def wait_for(predicate: Any, timeout_s: float = 20) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError("condition not met in time")


def test_car_session_lifecycle_and_no_idle_concurrency(emu: Any) -> None:
    project = settings.CAR_PROJECT_ID
    start_push("room-a")
    count = car.describe_concurrent_count(project_id=project)
    assert count.running >= 1
    for other in range(1, count.total):
        car.apply_concurrent(user_id=f"room-{other}", user_ip="10.0.0.2", project_id=project)
    car.apply_concurrent(
        user_id="room-a", user_ip="10.0.0.1", project_id=project
    )  # re-applying takes its own over

    with pytest.raises(TencentError) as caught:  # every concurrency is taken
        car.apply_concurrent(user_id="room-c", user_ip="10.0.0.3", project_id=project)
    assert caught.value.is_code("ResourceNotFound.NoIdle") and caught.value.request_id

    car.stop_publish_stream(user_id="room-a")
    car.destroy_session(user_id="room-a")
    car.apply_concurrent(user_id="room-c", user_ip="10.0.0.3", project_id=project)  # freed by DestroySession
    assert ApiCall.objects.filter(action="ApplyConcurrent", outcome="error").count() == 1


def test_create_session_without_a_concurrency_is_refused(emu: Any) -> None:
    with pytest.raises(TencentError) as caught:
        car.create_session(user_id="never-applied", user_ip="10.0.0.1")
    assert caught.value.is_code("FailedOperation.LockTimeout")


def test_live_stream_state_online_lists_and_drop(emu: Any) -> None:
    start_push("room-live")

    assert wait_for(lambda: css.describe_live_stream_state(stream_name="room-live") == "active")
    online = css.describe_live_stream_online_list(stream_name="room-live")
    assert [stream.stream_name for stream in online] == ["room-live"]
    assert online[0].publish_times and online[0].publish_times[0].tzinfo is not None
    assert "room-live" in [info.stream_name for info in css.describe_live_stream_push_info_list()]
    samples = wait_for(
        lambda: css.describe_stream_push_info_list(
            stream_name="room-live",
            start_time=now() - timedelta(minutes=5),
            end_time=now() + timedelta(minutes=1),
        )
    )
    assert samples[0].video_bps > 0 and samples[0].time.tzinfo is not None

    css.drop_live_stream(stream_name="room-live")
    assert wait_for(lambda: css.describe_live_stream_state(stream_name="room-live") == "inactive")
    with pytest.raises(TencentError) as caught:
        css.drop_live_stream(stream_name="room-live")
    assert caught.value.is_code("FailedOperation.StreamNotExist")


def test_record_task_to_vod_then_search_describe_and_delete(emu: Any) -> None:
    created = css.create_record_task(
        stream_name="room-rec", end_time=now() + timedelta(minutes=10), extension='{"room": 1}'
    )
    tasks = css.describe_record_tasks(
        start_time=now() - timedelta(hours=1), end_time=now() + timedelta(hours=1), stream_name="room-rec"
    )
    assert [(task.task_id, task.stopped) for task in tasks] == [(created.task_id, False)]
    start_push("room-rec")
    wait_for(lambda: css.describe_live_stream_state(stream_name="room-rec") == "active")
    time.sleep(3)

    css.stop_record_task(task_id=created.task_id)

    page = wait_for(
        lambda: vod.search_media(stream_ids=["room-rec"]).total and vod.search_media(stream_ids=["room-rec"])
    )
    assert page.total == len(page.items) >= 1
    media = page.items[0]
    assert media.stream_id == "room-rec" and media.duration_s > 0 and media.size_bytes > 0
    assert media.record_start is not None and media.create_time.tzinfo is not None
    assert [m.file_id for m in vod.describe_media_infos(file_ids=[media.file_id])] == [media.file_id]
    assert vod.describe_storage_data().total_storage_bytes > 0

    vod.delete_media(file_id=media.file_id)
    assert vod.describe_media_infos(file_ids=[media.file_id]) == []  # gone files are left out
    with pytest.raises(TencentError) as caught:
        vod.delete_media(file_id=media.file_id)
    assert caught.value.is_code("ResourceNotFound")


def test_record_task_time_rules_are_reported(emu: Any) -> None:
    with pytest.raises(TencentError) as caught:
        css.create_record_task(stream_name="room-x", start_time=now(), end_time=now() + timedelta(hours=25))
    assert caught.value.is_code("InvalidParameter")
    assert not caught.value.retryable


def test_usage_queries_return_typed_series(emu: Any) -> None:
    start, end = now() - timedelta(hours=1), now()
    push = css.describe_push_bandwidth_and_flux(start_time=start, end_time=end)
    bill = css.describe_bill_bandwidth_and_flux(start_time=start, end_time=end, granularity=60)
    channels = css.describe_concurrent_record_stream_num(start_time=start, end_time=end)
    assert push.points and all(point.time.tzinfo is not None for point in push.points)
    assert bill.peak_mbps >= 0 and isinstance(bill.points, list)
    assert all(point.num >= 0 for point in channels)


def test_cos_recording_listing_presigned_get_and_delete(emu: Any) -> None:
    created = css.create_record_task(
        stream_name="room-cos", end_time=now() + timedelta(minutes=10), template_id=2
    )
    start_push("room-cos")
    wait_for(lambda: css.describe_live_stream_state(stream_name="room-cos") == "active")
    time.sleep(3)
    css.stop_record_task(task_id=created.task_id)

    objects = wait_for(lambda: list(cos.list_all_objects(prefix="record/room-cos/")))
    first = objects[0]
    assert first.size_bytes > 0 and first.key.endswith(".mp4") and first.last_modified.tzinfo is not None
    assert cos.list_objects(prefix="record/room-cos/", max_keys=1).objects == [first]

    with urllib.request.urlopen(cos.presigned_get_url(key=first.key, expires_s=60), timeout=10) as response:
        assert response.status == 200 and len(response.read()) == first.size_bytes
    tampered = cos.presigned_get_url(key=first.key).replace("q-signature=", "q-signature=0")
    with pytest.raises(HTTPError):
        urllib.request.urlopen(tampered, timeout=10)

    cos.delete_object(key=first.key)
    assert first.key not in [o.key for o in cos.list_all_objects(prefix="record/room-cos/")]


def test_throttling_faults_are_retried_transparently(emu: Any) -> None:
    emu.inject_fault("DescribeConcurrentCount", code="RequestLimitExceeded", message="slow down", count=2)

    assert car.describe_concurrent_count(project_id=settings.CAR_PROJECT_ID).total > 0

    attempts = list(
        ApiCall.objects.filter(action="DescribeConcurrentCount")
        .order_by("attempt")
        .values_list("attempt", "outcome")
    )
    assert attempts == [(1, "error"), (2, "error"), (3, "ok")]


def test_wrong_credentials_are_an_auth_failure(emu: Any, settings: Any) -> None:
    settings.TENCENT_SECRET_KEY = "not-the-key"
    with pytest.raises(TencentError) as caught:
        css.describe_live_stream_state(stream_name="x")
    assert caught.value.is_code("AuthFailure")


@pytest.mark.django_db(transaction=True)  # calls from several threads use their own connections
def test_concurrent_callers_stay_under_the_rate_the_emulator_enforces(emu: Any) -> None:
    def burst() -> None:
        try:
            for _ in range(5):
                css.describe_live_stream_state(stream_name="nobody")
        finally:
            connections.close_all()  # this thread's own database connection

    threads = [threading.Thread(target=burst) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    calls = ApiCall.objects.filter(action="DescribeLiveStreamState")
    assert calls.count() == 30
    assert not calls.filter(
        outcome="error"
    ).exists()  # 30 calls at 20/s: the limiter queued, Tencent never throttled
    assert (max(c.started_at for c in calls) - min(c.started_at for c in calls)).total_seconds() >= 1
