"""A SIGKILLed emulator takes its test-picture ffmpeg with it (no atexit, no stop(): the kernel ends it)."""

from __future__ import annotations

import json
import os
import signal
import sys
import textwrap
import time
from pathlib import Path

import pytest

from emulator.tests.processes import emulator_child, running

pytestmark = pytest.mark.emulator

# The emulator in a process of its own, pushing the test picture of one CAR session; it prints its ffmpeg's pid.
CHILD = textwrap.dedent(
    """
    import json, sys, time
    from emulator.media import PID_FILE
    from emulator.testing import running_emulator
    from emulator.tests.sdk import call, make_clients

    with running_emulator(EMULATOR_CAR_PROCESSING_SECONDS=0.2, EMULATOR_SEGMENT_SECONDS=1) as emu:
        car = make_clients(emu).car
        user = {"UserId": "room-1", "UserIp": "125.127.178.221"}
        call(car, "ApplyConcurrent", **user, ProjectId="cap-test0001")
        call(car, "CreateSession", **user, RunMode="RunWithoutClient")
        call(car, "StartPublishStream", UserId="room-1")
        deadline = time.monotonic() + 30
        while (stream := emu.app.css.pushes.live_stream("live", "room-1")) is None:
            assert time.monotonic() < deadline, "no push"
            time.sleep(0.1)
        print(json.dumps({"ffmpeg": int((stream.directory / PID_FILE).read_text())}), flush=True)
        time.sleep(600)
    """
)


def parent_of(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_a_sigkilled_emulator_takes_its_test_picture_ffmpeg_with_it() -> None:
    child = emulator_child(CHILD)
    ffmpeg = None
    try:
        line = child.stdout.readline() if child.stdout else ""
        ffmpeg = json.loads(line)["ffmpeg"]
        assert running(ffmpeg) and parent_of(ffmpeg) == child.pid
        assert b"ffmpeg" in Path(f"/proc/{ffmpeg}/cmdline").read_bytes()
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and running(ffmpeg):
            time.sleep(0.1)
        assert not running(ffmpeg), "the push's ffmpeg outlived the SIGKILLed emulator"
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        if ffmpeg is not None and running(ffmpeg):  # the failure above: never leave it pushing
            os.kill(ffmpeg, signal.SIGKILL)


def test_a_forked_process_spawns_too() -> None:
    from emulator.children import spawn

    assert spawn(["true"]).wait(timeout=10) == 0  # the spawner thread runs in this process now
    pid = os.fork()
    if pid == 0:  # the child exits with its command's code (never runs pytest's teardown)
        code = 1
        try:
            code = spawn(["true"]).wait(timeout=10)
        finally:
            os._exit(code)
    deadline = time.monotonic() + 15
    while (waited := os.waitpid(pid, os.WNOHANG))[0] == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    if waited[0] == 0:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    assert waited[0] == pid, "the forked process's spawn never started its command"
    assert os.waitstatus_to_exitcode(waited[1]) == 0
