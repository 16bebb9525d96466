"""A push without an encoder (`EMULATOR_PUSH_MEDIA=light`), for benchmarks of the console at scale.

It stands in for `media.LiveStream`: the stream is live from `start()` until `stop()`, reports a size and push
samples at the app's nominal bitrate, so every API, rate limit, state rule and callback of the emulator is
unchanged (pushes, online lists, DescribeLiveStreamState, DescribeStreamPushInfoList, push events 1 and 0).
What it lacks is media: no HLS segments (a player gets an empty playlist), screenshots are empty files, and a
recording of it has no content (its task runs, no file is delivered). A thousand ffmpeg encoders do not fit on
one machine; a thousand of these cost nothing.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from emulator.media import PushSample


class LightStream:
    def __init__(
        self,
        *,
        root: Path,
        app: str,
        stream: str,
        width: int = 1280,
        height: int = 720,
        fps: int = 25,
        video_kbps: int = 2500,
        codec: str = "h264",
        **_ignored: Any,
    ) -> None:
        self.app, self.stream = app, stream
        self.directory = Path(root) / app / stream
        self.width, self.height, self.fps = width, height, fps
        self.video_kbps = video_kbps
        self.codec = codec
        self._alive = False
        self._started_at = 0.0

    def __repr__(self) -> str:
        return f"<LightStream {self.app}/{self.stream} alive={self._alive}>"

    @property
    def playlist_path(self) -> Path:
        return self.directory / "live.m3u8"

    @property
    def started_at(self) -> float:
        return self._started_at

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.playlist_path.write_text("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n")
        self._started_at = time.time()
        self._alive = True

    def stop(self) -> None:
        self._alive = False

    def is_alive(self) -> bool:
        return self._alive

    def segments_between(self, start: float, end: float | None = None) -> list[Any]:
        return []

    def sample(self) -> PushSample:
        return PushSample(
            at=time.time(),
            video_bps=self.video_kbps * 1000,
            audio_bps=128_000,
            fps=float(self.fps),
            width=self.width,
            height=self.height,
            video_codec="hevc" if self.codec == "h265" else "h264",  # as ffprobe names them
            audio_codec="aac",
        )

    def snapshot_jpeg(self, out: Path) -> Path:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(b"")
        return out
