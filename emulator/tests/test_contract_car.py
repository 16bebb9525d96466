"""CAR 2022-01-10 through the unmodified SDK: concurrencies, sessions, take-over, errors, and TC3 signing."""

from __future__ import annotations

import time
import types

import pytest
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

from emulator.testing import RunningEmulator
from emulator.tests.sdk import Clients, call, make_clients

pytestmark = pytest.mark.emulator

PROJECT = "cap-test0001"


def apply(clients: Clients, user_id: str, project: str = PROJECT) -> dict:
    return call(clients.car, "ApplyConcurrent", UserId=user_id, UserIp="125.127.178.221", ProjectId=project)


def error_code(excinfo: pytest.ExceptionInfo[TencentCloudSDKException]) -> str:
    return str(excinfo.value.code)


def test_apply_create_destroy_cycle_counts_concurrencies(clients: Clients) -> None:
    assert apply(clients, "room-1")["RequestId"]
    session = call(
        clients.car, "CreateSession", UserId="room-1", UserIp="125.127.178.221", RunMode="RunWithoutClient"
    )
    assert session["ServerSession"]
    count = call(clients.car, "DescribeConcurrentCount", ProjectId=PROJECT)
    assert (count["Total"], count["Running"]) == (4, 1)

    call(clients.car, "DestroySession", UserId="room-1")
    count = call(clients.car, "DescribeConcurrentCount", ProjectId=PROJECT)
    assert count["Running"] == 0


def test_same_user_id_takes_its_concurrency_over(clients: Clients, emu: RunningEmulator) -> None:
    apply(clients, "room-1")
    apply(clients, "room-1")
    assert call(clients.car, "DescribeConcurrentCount", ProjectId=PROJECT)["Running"] == 1


def test_no_idle_concurrency_when_project_is_full(clients: Clients) -> None:
    for index in range(4):
        apply(clients, f"room-{index}")
    with pytest.raises(TencentCloudSDKException) as excinfo:
        apply(clients, "room-overflow")
    assert error_code(excinfo) == "ResourceNotFound.NoIdle"
    # Another project has its own concurrencies.
    apply(clients, "room-overflow", project="cap-other001")


def test_create_session_needs_an_applied_user(clients: Clients) -> None:
    with pytest.raises(TencentCloudSDKException) as excinfo:
        call(
            clients.car, "CreateSession", UserId="ghost", UserIp="125.127.178.221", RunMode="RunWithoutClient"
        )
    assert error_code(excinfo) == "FailedOperation.LockTimeout"


def test_applied_concurrency_without_session_is_released_after_the_hold(
    clients: Clients, emu: RunningEmulator
) -> None:
    apply(clients, "room-1")
    emu.state.concurrencies["room-1"].applied_at = time.time() - emu.config.car_idle_hold_seconds - 1
    assert call(clients.car, "DescribeConcurrentCount", ProjectId=PROJECT)["Running"] == 0
    with pytest.raises(TencentCloudSDKException) as excinfo:
        call(
            clients.car,
            "CreateSession",
            UserId="room-1",
            UserIp="125.127.178.221",
            RunMode="RunWithoutClient",
        )
    assert error_code(excinfo) == "FailedOperation.LockTimeout"


def test_session_is_never_reaped(clients: Clients, emu: RunningEmulator) -> None:
    apply(clients, "room-1")
    call(clients.car, "CreateSession", UserId="room-1", UserIp="125.127.178.221", RunMode="RunWithoutClient")
    emu.state.concurrencies["room-1"].applied_at = time.time() - 3600
    assert call(clients.car, "DescribeConcurrentCount", ProjectId=PROJECT)["Running"] == 1


def test_publish_and_destroy_need_a_session(clients: Clients) -> None:
    for action in ("StartPublishStream", "StopPublishStream", "DestroySession"):
        with pytest.raises(TencentCloudSDKException) as excinfo:
            call(clients.car, action, UserId="nobody")
        assert error_code(excinfo) == "ResourceNotFound.SessionNotFound"


def test_parameter_validation(clients: Clients) -> None:
    with pytest.raises(TencentCloudSDKException) as excinfo:
        call(clients.car, "ApplyConcurrent", UserId="room-1", UserIp="125.127.178.221")
    assert error_code(excinfo) == "MissingParameter"
    with pytest.raises(TencentCloudSDKException) as excinfo:
        apply(clients, "room-1", project="not-a-project")
    assert error_code(excinfo).startswith("InvalidParameterValue")
    with pytest.raises(TencentCloudSDKException) as excinfo:
        clients.car.call_json(
            "ApplyConcurrent", {"UserId": "a", "UserIp": "b", "ProjectId": PROJECT, "Bogus": 1}
        )
    assert error_code(excinfo) == "UnknownParameter"
    with pytest.raises(TencentCloudSDKException) as excinfo:
        clients.car.call_json("DescribeConcurrentCount", {"ProjectId": 5})
    assert error_code(excinfo) == "InvalidParameter"


