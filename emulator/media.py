"""Real media for the emulator: a live test stream per push (recording files from its segments: `assembly.py`).

Design:
- `LiveStream` runs ONE ffmpeg process (from imageio-ffmpeg) that renders testsrc2 with the title lines and a
  running UTC clock (drawtext) plus a beeping sine tone, encodes H.265 or H.264 (ultrafast/zerolatency, a forced
  keyframe at every segment boundary so segments cut exactly) + AAC in real time (`-re`), and writes live HLS into
  `<root>/<app>/<stream>/live.m3u8` with `seg_NNNNNN.ts` segments (`temp_file`: a listed segment is complete).
- Segment retention: the live playlist is a sliding window of 10 segments, but NO segment is deleted while the
  stream exists, and `stop()` keeps them too, because recordings are assembled from them when a record task or the
  push ends (which may be just after the push stopped). The directory is wiped when a stream with the same
  app/stream name starts again, so disk use is bounded by one push per stream name.
- A watcher thread polls the playlist and remembers every segment with its wall-clock start
  (`#EXT-X-PROGRAM-DATE-TIME`), so `segments_between` also sees segments that left the sliding window. It also
  enforces `die_after_s` (fault injection: the process is SIGKILLed, like a push whose network dropped).
- No ffprobe exists in imageio-ffmpeg: `probe()` and `sample()` run `ffmpeg -i X -c copy -f null -` and parse the
  stream header plus the final statistics (bytes per stream, frame count, time).
- Processes are never left behind: ffmpeg runs in its own session (Ctrl-C in the terminal does not reach it
  mid-write), `stop()` sends SIGTERM (ffmpeg finalises the playlist), waits, and SIGKILLs if needed;
  `stop_all_streams()` runs at interpreter exit; a SIGKILLed emulator takes its ffmpeg with it (PR_SET_PDEATHSIG,
  `children.spawn`); a `ffmpeg.pid` file lets the next start of the same stream kill an ffmpeg orphaned anyway
  (not Linux) by a crashed emulator (only if its working directory is that stream's directory).
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import logging
import os
import shutil
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emulator import children

# Re-exported: the emulator's other modules and tests import them from here.
from emulator.probing import MediaError as MediaError
from emulator.probing import MediaInfo as MediaInfo
from emulator.probing import ffmpeg_exe as ffmpeg_exe
from emulator.probing import inspect_media, parse_playlist, run_ffmpeg, tail
from emulator.probing import probe as probe

logger = logging.getLogger(__name__)

PLAYLIST_NAME = "live.m3u8"
SEGMENT_PATTERN = "seg_%06d.ts"
PID_FILE = "ffmpeg.pid"
LOG_FILE = "ffmpeg.log"
LIVE_WINDOW_SEGMENTS = 10
SAMPLE_SEGMENTS = 3
STOP_GRACE_S = 5.0
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf",
    "/usr/local/share/fonts/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/Library/Fonts/Arial.ttf",
    "/System/Library/Fonts/Supplemental/Arial.ttf",
)
# drawtext expands this at render time; colons inside the strftime format are escaped for %{gmtime:...}.
CLOCK_TEXT = r"%{gmtime:%Y-%m-%d %H\:%M\:%S} UTC"
FORMATS = ("mp4", "hls", "flv", "aac")
# hvc1 is the sample entry players (Safari) need for H.265 in MP4; x265 is kept quiet about its settings.
VIDEO_ENCODERS = {
    "h264": ["-c:v", "libx264"],
    "h265": ["-c:v", "libx265", "-tag:v", "hvc1", "-x265-params", "log-level=error"],
}


@dataclass(frozen=True)
class Segment:
    path: Path
    started_at: float  # wall clock (time.time()) of the segment's first frame
    duration_s: float

    @property
    def ended_at(self) -> float:
        return self.started_at + self.duration_s


@dataclass(frozen=True)
class PushSample:
    at: float
    video_bps: int
    audio_bps: int
    fps: float
    width: int
    height: int
    video_codec: str
    audio_codec: str


@functools.cache
def find_font() -> Path | None:
    for candidate in FONT_CANDIDATES:
        if Path(candidate).is_file():
            return Path(candidate)
    return None


# --- live stream ------------------------------------------------------------------------------------------------

_live_streams: set[LiveStream] = set()
_live_streams_lock = threading.Lock()


def stop_all_streams() -> None:
    """Stop every running LiveStream (registered with atexit; call it from shutdown handlers too)."""
    with _live_streams_lock:
        streams = list(_live_streams)
    for stream in streams:
        stream.stop()


atexit.register(stop_all_streams)


class LiveStream:
    def __init__(
        self,
        *,
        root: Path,
        app: str,
        stream: str,
        title_lines: list[str],
        width: int = 1280,
        height: int = 720,
        fps: int = 25,
        video_kbps: int = 2500,
        segment_seconds: float = 2.0,
        die_after_s: float | None = None,
        codec: str = "h264",
    ) -> None:
        if codec not in VIDEO_ENCODERS:
            raise ValueError(f"unknown push codec {codec!r}; expected one of {', '.join(VIDEO_ENCODERS)}")
        self.codec = codec
        self.app = app
        self.stream = stream
        self.title_lines = list(title_lines)
        self.width = width
        self.height = height
        self.fps = fps
        self.video_kbps = video_kbps
        self.segment_seconds = segment_seconds
        self.die_after_s = die_after_s
        self.directory = Path(root) / app / stream
        self._process: subprocess.Popen[bytes] | None = None
        self._spawned_at = 0.0
        self._spawned_monotonic = 0.0
        self._segments: dict[str, Segment] = {}
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._watcher: threading.Thread | None = None

    def __repr__(self) -> str:
        return f"<LiveStream {self.app}/{self.stream} alive={self.is_alive()}>"

    @property
    def playlist_path(self) -> Path:
        return self.directory / PLAYLIST_NAME

    @property
    def started_at(self) -> float:
        """Wall clock of the first frame (known once start() returned)."""
        with self._lock:
            first = next(iter(self._segments.values()), None)
        return first.started_at if first else self._spawned_at

    # --- lifecycle --------------------------------------------------------------------------------------------
    def start(self) -> None:
        """Spawn ffmpeg; return once the first segment is listed in the playlist."""
        if self._process is not None:
            raise MediaError(f"{self!r} was already started")
        self._prepare_directory()
        with (self.directory / LOG_FILE).open("wb") as log:
            self._process = self._popen(
                self._command(),
                cwd=self.directory,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=log,
                start_new_session=True,
            )
        self._spawned_at = time.time()
        self._spawned_monotonic = time.monotonic()
        (self.directory / PID_FILE).write_text(str(self._process.pid))
        with _live_streams_lock:
            _live_streams.add(self)
        self._watcher = threading.Thread(
            target=self._watch, name=f"live-{self.app}-{self.stream}", daemon=True
        )
        self._watcher.start()
        self._wait_for_first_segment()

    def _popen(self, command: list[str], **kwargs: Any) -> subprocess.Popen[bytes]:
        """Start ffmpeg so that it dies with this process, even SIGKILLed (see emulator/children.py)."""
        return children.spawn(command, **kwargs)

    def stop(self) -> None:
        """Stop ffmpeg (gracefully, then by force) and the watcher; segments stay on disk. Idempotent."""
        self._stopped.set()
        process = self._process
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._watcher is not None and self._watcher is not threading.current_thread():
            self._watcher.join()
        if process is not None and self._owns_directory():
            self._refresh()
            (self.directory / PID_FILE).unlink(missing_ok=True)
        with _live_streams_lock:
            _live_streams.discard(self)

    def is_alive(self) -> bool:
        process = self._process
        return process is not None and not self._stopped.is_set() and process.poll() is None

    # --- segments ---------------------------------------------------------------------------------------------
    def segments_between(self, start: float, end: float | None = None) -> list[Segment]:
        """Finished segments overlapping [start, end] (end None = up to now), oldest first."""
        self._refresh()
        with self._lock:
            segments = list(self._segments.values())
        return [s for s in segments if s.ended_at > start and (end is None or s.started_at < end)]

    def sample(self) -> PushSample:
        """Bitrates, frame rate and resolution measured from the most recent segments."""
        recent = self._recent_segments(SAMPLE_SEGMENTS)
        source = "concat:" + "|".join(segment.path.name for segment in recent)
        inspection = inspect_media(source, cwd=self.directory)
        duration = sum(segment.duration_s for segment in recent)
        return PushSample(
            at=time.time(),
            video_bps=int(inspection.video_bytes * 8 / duration),
            audio_bps=int(inspection.audio_bytes * 8 / duration),
            fps=round(inspection.frames / duration, 2),
            width=inspection.width,
            height=inspection.height,
            video_codec=inspection.video_codec,
            audio_codec=inspection.audio_codec or "",
        )

    def snapshot_jpeg(self, out: Path) -> Path:
        """Write the first frame of the latest segment as a JPEG (atomically) and return its path."""
        [latest] = self._recent_segments(1)
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_name(out.name + ".part")
        frame_args = ["-frames:v", "1", "-c:v", "mjpeg", "-q:v", "3", "-f", "image2", "-update", "1"]
        run_ffmpeg(["-i", str(latest.path), *frame_args, str(partial)])
        partial.replace(out)
        return out

    # --- internals --------------------------------------------------------------------------------------------
    def _recent_segments(self, count: int) -> list[Segment]:
        self._refresh()
        with self._lock:
            segments = list(self._segments.values())[-count:]
        if not segments:
            raise MediaError(f"{self!r} has no segments yet")
        return segments

    def _prepare_directory(self) -> None:
        self._kill_orphan()
        if self.directory.exists():
            shutil.rmtree(self.directory)
        self.directory.mkdir(parents=True)
        (self.directory / "title.txt").write_text("\n".join(self.title_lines))
        (self.directory / "clock.txt").write_text(CLOCK_TEXT)

    def _kill_orphan(self) -> None:
        """Kill an ffmpeg left running in this directory by a previous emulator process that crashed."""
        pid_file = self.directory / PID_FILE
        try:
            pid = int(pid_file.read_text())
            running_in = Path(os.readlink(f"/proc/{pid}/cwd"))
        except (OSError, ValueError):
            return
        if running_in == self.directory.resolve():
            logger.warning("killing orphaned ffmpeg %d of %s/%s", pid, self.app, self.stream)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            # SIGKILL is asynchronous: wait until it no longer runs (a zombie has no cwd) before wiping its files.
            deadline = time.monotonic() + STOP_GRACE_S
            while time.monotonic() < deadline:
                try:
                    os.readlink(f"/proc/{pid}/cwd")
                except OSError:
                    break
                time.sleep(0.02)

    def _video_filter(self) -> list[str]:
        font = find_font()
        if font is None:
            logger.warning(
                "no TrueType font found (tried %s); live picture has no text", ", ".join(FONT_CANDIDATES)
            )
            return []
        title_size = max(10, self.height // 14)
        clock_size = max(10, self.height // 16)
        margin = max(4, self.height // 40)
        common = f"fontfile={font}:fontcolor=white:box=1:boxcolor=black@0.6:boxborderw={margin // 2}"
        title = (
            f"drawtext={common}:textfile=title.txt:expansion=none:fontsize={title_size}"
            f":line_spacing={margin // 2}:x=(w-text_w)/2:y=(h-text_h)/2"
        )
        clock = f"drawtext={common}:textfile=clock.txt:fontsize={clock_size}:x={margin}:y=h-text_h-{margin}"
        return ["-vf", f"{title},{clock}"]

    def _inputs(self) -> list[str]:
        """The picture and the sound (input 0 video, input 1 audio) with their filters: a subclass pushes
        something else (webrender.RenderedStream grabs a browser's screen)."""
        return [
            "-re",
            "-readrate_initial_burst",
            "0",
            "-f",
            "lavfi",
            "-i",
            f"testsrc2=size={self.width}x{self.height}:rate={self.fps}",
            "-re",
            "-readrate_initial_burst",
            "0",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:beep_factor=4:sample_rate=48000",
            *self._video_filter(),
        ]

    def _command(self) -> list[str]:
        gop = max(1, round(self.fps * self.segment_seconds))
        kbps = self.video_kbps
        return [
            ffmpeg_exe(),
            "-hide_banner",
            "-nostdin",
            "-nostats",
            "-loglevel",
            "warning",
            *self._inputs(),
            *VIDEO_ENCODERS[self.codec],
            "-preset",
            "ultrafast",
            "-tune",
            "zerolatency",
            "-pix_fmt",
            "yuv420p",
            "-b:v",
            f"{kbps}k",
            "-maxrate",
            f"{kbps}k",
            "-bufsize",
            f"{2 * kbps}k",
            "-g",
            str(gop),
            "-keyint_min",
            str(gop),
            "-sc_threshold",
            "0",
            "-force_key_frames",
            f"expr:gte(t,n_forced*{self.segment_seconds})",
            "-c:a",
            "aac",
            "-b:a",
            "96k",
            "-ac",
            "2",
            "-f",
            "hls",
            "-hls_time",
            str(self.segment_seconds),
            "-hls_list_size",
            str(LIVE_WINDOW_SEGMENTS),
            "-hls_flags",
            "program_date_time+independent_segments+temp_file",
            "-start_number",
            "0",
            "-hls_segment_filename",
            SEGMENT_PATTERN,
            PLAYLIST_NAME,
        ]

    def _wait_for_first_segment(self) -> None:
        deadline = time.monotonic() + 3 * self.segment_seconds + 15
        while time.monotonic() < deadline:
            self._refresh()
            with self._lock:
                if self._segments:
                    return
            if self._process is None or self._process.poll() is not None:
                break
            time.sleep(0.05)
        log = (self.directory / LOG_FILE).read_text(errors="replace")
        self.stop()
        raise MediaError(f"live stream {self.app}/{self.stream} produced no segment: {tail(log)}")

    def _owns_directory(self) -> bool:
        """False once a newer push of the same stream name took the directory over."""
        try:
            return self._process is not None and (self.directory / PID_FILE).read_text() == str(
                self._process.pid
            )
        except FileNotFoundError:
            return False

    def _refresh(self) -> None:
        """Remember every segment the playlist lists (the live window slides; our memory does not)."""
        if not self._owns_directory():
            return
        try:
            text = self.playlist_path.read_text()
        except FileNotFoundError:
            return
        with self._lock:
            previous = next(reversed(self._segments.values()), None)
            for entry in parse_playlist(text):
                if entry.uri in self._segments:
                    previous = self._segments[entry.uri]
                    continue
                started_at = entry.program_date_time
                if started_at is None:
                    started_at = previous.ended_at if previous else self._spawned_at
                segment = Segment(
                    path=self.directory / entry.uri, started_at=started_at, duration_s=entry.duration_s
                )
                self._segments[entry.uri] = segment
                previous = segment

    def _watch(self) -> None:
        interval = min(0.25, self.segment_seconds / 4)
        process = self._process
        assert process is not None
        while not self._stopped.wait(interval):
            self._refresh()
            if process.poll() is not None:
                logger.info("ffmpeg of %s/%s exited with %s", self.app, self.stream, process.returncode)
                break
            if (
                self.die_after_s is not None
                and time.monotonic() - self._spawned_monotonic >= self.die_after_s
            ):
                logger.info(
                    "live stream %s/%s dies after %.1f s (fault injection)",
                    self.app,
                    self.stream,
                    self.die_after_s,
                )
                process.kill()
                process.wait()
                break
        self._refresh()
        with _live_streams_lock:
            if process.poll() is not None:
                _live_streams.discard(self)
