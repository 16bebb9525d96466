"""A crashed child no longer stops the demo: it is restarted with back-off and the restart is said; only
Ctrl-C stops everything. Also `manage.py supervise`, which runs the RQ processes the same way in production."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from dashboard.supervision import Backoff, Supervised
from dashboard.tests.test_demo import BASE_DIR, demo_env, running_demo, wait_for  # noqa: F401 (fixtures)


def test_backoff_doubles_up_to_its_maximum() -> None:
    backoff = Backoff(initial_s=1, maximum_s=8)
    assert [backoff.delay(n) for n in range(1, 7)] == [1, 2, 4, 8, 8, 8]


def test_an_exited_child_is_restarted_after_its_backoff_and_it_is_said() -> None:
    said: list[str] = []
    child = Supervised(
        "flaky",
        [sys.executable, "-c", "raise SystemExit(3)"],
        env=None,
        cwd=BASE_DIR,
        say=said.append,
        backoff=Backoff(initial_s=0.2, maximum_s=0.4),
    )
    child.start()
    first = child.pid

    def restarted_twice() -> bool:
        child.check()
        return child.restarts >= 2

    wait_for("the restarts", restarted_twice, 10)
    assert said[0] == "flaky exited with code 3; restarting it in 0.2 s."
    assert re.fullmatch(r"flaky restarted \(pid \d+, restart 1\)\.", said[1])
    assert "restarting it in 0.4 s." in said[2]  # the second failure waits longer
    assert child.pid != first
    child.terminate()
    child.wait(time.monotonic() + 5)
    restarts = child.restarts
    time.sleep(0.6)
    child.check()
    assert child.restarts == restarts  # terminated: never restarted again


@pytest.mark.slow
@pytest.mark.long
def test_supervise_restarts_its_command_until_sigterm(tmp_path: Path) -> None:
    env = {**os.environ, "NO_PROXY": "127.0.0.1,localhost"}
    log = (tmp_path / "supervise.log").open("w+")
    process = subprocess.Popen(
        [sys.executable, "manage.py", "supervise", "check"],  # `check` exits at once: restarted each time
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_for(
            "a second, longer back-off", lambda: "restarting it in 2 s" in Path(log.name).read_text(), 60
        )
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
        log.close()
    text = Path(log.name).read_text()
    assert "check exited with code 0; restarting it in 1 s." in text


@pytest.mark.slow
@pytest.mark.long
def test_a_killed_worker_is_restarted_and_the_demo_keeps_running(
    running_demo: tuple[str, subprocess.Popen[str]],  # noqa: F811 (the fixture imported above)
    tmp_path: Path,
) -> None:
    url, demo = running_demo
    log = tmp_path / "demo.log"
    wait_for("the ready banner", lambda: "CNR Console is ready" in log.read_text(), 240)
    worker = int(re.search(r"started worker \(pid (\d+)\)", log.read_text()).group(1))  # type: ignore[union-attr]

    os.kill(worker, signal.SIGKILL)

    wait_for(
        "the restart", lambda: re.search(r"worker restarted \(pid \d+, restart 1\)", log.read_text()), 30
    )
    text = log.read_text()
    assert f"worker exited with code -{int(signal.SIGKILL)}; restarting it in 1 s." in text
    assert "stopping the demo" not in text and demo.poll() is None
    assert requests.get(f"{url}/accounts/login/", timeout=10).status_code == 200
    # Only Ctrl-C stops everything.
    os.kill(demo.pid, signal.SIGINT)
    assert demo.wait(timeout=60) == 0
    assert "Demo stopped." in log.read_text()
