"""The strict profile (default) and the chaos profile: strict answers as Tencent documents, chaos adds CAR's
transient errors at a configured rate; a push that is not running cannot be stopped."""

from __future__ import annotations

from collections import Counter

import pytest
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

from emulator.config import EmulatorConfig
from emulator.envelope import ApiError
from emulator.faults import CHAOS_CODES, Faults
from emulator.tests.sdk import Clients, call

pytestmark = pytest.mark.emulator

PROJECT = "cap-test0001"


def start_session(clients: Clients, user_id: str) -> None:
    call(clients.car, "ApplyConcurrent", UserId=user_id, UserIp="125.127.178.221", ProjectId=PROJECT)
    call(clients.car, "CreateSession", UserId=user_id, UserIp="125.127.178.221", RunMode="RunWithoutClient")


def test_stop_publish_stream_without_a_running_push_is_an_error(clients: Clients) -> None:
    start_session(clients, "room-1")
    with pytest.raises(TencentCloudSDKException) as excinfo:
        call(clients.car, "StopPublishStream", UserId="room-1")
    assert excinfo.value.code == "FailedOperation"
    call(clients.car, "StartPublishStream", UserId="room-1")
    call(clients.car, "StopPublishStream", UserId="room-1")  # a running push stops
    with pytest.raises(TencentCloudSDKException) as again:
        call(clients.car, "StopPublishStream", UserId="room-1")
    assert again.value.code == "FailedOperation"
    call(clients.car, "DestroySession", UserId="room-1")


def test_profile_is_strict_by_default_and_chaos_on_request() -> None:
    assert EmulatorConfig.from_env({}).profile == "strict"
    assert EmulatorConfig.from_env({}).background_error_rate == 0.0
    chaos = EmulatorConfig.from_env({"EMULATOR_PROFILE": "chaos", "EMULATOR_CHAOS_RATE": "0.25"})
    assert (chaos.profile, chaos.background_error_rate) == ("chaos", 0.25)
    with pytest.raises(ValueError, match="EMULATOR_PROFILE"):
        EmulatorConfig.from_env({"EMULATOR_PROFILE": "lenient"})


def test_chaos_answers_cars_transient_codes_at_its_rate_and_nothing_else() -> None:
    faults = Faults(enforce_documented_rates=False, seed=7, chaos_rate=0.3)
    seen: Counter[str] = Counter()
    for _ in range(1000):
        try:
            faults.before("CreateSession")
        except ApiError as exc:
            seen[exc.code] += 1
    assert set(seen) == set(CHAOS_CODES["CreateSession"])
    assert 240 <= sum(seen.values()) <= 360
    for _ in range(200):
        faults.before("CreateRecordTask")  # CSS is not touched by CAR's chaos


def test_strict_never_answers_background_errors() -> None:
    faults = Faults(enforce_documented_rates=False, seed=7)
    for action in CHAOS_CODES:
        for _ in range(200):
            faults.before(action)
