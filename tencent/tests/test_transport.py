"""The gateway through the unmodified SDK against a scripted local server: envelopes, retries, the call log."""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tencent import car, css, vod
from tencent.context import api_call_context
from tencent.errors import TencentError
from tencent.models import ApiCall
from tencent.tests.fake_tencent import FakeTencent, Reply

pytestmark = pytest.mark.django_db


def test_success_returns_typed_result_and_records_one_call(fake: FakeTencent) -> None:
    fake.answer("DescribeConcurrentCount", Reply({"Total": 4, "Running": 1}))

    count = car.describe_concurrent_count(project_id="cap-123", application_category="DESKTOP")

    assert (count.total, count.running) == (4, 1)
    received = fake.received[0]
    assert received.params == {"ProjectId": "cap-123", "ApplicationCategory": "DESKTOP"}
    assert received.headers["Authorization"].startswith("TC3-HMAC-SHA256 Credential=")
    assert received.headers["X-TC-Version"] == "2022-01-10"
    call = ApiCall.objects.get()
    assert (call.service, call.action, call.outcome, call.attempt) == (
        "car",
        "DescribeConcurrentCount",
        "ok",
        1,
    )
    assert call.request_id == count.request_id != ""
    assert call.request == {"ProjectId": "cap-123", "ApplicationCategory": "DESKTOP"}


def test_error_envelope_becomes_tencent_error_and_is_logged(fake: FakeTencent) -> None:
    fake.answer("ApplyConcurrent", Reply(error=("ResourceNotFound.NoIdle", "No idle concurrency")))

    with pytest.raises(TencentError) as caught:
        car.apply_concurrent(user_id="u1", user_ip="10.0.0.1", project_id="cap-1")

    error = caught.value
    assert error.is_code("ResourceNotFound.NoIdle") and error.is_code("ResourceNotFound")
    assert (error.action, error.message, error.retryable) == ("ApplyConcurrent", "No idle concurrency", False)
    assert error.request_id
    call = ApiCall.objects.get()
    assert (call.outcome, call.error_code, call.request_id) == (
        "error",
        "ResourceNotFound.NoIdle",
        error.request_id,
    )
    assert len(fake.received) == 1  # a non-retryable error is not retried, even for an idempotent call


def test_throttled_idempotent_call_is_retried_until_success(fake: FakeTencent) -> None:
    fake.answer(
        "DescribeLiveStreamState",
        Reply(error=("RequestLimitExceeded", "Too many requests")),
        Reply(error=("InternalError", "Oops")),
        Reply({"StreamState": "active"}),
    )

    assert css.describe_live_stream_state(stream_name="s1") == "active"

    calls = list(ApiCall.objects.order_by("attempt").values_list("attempt", "outcome", "error_code"))
    assert calls == [(1, "error", "RequestLimitExceeded"), (2, "error", "InternalError"), (3, "ok", "")]


def test_retries_are_bounded_by_the_attempts_setting(fake: FakeTencent) -> None:
    fake.answer("DescribeStorageData", Reply(status=500))

    with pytest.raises(TencentError) as caught:
        vod.describe_storage_data()

    assert caught.value.code == "ServerNetworkError" and caught.value.retryable
    assert fake.actions() == ["DescribeStorageData"] * 3
    assert ApiCall.objects.filter(outcome="error").count() == 3


@pytest.mark.parametrize(
    ("action", "call"),
    [
        ("CreateSession", lambda: car.create_session(user_id="u1", user_ip="10.0.0.1")),
        ("StartPublishStream", lambda: car.start_publish_stream(user_id="u1")),
        (
            "CreateRecordTask",
            lambda: css.create_record_task(stream_name="s", end_time=datetime(2030, 1, 1, tzinfo=UTC)),
        ),
        ("DropLiveStream", lambda: css.drop_live_stream(stream_name="s")),
    ],
)
def test_non_idempotent_calls_are_never_retried(fake: FakeTencent, action: str, call: object) -> None:
    fake.answer(action, Reply(error=("RequestLimitExceeded", "slow down")))

    with pytest.raises(TencentError) as caught:
        call()  # type: ignore[operator]

    assert caught.value.retryable  # retryable in principle; the caller decides
    assert fake.actions() == [action]


def test_dead_endpoint_is_a_client_network_error(fast_retries: Any) -> None:
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    fast_retries.TENCENT_API_ENDPOINT = f"127.0.0.1:{port}"
    fast_retries.TENCENT_API_SCHEME = "http"

    with pytest.raises(TencentError) as caught:
        car.describe_concurrent_count(project_id="cap-1")

    assert caught.value.code == "ClientNetworkError" and caught.value.retryable
    assert ApiCall.objects.filter(error_code="ClientNetworkError").count() == 3


def test_secrets_in_parameters_are_not_logged(fake: FakeTencent) -> None:
    fake.answer("StartPublishStream", Reply())

    car.start_publish_stream(user_id="u1", publish_stream_args="txSecret=abcdef0123&txTime=5C271099&room=7")

    assert "abcdef0123" in fake.received[0].params["PublishStreamArgs"]  # sent to Tencent…
    logged = ApiCall.objects.get().request["PublishStreamArgs"]
    assert "abcdef0123" not in logged and "txTime=5C271099" in logged and "room=7" in logged  # …not stored


