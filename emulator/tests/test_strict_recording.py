"""Record tasks take effect only after an activation delay: a push started right after CreateRecordTask loses
what came before the task was in force (the file starts later than the push)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from emulator.config import EmulatorConfig
from emulator.testing import RunningEmulator, running_emulator
from emulator.tests.sdk import Clients, call, make_clients

pytestmark = pytest.mark.emulator

ACTIVATION = 2.0
PUBLIC_IP = "125.127.178.228"


@pytest.fixture(scope="module")
def slow_tasks() -> Iterator[RunningEmulator]:
    with running_emulator(
        EMULATOR_FILE_DELAY_SECONDS=0,
        EMULATOR_RECORD_ACTIVATION_SECONDS=ACTIVATION,
        EMULATOR_SEGMENT_SECONDS=1,
        EMULATOR_PUSH_CODEC="h264",
        EMULATOR_CALLBACK_URL="http://127.0.0.1:9/unused",
    ) as running:
        yield running


def record(emu: RunningEmulator, sdk: Clients, stream: str, *, wait_before_push: float) -> float:
    """Create a task, push after `wait_before_push`, push for 3 s; the recorded MP4's duration."""
    call(
        sdk.live,
        "CreateRecordTask",
        StreamName=stream,
        DomainName=emu.config.css_push_domain,
        AppName="live",
        EndTime=int(time.time()) + 600,
        TemplateId=1,
    )
    time.sleep(wait_before_push)
    call(sdk.car, "ApplyConcurrent", UserId=stream, UserIp=PUBLIC_IP, ProjectId="cap-test0001")
    call(sdk.car, "CreateSession", UserId=stream, UserIp=PUBLIC_IP, RunMode="RunWithoutClient")
    call(sdk.car, "StartPublishStream", UserId=stream)
    time.sleep(3)
    call(sdk.car, "DestroySession", UserId=stream)
    assert emu.app.css.wait_idle(30)  # files assembled (callbacks go nowhere here)
    media = call(sdk.vod, "SearchMedia", StreamIds=[stream])["MediaInfoSet"]
    return float(next(m for m in media if m["BasicInfo"]["Type"] == "mp4")["MetaData"]["Duration"])


def test_a_push_started_before_the_task_is_in_force_loses_its_start(slow_tasks: RunningEmulator) -> None:
    slow_tasks.app.reset()
    sdk = make_clients(slow_tasks)
    early = record(slow_tasks, sdk, "room-early", wait_before_push=0)
    on_time = record(slow_tasks, sdk, "room-on-time", wait_before_push=ACTIVATION)
    # Both pushes ran equally long; the early one was recorded from the task's activation only (the SDK calls
    # and ffmpeg's start before its first frame used up part of the delay).
    assert on_time - early >= ACTIVATION / 2, (early, on_time)


def test_the_strict_default_waits_like_tencent() -> None:
    config = EmulatorConfig.from_env({})
    assert config.record_activation_seconds >= 3.0
    assert config.file_delay_seconds >= 60.0
