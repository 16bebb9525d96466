"""Real media for the moderation tests, made with ffmpeg: clips with black, silent or frozen stretches."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import imageio_ffmpeg


def make_clip(
    path: Path,
    *,
    seconds: float = 6,
    black: tuple[float, float] | None = None,
    silent: tuple[float, float] | None = None,
    freeze_at: float | None = None,
    freeze_frames: int = 0,
    audio: bool = True,
) -> Path:
    """An H.264/AAC MP4 test picture with a tone; `black`/`silent` blank those seconds, `freeze_at` repeats the
    frame at that time `freeze_frames` times (the clip grows by that many frames)."""
    filters = []
    if black:
        filters.append(f"drawbox=color=black:t=fill:enable='between(t,{black[0]},{black[1]})'")
    if freeze_at is not None:
        filters.append(f"loop=loop={freeze_frames}:size=1:start={round(freeze_at * 25)},setpts=N/25/TB")
    command = [
        imageio_ffmpeg.get_ffmpeg_exe(),
        "-hide_banner",
        "-loglevel",
        "error",
        "-y",
        "-f",
        "lavfi",
        "-i",
        f"testsrc2=size=320x180:rate=25:duration={seconds}",
    ]
    if audio:
        total = seconds + freeze_frames / 25
        command += ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=44100:duration={total}"]
    if filters:
        command += ["-vf", ",".join(filters)]
    if audio and silent:
        command += ["-af", f"volume=volume=0:enable='between(t,{silent[0]},{silent[1]})'"]
    command += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
    if audio:
        command += ["-c:a", "aac"]
    command += ["-movflags", "+faststart", str(path)]
    subprocess.run(command, check=True, timeout=60)
    return path


def serve_from_emulator(emulator: Any, clip: Path, *, file_id: str) -> str:
    """Put `clip` into the emulator's VOD store; returns its (unsigned) media URL."""
    directory = emulator.config.data_dir / "vod" / emulator.config.vod_app_id / file_id
    directory.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(clip, directory / clip.name)
    return f"{emulator.base_url}/vod/{emulator.config.vod_app_id}/{file_id}/{clip.name}"
