"""The push lifecycle: each push is a real `LiveStream` (ffmpeg writing live HLS) that CAR starts and stops.

Starting and ending a push send the push callbacks (events 1 and 0, plus 321 when it broke off); while it runs,
`tick` has it probed (samples, screenshots) and ends it if ffmpeg died. The `Recorder` lives here because
recordings follow the pushes: it is told which pushes are live and when they end, and a push's segments are kept
until no recording needs them.
"""

from __future__ import annotations

import logging
import secrets
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from emulator.callbacks import CallbackSender
from emulator.config import EmulatorConfig
from emulator.cos import CosService
from emulator.css.probes import Live, Probes
from emulator.faults import Faults
from emulator.hotlink import check_tx_secret
from emulator.light import LightStream
from emulator.media import LiveStream
from emulator.recorder import Recorder, stream_fields
from emulator.state import EmulatorState, Push
from emulator.vod import VodService
from emulator.webrender import Page, RenderedStream, Renderer

logger = logging.getLogger(__name__)
PUSH_INTERRUPTED = 3  # errcode of event 0 when a push broke off (e.g. the die-after fault)

StreamKey = tuple[str, str, str]  # (domain, app, stream)


class Pushes:
    def __init__(
        self,
        *,
        config: EmulatorConfig,
        state: EmulatorState,
        callbacks: CallbackSender,
        faults: Faults,
        vod: VodService,
        cos: CosService,
    ) -> None:
        self.config = config
        self.state = state
        self.callbacks = callbacks
        self.faults = faults
        self.push_ended_listeners: list[Callable[..., None]] = []
        self._lives: dict[StreamKey, Live] = {}
        self._starting: set[StreamKey] = set()
        self._closed = False
        self.recorder = Recorder(
            config=config,
            state=state,
            vod=vod,
            cos=cos,
            send=self._send,
            released=self._remove_segments_when_done,
        )
        self.probes = Probes(config=config, state=state, send=self._send)
        self.renderer = Renderer(max_sessions=config.web_render_max)

    def verify_push_secret(self, *, stream_name: str, query: str) -> bool:
        values = parse_qs(query)
        return (
            check_tx_secret(
                key=self.config.css_push_key,
                stream_name=stream_name,
                tx_secret_value=values.get("txSecret", [""])[0],
                tx_time=values.get("txTime", [""])[0],
                now=time.time(),
            )
            is None
        )

    def is_pushing(self, *, domain_name: str, app_name: str, stream_name: str) -> bool:
        key = (domain_name, app_name, stream_name)
        with self.state.lock:
            return key in self._lives or key in self._starting

    def live_stream(self, app_name: str, stream_name: str) -> LiveStream | None:
        """The running stream pushed to `<app>/<stream>` on any domain (what a player asks for)."""
        with self.state.lock:
            for (_, app, stream), live in self._lives.items():
                if (app, stream) == (app_name, stream_name):
                    return live.stream
        return None

    def start_push(
        self,
        *,
        domain_name: str,
        app_name: str,
        stream_name: str,
        user_ip: str,
        stream_param: str,
        caption: str = "",
        page: Page | None = None,
    ) -> None:
        key = (domain_name, app_name, stream_name)
        with self.state.lock:
            if key in self._lives or key in self._starting:
                return
            self._starting.add(key)
        sequence = str(secrets.randbelow(9 * 10**18) + 10**18)
        try:
            title_lines = [
                *([caption] if caption else []),
                f"UserId {stream_name}",
                f"{domain_name}/{app_name} push {sequence}",
            ]
            stream, picture = self._new_stream(key, sequence=sequence, page=page, title_lines=title_lines)
            try:
                stream.start()
            except Exception as exc:
                stream.stop()  # never leave an ffmpeg (or a browser) behind when the push could not start
                if not isinstance(stream, RenderedStream):
                    raise
                logger.warning("the page of %s/%s could not be pushed: %s", app_name, stream_name, exc)
                stream, picture = self._new_stream(
                    key,
                    sequence=sequence,
                    page=None,
                    title_lines=title_lines,
                    reason="the page could not be pushed",
                )
                try:
                    stream.start()
                except Exception:
                    stream.stop()
                    raise
            push = Push(
                domain_name=domain_name,
                app_name=app_name,
                stream_name=stream_name,
                sequence=sequence,
                started_at=stream.started_at,
                user_ip=user_ip,
                stream_param=stream_param,
                picture=picture,
            )
            with self.state.mutate():
                self._lives[key] = Live(
                    stream=stream,
                    push=push,
                    width=stream.width,
                    height=stream.height,
                    last_sample_at=time.time(),
                    last_screenshot_at=0.0,
                )
                self.state.add_push(push)
        finally:
            with self.state.lock:
                self._starting.discard(key)
        self._send(
            self._push_event(push, size=(stream.width, stream.height), event_type=1, errcode=0, errmsg="ok")
        )
        self.start_due_recordings()

    def _new_stream(
        self, key: StreamKey, *, sequence: str, page: Page | None, title_lines: list[str], reason: str = ""
    ) -> tuple[LiveStream, str]:
        """The push's stream and what it shows: a WEB app's page when it can be rendered, else the test
        picture, which then says why the page is not there (the push never fails for want of a browser)."""
        common = {
            "root": self._push_root(sequence),
            "app": key[1],
            "stream": key[2],
            "segment_seconds": self.config.segment_seconds,
            "die_after_s": self.faults.push_die_after_s,
            "codec": self.config.push_codec,
        }
        if self.config.push_media == "light":  # benchmarks at scale: stream state without an encoder
            light = LightStream(width=self.config.video_width, height=self.config.video_height, **common)  # type: ignore[arg-type]
            return light, "light push (no encoder)"  # type: ignore[return-value]
        if page is not None:
            display, reason = self.renderer.open(page)
            if display is not None:
                stream = RenderedStream(display=display, title_lines=title_lines, **common)
                return stream, f"rendered page {page.url}; sound: {display.sound}"
        picture = LiveStream(
            title_lines=[*title_lines, *([f"WEB page not rendered: {reason}"] if reason else [])],
            width=self.config.video_width,
            height=self.config.video_height,
            **common,  # type: ignore[arg-type]
        )
        return picture, f"test picture: {reason}" if reason else "test picture"

    def stop_push(self, *, domain_name: str, app_name: str, stream_name: str) -> None:
        self.end_push((domain_name, app_name, stream_name), errcode=1, errmsg="recv rtmp deleteStream")

    def stop_all(self) -> None:
        """Stop every push without producing files (shutdown and reset)."""
        with self.state.lock:
            lives = list(self._lives.values())
            self._lives.clear()
        self.recorder.stop_all()
        for live in lives:
            live.stream.stop()
            live.push.ended_at = time.time()

    def close(self) -> None:
        self._closed = True
        self.stop_all()
        self.recorder.close()
        self.probes.close()
        self.renderer.close_all()

    def end_push(self, key: StreamKey, *, errcode: int, errmsg: str) -> None:
        with self.state.lock:
            live = self._lives.pop(key, None)
        if live is None:
            return
        live.stream.stop()
        now = time.time()
        with self.state.mutate():
            live.push.ended_at = now
        self.recorder.finish(lambda recording: recording.push is live.push, now)
        self._remove_segments_when_done(live.push)
        # CAR learns first, so whoever reacts to the callbacks below finds the session no longer publishing.
        for listener in self.push_ended_listeners:
            listener(domain_name=key[0], app_name=key[1], stream_name=key[2])
        if errcode == PUSH_INTERRUPTED:
            self._send(self._exception_event(live.push, now))
        event = self._push_event(
            live.push, size=(live.width, live.height), event_type=0, errcode=errcode, errmsg=errmsg
        )
        event["push_duration"] = str(int((now - live.push.started_at) * 1000))
        self._send(event)

    # --- housekeeping ----------------------------------------------------------------------------------------

    def tick(self, now: float) -> None:
        with self.state.lock:
            lives = list(self._lives.items())
        for key, live in lives:
            if not live.stream.is_alive():
                self.end_push(key, errcode=PUSH_INTERRUPTED, errmsg="push interrupted")
                continue
            self.probes.start_due(live, now)
        self.start_due_recordings()
        self.recorder.tick(now)

    def start_due_recordings(self) -> None:
        with self.state.lock:
            lives = {key: (live.push, live.stream) for key, live in self._lives.items()}
        self.recorder.start_due(time.time(), lives)

    def _remove_segments_when_done(self, push: Push) -> None:
        """A push's segments are deleted once it ended and no recording still needs them."""
        if push.ended_at is not None and not self.recorder.uses(push):
            shutil.rmtree(self._push_root(push.sequence), ignore_errors=True)

    def _push_root(self, sequence: str) -> Path:
        return self.config.data_dir / "live" / sequence

    # --- callback events -------------------------------------------------------------------------------------

    def _push_event(
        self, push: Push, *, size: tuple[int, int], event_type: int, errcode: int, errmsg: str
    ) -> dict[str, Any]:
        return {
            **stream_fields(self.config.appid, push),
            "event_type": event_type,
            "event_time": int(time.time()),
            "sequence": push.sequence,
            "node": "127.0.0.1",
            "user_ip": push.user_ip,
            "stream_param": push.stream_param,
            "errcode": errcode,
            "errmsg": errmsg,
            "set_id": 2,
            "width": size[0],
            "height": size[1],
        }

    def _exception_event(self, push: Push, now: float) -> dict[str, Any]:
        """Event 321: the push's frames stopped arriving (type 6: video more than 3 s late) before it broke."""
        return {
            "event_type": 321,
            "appid": int(self.config.appid),
            "stream_id": push.stream_name,
            "domain": push.domain_name,
            "path": push.app_name,
            "sequence": push.sequence,
            "data_time": int(now * 1000),
            "abnormal_event": [
                {
                    "type": 6,
                    "count": 1,
                    "detail": [
                        {"desc": "video frames arrived more than 3 s late", "occur_time": int(now * 1000)}
                    ],
                }
            ],
        }

    def _send(self, event: dict[str, Any]) -> None:
        if not self._closed:
            self.callbacks.send(event)
