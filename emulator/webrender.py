"""WEB client apps rendered for real: Chromium on a private Xvfb display, its screen pushed by ffmpeg x11grab.

- `Renderer.open(page)` starts Xvfb (`-displayfd`: the X server picks a free display number) at the app's
  resolution and Chromium in kiosk mode on it, or answers why it cannot: Xvfb or Chromium missing, or
  `web_render_max` rendered sessions already running (each costs about half a core). The caller then pushes
  the test picture and says why; a rendered page is never a reason for a failed push.
- Each display has its own PulseAudio daemon with one null sink, the only output Chromium sees; `RenderedStream`
  pushes the display (no mouse cursor) and that sink's monitor, so a page's sound is in the push and no other
  page's is. Without PulseAudio (not installed, or it did not start) the sound is silence and `Display.sound`
  says why (it is part of the push's `picture` in the emulator's state).
- Stopping the stream closes the browser, the sound server and the display, so StopPublishStream, DestroySession,
  a dying push and the emulator's exit all clean up through `stop()`. Each process runs in its own session and is
  ended by process group (Chromium's helpers go too).
- A SIGKILLed emulator cleans nothing up, so each process is started by `children.spawn` (PR_SET_PDEATHSIG from
  one long-lived thread): the kernel ends it when the emulator dies. Chromium's own helpers watch their browser
  process and exit with it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emulator.children import spawn
from emulator.media import LOG_FILE, LiveStream

logger = logging.getLogger(__name__)

CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
DISPLAY_TIMEOUT_S = 10.0
SOUND_TIMEOUT_S = 5.0
STOP_GRACE_S = 3.0
SINK = "page"  # the null sink every page plays into; ffmpeg records "page.monitor"
# ffmpeg's summary of the x11grab input: its first frame's wall clock (x11grab stamps frames with the wall clock).
SCREEN_START = re.compile(r"Input #\d+, x11grab, .*\n\s+Duration: [^,]*, start: (\d+\.\d+)")


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


def find_pulseaudio() -> str | None:
    return shutil.which("pulseaudio")


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
        self._pulse: subprocess.Popen[bytes] | None = None
        self._browser: subprocess.Popen[bytes] | None = None
        self._profile = Path(tempfile.mkdtemp(prefix="cnr-webapp-"))
        # What the push's sound is: "" while the page's own sound is captured, else why it is silence.
        self.silent_because = "not started"
        self._closed = False
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return f":{self.number}"

    @property
    def pulse_server(self) -> str:
        return f"unix:{self._profile / 'pulse' / 'native'}"

    @property
    def sound(self) -> str:
        if self.silent_because:
            return f"silence ({self.silent_because})"
        return "the page's sound (PulseAudio null sink)"

    def start(self) -> None:
        read_fd, write_fd = os.pipe()
        try:
            self._xvfb = spawn(
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
            )
            os.close(write_fd)
            write_fd = -1
            self.number = int(self._read_line(read_fd))
        finally:
            os.close(read_fd)
            if write_fd >= 0:
                os.close(write_fd)
        self.silent_because = self._start_sound()
        env = {**os.environ, "DISPLAY": self.name}
        # Without a sound server of its own the page must not find the machine's (or another page's) one.
        env["PULSE_SERVER"] = self.pulse_server if not self.silent_because else "unix:/nonexistent"
        self._browser = spawn(self._browser_command(), env=env)

    def _start_sound(self) -> str:
        """Start this display's PulseAudio with its null sink; "" when it runs, else why the sound is silence."""
        pulseaudio = find_pulseaudio()
        if pulseaudio is None:
            return "PulseAudio is not installed"
        runtime = self._profile / "pulse"
        runtime.mkdir(mode=0o700)
        socket = runtime / "native"
        home = {
            "HOME": str(self._profile),
            "XDG_RUNTIME_DIR": str(runtime),
            "PULSE_RUNTIME_PATH": str(runtime),
        }
        self._pulse = spawn(
            [
                pulseaudio,
                "--daemonize=no",
                "-n",  # no default script: nothing but the two modules below (no real sound card, no X11 bell)
                "--exit-idle-time=-1",
                "--use-pid-file=no",
                "--disable-shm=yes",
                "-L",
                f"module-native-protocol-unix socket={socket} auth-anonymous=1",
                "-L",
                f"module-null-sink sink_name={SINK} rate=48000 channels=2",
            ],
            env={**os.environ, **home},
        )
        deadline = time.monotonic() + SOUND_TIMEOUT_S
        while not socket.exists():
            if self._pulse.poll() is not None or time.monotonic() > deadline:
                _end_group(self._pulse)
                self._pulse = None
                return "PulseAudio did not start"
            time.sleep(0.05)
        return ""

    def is_open(self) -> bool:
        processes = (self._xvfb, self._browser, *([self._pulse] if not self.silent_because else []))
        return all(p is not None and p.poll() is None for p in processes)

    def pids(self) -> list[int]:
        """The process ids (and so process groups) of Xvfb, PulseAudio and Chromium."""
        return [p.pid for p in (self._xvfb, self._pulse, self._browser) if p is not None]

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        for process in (self._browser, self._pulse, self._xvfb):
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

    def sound_unavailable(self) -> str:
        """Why a rendered page's sound cannot be pushed ("" when PulseAudio is there to try)."""
        return "" if find_pulseaudio() else "PulseAudio is not installed"

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
    """A live stream of what the display shows and what the page plays (silence without PulseAudio).

    The segments' wall-clock times are the screen's: ffmpeg dates the first segment when its output starts,
    which for a grabbed screen is after the sound input opened (connecting to PulseAudio takes up to a couple of
    seconds on a busy machine) while the screen was being captured since ffmpeg opened it. x11grab stamps each
    frame with the wall clock, so the screen input's start (ffmpeg's input summary) dates the push exactly and every
    segment is shifted by the difference: a comment shown at 12:00:05 is at 12:00:05 on the recording's timeline.
    The sound input is opened first so it starts no later than the picture."""

    def __init__(self, *, display: Display, **kwargs: Any) -> None:
        page = display.page
        super().__init__(width=page.width, height=page.height, fps=page.frame_rate, **kwargs)
        self.display = display
        self._shift_s: float | None = None  # screen start - ffmpeg's date of the first segment
        self._shifted: set[str] = set()

    def _inputs(self) -> list[str]:
        return [
            "-loglevel",
            "info",  # the input summary names the screen's start; -nostats keeps the log small
            *self._sound_input(),
            "-thread_queue_size",
            "512",
            "-probesize",
            "32",
            "-analyzeduration",
            "0",
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
        ]

    def _sound_input(self) -> list[str]:
        if self.display.silent_because:
            return ["-re", "-f", "lavfi", "-i", "anullsrc=channel_layout=stereo:sample_rate=48000"]
        return [
            "-thread_queue_size",
            "512",
            "-f",
            "pulse",
            "-server",
            self.display.pulse_server,
            "-sample_rate",
            "48000",
            "-channels",
            "2",
            "-fragment_size",
            "3840",  # 20 ms: the sound is not held back by PulseAudio's default two-second fragments
            "-i",
            f"{SINK}.monitor",
        ]

    def start(self) -> None:
        super().start()
        with self._lock:
            first = next(iter(self._segments.values()), None)
        screen_start = self._screen_start()
        if first is not None and screen_start is not None:
            self._shift_s = screen_start - first.started_at
        else:
            self._shift_s = 0.0
        self._refresh()

    def _screen_start(self) -> float | None:
        try:
            log = (self.directory / LOG_FILE).read_text(errors="replace")
        except OSError:
            return None
        found = SCREEN_START.search(log)
        return float(found[1]) if found else None

    def _refresh(self) -> None:
        super()._refresh()
        shift = self._shift_s
        if not shift:
            return
        with self._lock:
            for uri, segment in self._segments.items():
                if uri not in self._shifted:
                    self._segments[uri] = dataclasses.replace(segment, started_at=segment.started_at + shift)
                    self._shifted.add(uri)

    def stop(self) -> None:
        try:
            super().stop()
        finally:
            self.display.close()
