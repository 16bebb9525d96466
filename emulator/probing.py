"""Running ffmpeg (from imageio-ffmpeg) and reading media back: imageio-ffmpeg has no ffprobe, so `probe()` and a
push's samples run `ffmpeg -i X -c copy -f null -` and parse the stream header plus the final statistics."""

from __future__ import annotations

import contextlib
import functools
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import imageio_ffmpeg


class MediaError(RuntimeError):
    """ffmpeg failed or produced something unusable."""


@dataclass(frozen=True)
class MediaInfo:
    duration_s: float
    size_bytes: int
    width: int  # 0 for audio-only files
    height: int
    video_codec: str  # "" for audio-only files
    audio_codec: str | None
    bitrate_bps: int


@functools.cache
def ffmpeg_exe() -> str:
    return imageio_ffmpeg.get_ffmpeg_exe()


@dataclass(frozen=True)
class Inspection:
    duration_s: float
    width: int
    height: int
    video_codec: str
    audio_codec: str | None
    video_bytes: int
    audio_bytes: int
    frames: int


_VIDEO_STREAM = re.compile(r"Stream #\d+:\d+\S*: Video: (\w+).*?(\d{2,5})x(\d{2,5})")
_AUDIO_STREAM = re.compile(r"Stream #\d+:\d+\S*: Audio: (\w+)")
_HEADER_DURATION = re.compile(r"Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)")
_STREAM_BYTES = re.compile(r"video:(\d+)(KiB|kB) audio:(\d+)(KiB|kB)")
_FRAMES = re.compile(r"frame=\s*(\d+)")
_TIME = re.compile(r"time=(\d+):(\d\d):(\d\d(?:\.\d+)?)")


def _seconds(match: re.Match[str]) -> float:
    hours, minutes, seconds = match.groups()
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def inspect_media(source: str, *, cwd: Path | None = None) -> Inspection:
    """Stream-copy `source` into the null muxer and read what ffmpeg reports about it."""
    result = subprocess.run(
        [
            ffmpeg_exe(),
            "-hide_banner",
            "-nostdin",
            "-i",
            source,
            "-map",
            "0",
            "-c",
            "copy",
            "-f",
            "null",
            "-",
        ],
        capture_output=True,
        text=True,
        errors="replace",
        cwd=cwd,
        timeout=120,
    )
    output = result.stderr
    if result.returncode != 0:
        raise MediaError(f"ffmpeg could not read {source}: {tail(output)}")
    # The header describes the input; the statistics after "Stream mapping" describe what was copied.
    header = output.split("Stream mapping:", 1)[0]
    video = _VIDEO_STREAM.search(header)
    audio = _AUDIO_STREAM.search(header)
    duration = _HEADER_DURATION.search(header)
    times = list(_TIME.finditer(output))
    if duration and "Estimating duration from bitrate" not in output:
        duration_s = _seconds(duration)
    elif times:
        duration_s = _seconds(times[-1])
    else:
        raise MediaError(f"ffmpeg reported no duration for {source}")
    unit = {"KiB": 1024, "kB": 1000}
    stream_bytes = list(_STREAM_BYTES.finditer(output))
    video_bytes = audio_bytes = 0
    if stream_bytes:
        last = stream_bytes[-1]
        video_bytes = int(last.group(1)) * unit[last.group(2)]
        audio_bytes = int(last.group(3)) * unit[last.group(4)]
    frames = list(_FRAMES.finditer(output))
    return Inspection(
        duration_s=duration_s,
        width=int(video.group(2)) if video else 0,
        height=int(video.group(3)) if video else 0,
        video_codec=video.group(1) if video else "",
        audio_codec=audio.group(1) if audio else None,
        video_bytes=video_bytes,
        audio_bytes=audio_bytes,
        frames=int(frames[-1].group(1)) if frames and video else 0,
    )


def probe(path: Path) -> MediaInfo:
    """Duration, size, resolution, codecs and overall bitrate; a playlist's size includes its segments."""
    path = Path(path)
    inspection = inspect_media(str(path))
    size = path.stat().st_size
    if path.suffix == ".m3u8":
        size += sum((path.parent / entry.uri).stat().st_size for entry in parse_playlist(path.read_text()))
    duration = inspection.duration_s
    return MediaInfo(
        duration_s=duration,
        size_bytes=size,
        width=inspection.width,
        height=inspection.height,
        video_codec=inspection.video_codec,
        audio_codec=inspection.audio_codec,
        bitrate_bps=int(size * 8 / duration) if duration > 0 else 0,
    )


def tail(text: str, lines: int = 8) -> str:
    return " | ".join(line.strip() for line in text.strip().splitlines()[-lines:])


def run_ffmpeg(args: list[str], *, stdin_files: list[Path] | None = None) -> None:
    """Run ffmpeg with `args`, feeding `stdin_files` concatenated on stdin; raise MediaError on failure."""
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(
            [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *args],
            stdin=subprocess.PIPE if stdin_files is not None else subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )
        if process.stdin is not None:
            with contextlib.suppress(BrokenPipeError), process.stdin:
                for path in stdin_files or []:
                    with path.open("rb") as source:
                        shutil.copyfileobj(source, process.stdin, 1 << 20)
        returncode = process.wait()
        if returncode != 0:
            errors.seek(0)
            raise MediaError(f"ffmpeg failed ({returncode}): {tail(errors.read().decode(errors='replace'))}")


@dataclass(frozen=True)
class PlaylistEntry:
    uri: str
    duration_s: float
    program_date_time: float | None


def parse_program_date_time(value: str) -> float:
    # ffmpeg writes e.g. 2026-11-25T12:16:50.622+0000
    for fmt in ("%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z"):
        with contextlib.suppress(ValueError):
            return datetime.strptime(value, fmt).timestamp()
    return datetime.fromisoformat(value).timestamp()


def parse_playlist(text: str) -> list[PlaylistEntry]:
    entries: list[PlaylistEntry] = []
    duration: float | None = None
    program_date_time: float | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("#EXTINF:"):
            duration = float(line[len("#EXTINF:") :].split(",", 1)[0])
        elif line.startswith("#EXT-X-PROGRAM-DATE-TIME:"):
            program_date_time = parse_program_date_time(line.split(":", 1)[1])
        elif line and not line.startswith("#") and duration is not None:
            entries.append(PlaylistEntry(uri=line, duration_s=duration, program_date_time=program_date_time))
            duration = program_date_time = None
    return entries
