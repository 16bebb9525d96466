"""Probing live pushes: quality samples (for the push info APIs and upstream usage) and screenshots (event 200).

Both run ffmpeg on the push's latest segments, so they go to a small thread pool rather than holding up the
emulator's ticker; a push is sampled again only once its previous sample is done.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from emulator.config import EmulatorConfig
from emulator.media import LiveStream
from emulator.recorder import Send, stream_fields
from emulator.state import EmulatorState, Push, PushSample

logger = logging.getLogger("emulator")


@dataclass
class Live:
    """A running push and what its probes last saw of it."""

    stream: LiveStream
    push: Push
    width: int
    height: int
    last_sample_at: float = 0.0
    last_screenshot_at: float = 0.0
    sampling: bool = False


class Probes:
    def __init__(self, *, config: EmulatorConfig, state: EmulatorState, send: Send) -> None:
        self.config = config
        self.state = state
        self.send = send
        self._executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="emulator-probe")

    def start_due(self, live: Live, now: float) -> None:
        """Start a sample and a screenshot of the push if their interval has passed."""
        if now - live.last_sample_at >= self.config.sample_seconds and not live.sampling:
            live.sampling = True
            self._executor.submit(self._take_sample, live)
        if now - live.last_screenshot_at >= self.config.screenshot_seconds:
            live.last_screenshot_at = now
            self._executor.submit(self._screenshot, live)

    def close(self) -> None:
        # A sample in progress ends with its (stopped) push; waiting keeps it from writing after close.
        self._executor.shutdown(wait=True, cancel_futures=True)

    def _take_sample(self, live: Live) -> None:
        try:
            sample = live.stream.sample()
        except Exception:
            logger.exception("could not sample %s", live.push.stream_name)
            return
        finally:
            live.sampling = False
        now = sample.at
        interval = now - live.last_sample_at
        live.last_sample_at = now
        live.width, live.height = sample.width, sample.height
        flux = (sample.video_bps + sample.audio_bps) / 8 * interval
        with self.state.lock:
            self.state.add_sample(
                PushSample(
                    at=now,
                    domain_name=live.push.domain_name,
                    app_name=live.push.app_name,
                    stream_name=live.push.stream_name,
                    sequence=live.push.sequence,
                    begin_push_time=live.push.started_at,
                    video_bps=sample.video_bps,
                    audio_bps=sample.audio_bps,
                    fps=sample.fps,
                    width=sample.width,
                    height=sample.height,
                    video_codec=sample.video_codec,
                    audio_codec=sample.audio_codec,
                    flux_bytes=flux,
                    interval_s=interval,
                )
            )
            self.state.usage.add(self.state.usage.upstream_bytes, live.push.domain_name, now, flux)

    def _screenshot(self, live: Live) -> None:
        push = live.push
        now = time.time()
        relative = Path(push.app_name) / push.stream_name / f"{push.stream_name}-screenshot-{int(now)}.jpg"
        try:
            path = live.stream.snapshot_jpeg(self.config.data_dir / "snapshots" / relative)
        except Exception:
            logger.exception("could not take a screenshot of %s", push.stream_name)
            return
        pic_url = f"/snapshots/{relative.as_posix()}"
        self.send(
            {
                **stream_fields(self.config.appid, push),
                "event_type": 200,
                "create_time": int(now),
                "file_size": path.stat().st_size,
                "width": live.width,
                "height": live.height,
                "pic_url": pic_url,
                "pic_full_url": f"{self.config.base_url}{pic_url}",
            }
        )