def test_calls_carry_the_session_of_their_context(fake: FakeTencent) -> None:
    fake.answer("StopPublishStream", Reply())

    with api_call_context(session_id=42):
        car.stop_publish_stream(user_id="u1")
        with api_call_context(session_id=43):
            car.destroy_session(user_id="u1")
        car.destroy_session(user_id="u2")
    car.destroy_session(user_id="u3")

    assert list(ApiCall.objects.order_by("id").values_list("session_id", flat=True)) == [42, 43, 42, None]


def test_loopback_endpoints_bypass_a_configured_proxy(
    fake: FakeTencent, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as probe:  # a proxy that is not there: any request sent through it fails
        probe.bind(("127.0.0.1", 0))
        dead_proxy = f"http://127.0.0.1:{probe.getsockname()[1]}"
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"):
        monkeypatch.setenv(name, dead_proxy)
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.setenv(name, "localhost")
    fake.answer("DescribeLiveStreamState", Reply({"StreamState": "inactive"}))

    assert css.describe_live_stream_state(stream_name="s1") == "inactive"
    assert fake.endpoint in os.environ["NO_PROXY"].split(",")


def test_clients_are_reused_per_configuration_and_rebuilt_when_it_changes(settings: Any) -> None:
    from tencent import clients

    settings.TENCENT_API_ENDPOINT = "127.0.0.1:1"
    first = clients.api_client(clients.LIVE)
    assert clients.api_client(clients.LIVE) is first
    assert clients.api_client(clients.VOD) is not first
    settings.TENCENT_API_ENDPOINT = "127.0.0.1:2"
    second = clients.api_client(clients.LIVE)
    assert second is not first and second.profile.httpProfile.endpoint == "127.0.0.1:2"
    settings.TENCENT_API_ENDPOINT = ""
    assert clients.api_client(clients.LIVE)._get_endpoint() == f"live.{settings.TENCENT_ROOT_DOMAIN}"


def test_list_calls_follow_every_page(fake: FakeTencent) -> None:
    task = {"TaskId": "t", "DomainName": "d", "AppName": "live", "StreamName": "s", "StartTime": 1700000000,
            "EndTime": 1700003600, "TemplateId": 1, "Stopped": False}  # fmt: skip
    fake.answer(
        "DescribeRecordTask",
        Reply({"TaskList": [{**task, "TaskId": "t1"}], "ScrollToken": "next"}),
        Reply({"TaskList": [{**task, "TaskId": "t2", "Stopped": True}], "ScrollToken": ""}),
    )
    online = {
        "AppName": "live",
        "DomainName": "d",
        "PublishTimeList": [{"PublishTime": "2026-01-01T00:00:00Z"}],
    }
    fake.answer(
        "DescribeLiveStreamOnlineList",
        Reply({"OnlineInfo": [{**online, "StreamName": "a"}], "TotalPage": 2}),
        Reply({"OnlineInfo": [{**online, "StreamName": "b"}], "TotalPage": 2}),
    )
    start = datetime(2026, 1, 1, tzinfo=UTC)

    tasks = css.describe_record_tasks(start_time=start, end_time=start + timedelta(days=1), stream_name="s")
    streams = css.describe_live_stream_online_list()

    assert [(t.task_id, t.stopped, t.start_time) for t in tasks] == [
        ("t1", False, datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)),
        ("t2", True, datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)),
    ]
    record_requests = [r.params for r in fake.received if r.action == "DescribeRecordTask"]
    assert (
        record_requests[0]["StartTime"] == int(start.timestamp()) and "ScrollToken" not in record_requests[0]
    )
    assert record_requests[1]["ScrollToken"] == "next"
    assert [s.stream_name for s in streams] == ["a", "b"]
    assert streams[0].publish_times == [start]
    assert [r.params["PageNum"] for r in fake.received if r.action == "DescribeLiveStreamOnlineList"] == [
        1,
        2,
    ]


def test_media_infos_are_asked_for_in_batches_of_twenty(fake: FakeTencent, settings: Any) -> None:
    settings.VOD_SUBAPP_ID = 1500000001
    fake.answer("DescribeMediaInfos", Reply({"MediaInfoSet": [], "NotExistFileIdSet": []}))

    assert vod.describe_media_infos(file_ids=[str(n) for n in range(45)]) == []

    batches = [r.params for r in fake.received]
    assert [len(b["FileIds"]) for b in batches] == [20, 20, 5]
    assert {b["SubAppId"] for b in batches} == {1500000001}


def test_beijing_times_without_a_zone_are_read_as_utc_plus_8(fake: FakeTencent) -> None:
    fake.answer(
        "DescribeStreamPushInfoList",
        Reply({"DataInfoList": [{"Time": "2026-01-01 08:00:05.250", "VideoRate": 2000}]}),
    )
    start = datetime(2026, 1, 1, tzinfo=UTC)

    samples = css.describe_stream_push_info_list(
        stream_name="s", start_time=start, end_time=start + timedelta(hours=1)
    )

    assert (
        samples[0].time == datetime(2026, 1, 1, 0, 0, 5, 250000, tzinfo=UTC) and samples[0].video_bps == 2000
    )
    assert fake.received[0].params["StartTime"] == "2026-01-01T00:00:00Z"