def test_wrong_secret_key_is_rejected(emu: RunningEmulator) -> None:
    wrong = make_clients(emu, secret_key="not-the-key")
    with pytest.raises(TencentCloudSDKException) as excinfo:
        call(wrong.car, "DescribeConcurrentCount", ProjectId=PROJECT)
    assert error_code(excinfo) == "AuthFailure.SignatureFailure"
    assert excinfo.value.requestId


def test_unknown_secret_id_is_rejected(emu: RunningEmulator) -> None:
    from tencentcloud.car.v20220110 import car_client
    from tencentcloud.common import credential

    from emulator.tests.sdk import sdk_profile

    client = car_client.CarClient(
        credential.Credential("AKIDunknown", "x"), "ap-singapore", sdk_profile(emu.endpoint)
    )
    with pytest.raises(TencentCloudSDKException) as excinfo:
        call(client, "DescribeConcurrentCount", ProjectId=PROJECT)
    assert error_code(excinfo) == "AuthFailure.SecretIdNotFound"


def test_stale_timestamp_is_rejected(clients: Clients, monkeypatch: pytest.MonkeyPatch) -> None:
    # Only the SDK's clock is shifted (the emulator in this process keeps the real one).
    from tencentcloud.common import abstract_client

    stale_clock = types.SimpleNamespace(time=lambda: time.time() - 301, sleep=time.sleep)
    monkeypatch.setattr(abstract_client, "time", stale_clock)
    with pytest.raises(TencentCloudSDKException) as excinfo:
        call(clients.car, "DescribeConcurrentCount", ProjectId=PROJECT)
    assert error_code(excinfo) == "AuthFailure.SignatureExpire"


def test_injected_fault_then_recovery(clients: Clients, emu: RunningEmulator) -> None:
    emu.inject_fault("ApplyConcurrent", code="InternalError", count=1)
    with pytest.raises(TencentCloudSDKException) as excinfo:
        apply(clients, "room-1")
    assert error_code(excinfo) == "InternalError"
    apply(clients, "room-1")
    assert [call.code for call in emu.calls("ApplyConcurrent")] == ["InternalError", ""]
    assert emu.calls("ApplyConcurrent")[0].request_id == excinfo.value.requestId


def test_throttling_answers_request_limit_exceeded(clients: Clients, emu: RunningEmulator) -> None:
    emu.throttle("DescribeConcurrentCount", 0.1)  # one token, refilled only after 10 s
    call(clients.car, "DescribeConcurrentCount", ProjectId=PROJECT)
    with pytest.raises(TencentCloudSDKException) as excinfo:
        call(clients.car, "DescribeConcurrentCount", ProjectId=PROJECT)
    assert error_code(excinfo) == "RequestLimitExceeded"


def test_latency_is_added(clients: Clients, emu: RunningEmulator) -> None:
    emu.set_latency("DescribeConcurrentCount", 0.3)
    started = time.monotonic()
    call(clients.car, "DescribeConcurrentCount", ProjectId=PROJECT)
    assert time.monotonic() - started >= 0.3


def test_unknown_action_and_wrong_version(clients: Clients) -> None:
    with pytest.raises(TencentCloudSDKException) as excinfo:
        clients.car.call_json("DescribeEverything", {})
    assert error_code(excinfo) == "InvalidAction"
    clients.car._apiVersion = "2019-01-01"
    with pytest.raises(TencentCloudSDKException) as excinfo:
        call(clients.car, "DescribeConcurrentCount", ProjectId=PROJECT)
    assert error_code(excinfo) == "NoSuchVersion"


def test_get_requests_are_signed_and_typed_like_posts(emu: RunningEmulator) -> None:
    from tencentcloud.car.v20220110 import car_client
    from tencentcloud.common.profile.client_profile import ClientProfile
    from tencentcloud.common.profile.http_profile import HttpProfile

    from emulator.tests.sdk import sdk_credential

    profile = ClientProfile(httpProfile=HttpProfile(protocol="http", endpoint=emu.endpoint, reqMethod="GET"))
    client = car_client.CarClient(sdk_credential(emu), "ap-singapore", profile)
    call(client, "ApplyConcurrent", UserId="room-get", UserIp="125.127.178.221", ProjectId=PROJECT)
    count = call(client, "DescribeConcurrentCount", ProjectId=PROJECT)
    assert (count["Total"], count["Running"]) == (4, 1)


def test_parallel_applies_never_overbook_a_project(emu: RunningEmulator) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from emulator.tests.sdk import make_clients

    def attempt(index: int) -> str:
        try:
            apply(make_clients(emu), f"room-{index}")
            return "ok"
        except TencentCloudSDKException as exc:
            return str(exc.code)

    with ThreadPoolExecutor(max_workers=10) as pool:
        outcomes = list(pool.map(attempt, range(20)))
    assert outcomes.count("ok") == emu.config.car_concurrency
    assert set(outcomes) == {"ok", "ResourceNotFound.NoIdle"}
