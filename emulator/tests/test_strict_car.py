"""The strict profile's CAR checks through the unmodified SDK: UserId and UserIp validation, a repeated
CreateSession/StartPublishStream while CAR still processes the previous one, and the codec of a push."""

from __future__ import annotations

import time

import pytest
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

from emulator.config import EmulatorConfig
from emulator.testing import RunningEmulator
from emulator.tests.sdk import Clients, call

pytestmark = pytest.mark.emulator

PROJECT = "cap-test0001"
PUBLIC_IP = "125.127.178.228"  # the documentation's example UserIp


def code_of(clients: Clients, action: str, **params: object) -> str:
    with pytest.raises(TencentCloudSDKException) as excinfo:
        call(clients.car, action, **params)
    return str(excinfo.value.code)


@pytest.mark.parametrize("user_ip", ["127.0.0.1", "10.1.2.3", "192.168.0.7", "::1", "not-an-ip"])
def test_a_loopback_private_or_malformed_user_ip_is_refused(clients: Clients, user_ip: str) -> None:
    assert code_of(clients, "ApplyConcurrent", UserId="room-1", UserIp=user_ip, ProjectId=PROJECT) == (
        "InvalidParameterValue"
    )


@pytest.mark.parametrize("user_id", ["room 1", "room/1", "房间", "x" * 65])
def test_a_user_id_that_cannot_be_a_stream_name_is_refused(clients: Clients, user_id: str) -> None:
    assert code_of(clients, "ApplyConcurrent", UserId=user_id, UserIp=PUBLIC_IP, ProjectId=PROJECT) == (
        "InvalidParameterValue"
    )


def test_private_user_ips_pass_only_when_the_emulator_is_told() -> None:
    assert EmulatorConfig.from_env({}).car_allow_private_user_ip is False
    told = EmulatorConfig.from_env({"EMULATOR_CAR_ALLOW_PRIVATE_USER_IP": "1"})
    assert told.car_allow_private_user_ip is True


def start_session(clients: Clients, user_id: str) -> str:
    call(clients.car, "ApplyConcurrent", UserId=user_id, UserIp=PUBLIC_IP, ProjectId=PROJECT)
    return str(
        call(clients.car, "CreateSession", UserId=user_id, UserIp=PUBLIC_IP, RunMode="RunWithoutClient")[
            "ServerSession"
        ]
    )


def test_create_session_again_is_slowed_down_then_returns_the_same_session(
    clients: Clients, emu: RunningEmulator
) -> None:
    first = start_session(clients, "room-1")
    again = {"UserId": "room-1", "UserIp": PUBLIC_IP, "RunMode": "RunWithoutClient"}
    assert code_of(clients, "CreateSession", **again) == "FailedOperation.SlowDown"
    time.sleep(emu.config.car_processing_seconds)
    assert call(clients.car, "CreateSession", **again)["ServerSession"] == first


def test_start_publish_again_is_slowed_down_then_keeps_the_running_push(
    clients: Clients, emu: RunningEmulator
) -> None:
    start_session(clients, "room-1")
    call(clients.car, "StartPublishStream", UserId="room-1")
    pushes = list(emu.state.pushes)
    assert code_of(clients, "StartPublishStream", UserId="room-1") == "FailedOperation.SlowDown"
    time.sleep(emu.config.car_processing_seconds)
    call(clients.car, "StartPublishStream", UserId="room-1")
    assert list(emu.state.pushes) == pushes  # the same push, not a restart
    call(clients.car, "DestroySession", UserId="room-1")


def test_a_push_without_a_client_is_h265_by_default(clients: Clients, emu: RunningEmulator) -> None:
    assert EmulatorConfig.from_env({}).push_codec == "h265"
    start_session(clients, "room-1")
    call(clients.car, "StartPublishStream", UserId="room-1")
    try:
        live = emu.app.css.pushes.live_stream("live", "room-1")
        assert live is not None and live.sample().video_codec == "hevc"
    finally:
        call(clients.car, "DestroySession", UserId="room-1")
