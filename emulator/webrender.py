"""WEB client apps rendered for real: Chromium on a private Xvfb display, its screen pushed by ffmpeg x11grab.

- `Renderer.open(page)` starts Xvfb (`-displayfd`: the X server picks a free display number) at the app's
  resolution and Chromium in kiosk mode on it, or answers why it cannot: Xvfb or Chromium missing, or
  `web_render_max` rendered sessions already running (each costs about a third of a core). The caller then pushes
  the test picture and says why; a rendered page is never a reason for a failed push.
- `RenderedStream` is a `LiveStream` whose picture is the display (no mouse cursor) and whose sound is silence
  (no PulseAudio here: a page's own sound is not captured). Stopping the stream closes the browser and the display,
  so StopPublishStream, DestroySession, a dying push and the emulator's exit all clean up through `stop()`.
- Xvfb and Chromium run in their own sessions and are ended by process group, so Chromium's helpers go too.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emulator.media import LiveStream

logger = logging.getLogger(__name__)

CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
DISPLAY_TIMEOUT_S = 10.0
STOP_GRACE_S = 3.0


@dataclass(frozen=True)
class Page:
    url: str
    width: int
    height: int
    frame_rate: int


def find_chromium() -> str | None:
    for name in CHROMIUM_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def _end_group(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    # Chromium's zygote and renderers share its group and may outlive it by a moment.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


class Display:
    """One Xvfb display with one Chromium showing the page; `close()` ends both (idempotent)."""

    def __init__(self, page: Page, *, chromium: str, released: Any) -> None:
        self.page = page
        self.number = 0
        self._chromium = chromium
        self._released = released
        self._xvfb: subprocess.Popen[bytes] | None = None
        self._browser: subprocess.Popen[bytes] | None = None
        self._profile = Path(tempfile.mkdtemp(prefix="cnr-webapp-"))
        self._closed = False
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return f":{self.number}"

    def start(self) -> None:
        read_fd, write_fd = os.pipe()
        try:
            self._xvfb = subprocess.Popen(
                [
                    "Xvfb",
                    "-displayfd",
                    str(write_fd),
                    "-screen",
                    "0",
                    f"{self.page.width}x{self.page.height}x24",
                    "-nolisten",
                    "tcp",
                    "-nocursor",
                ],
                pass_fds=(write_fd,),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            os.close(write_fd)
            write_fd = -1
            self.number = int(self._read_line(read_fd))
        finally:
            os.close(read_fd)
            if write_fd >= 0:
                os.close(write_fd)
        self._browser = subprocess.Popen(
            self._browser_command(),
            env={**os.environ, "DISPLAY": self.name},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    def is_open(self) -> bool:
        return all(p is not None and p.poll() is None for p in (self._xvfb, self._browser))

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        for process in (self._browser, self._xvfb):
            if process is not None:
                _end_group(process)
        shutil.rmtree(self._profile, ignore_errors=True)
        self._released(self)

    def _read_line(self, fd: int) -> str:
        deadline = time.monotonic() + DISPLAY_TIMEOUT_S
        data = b""
        os.set_blocking(fd, False)
        while not data.endswith(b"\n"):
            if time.monotonic() > deadline or (self._xvfb is not None and self._xvfb.poll() is not None):
                raise OSError("Xvfb did not start")
            try:
                chunk = os.read(fd, 64)
            except BlockingIOError:
                time.sleep(0.02)
                continue
            if not chunk:
                raise OSError("Xvfb did not report its display")
            data += chunk
        return data.decode().strip()

    def _browser_command(self) -> list[str]:
        page = self.page
        return [
            self._chromium,
            *(["--no-sandbox"] if os.geteuid() == 0 else []),
            f"--user-data-dir={self._profile}",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-extensions",
            "--disable-sync",
            "--disable-translate",
            "--disable-features=Translate,MediaRouter",
            "--password-store=basic",
            "--noerrdialogs",
            "--hide-scrollbars",
            "--autoplay-policy=no-user-gesture-required",
            "--disable-background-timer-throttling",
            "--disable-renderer-backgrounding",
            "--force-device-scale-factor=1",
            "--window-position=0,0",
            f"--window-size={page.width},{page.height}",
            "--kiosk",
            page.url,
        ]


class Renderer:
    """Hands out displays up to `max_sessions` at once."""

    def __init__(self, *, max_sessions: int) -> None:
        self.max_sessions = max_sessions
        self._open: set[Display] = set()
        self._lock = threading.Lock()

    def unavailable(self) -> str:
        """Why no page can be rendered on this machine ("" when it can)."""
        if self.max_sessions <= 0:
            return "rendering is switched off (EMULATOR_WEB_RENDER_MAX=0)"
        if shutil.which("Xvfb") is None:
            return "Xvfb is not installed"
        if find_chromium() is None:
            return "Chromium is not installed"
        return ""

    def open(self, page: Page) -> tuple[Display | None, str]:
        """A display showing the page, or None and why not."""
        reason = self.unavailable()
        if reason:
            return None, reason
        chromium = find_chromium()
        assert chromium is not None
        display = Display(page, chromium=chromium, released=self._release)
        with self._lock:
            if len(self._open) >= self.max_sessions:
                return None, f"{self.max_sessions} WEB apps are already rendered (EMULATOR_WEB_RENDER_MAX)"
            self._open.add(display)
        try:
            display.start()
        except OSError as exc:
            display.close()
            return None, f"the display could not start: {exc}"
        return display, ""

    def open_count(self) -> int:
        with self._lock:
            return len(self._open)

    def close_all(self) -> None:
        with self._lock:
            displays = list(self._open)
        for display in displays:
            display.close()

    def _release(self, display: Display) -> None:
        with self._lock:
            self._open.discard(display)


class RenderedStream(LiveStream):
    """A live stream of what the display shows, with silent sound."""

    def __init__(self, *, display: Display, **kwargs: Any) -> None:
        page = display.page
        super().__init__(width=page.width, height=page.height, fps=page.frame_rate, **kwargs)
        self.display = display

    def _inputs(self) -> list[str]:
        return [
            "-thread_queue_size",
            "512",
            "-f",
            "x11grab",
            "-draw_mouse",
            "0",
            "-framerate",
            str(self.fps),
            "-video_size",
            f"{self.width}x{self.height}",
            "-i",
            f"{self.display.name}.0+0,0",
            "-re",
            "-f",
            "lavfi",
            "-i",
            "anullsrc=channel_layout=stereo:sample_rate=48000",
        ]

    def stop(self) -> None:
        try:
            super().stop()
        finally:
            self.display.close()
