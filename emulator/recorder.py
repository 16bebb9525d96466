"""Recordings: record tasks on live pushes → files in VOD or COS → delayed callbacks (events 100 and 332).

A recording runs while its task is active and its stream is live. When the task stops, reaches its EndTime or the
push ends, the segments covering it are assembled (one file per format of the task's template) in a worker
thread, stored, and after `file_delay_seconds` made visible and announced — one event 100 per file, then 332
record_ended. The task's record template (`emulator.record_outputs`) decides the formats and VOD or COS; none = HLS
to VOD.
"""

from __future__ import annotations

import functools
import json
import logging
import secrets
import shutil
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from emulator.assembly import assemble_recording
from emulator.config import EmulatorConfig
from emulator.cos import CosService
from emulator.media import LiveStream, Segment
from emulator.record_outputs import cos_key, template_outputs
from emulator.state import EmulatorState, Push
from emulator.vod import VodService

logger = logging.getLogger("emulator")

FORMAT_CODES = {"flv": 1, "hls": 2, "mp4": 3, "aac": 4, "mp3": 5}
Send = Callable[[dict[str, Any]], None]


def stream_fields(appid: str, push: Push) -> dict[str, Any]:
    """The fields every CSS callback about a stream carries."""
    return {
        "appid": int(appid),
        "app": push.domain_name,
        "appname": push.app_name,
        "stream_id": push.stream_name,
        "channel_id": push.stream_name,
    }


@dataclass
class _Recording:
    task_id: str
    push: Push
    live: LiveStream
    started_at: float
    until: float  # the task's EndTime (kept: a deleted task's recording still ends there)
    template_id: int
    extension: str
    ended_at: float | None = None


@dataclass
class _Pending:
    """Work in flight (assembling files, delayed callbacks) so tests can wait for it."""

    count: int = 0
    condition: threading.Condition = field(default_factory=threading.Condition)


class Recorder:
    def __init__(
        self,
        *,
        config: EmulatorConfig,
        state: EmulatorState,
        vod: VodService,
        cos: CosService,
        send: Send,
        released: Callable[[Push], None],
    ) -> None:
        self.config = config
        self.state = state
        self.vod = vod
        self.cos = cos
        self.send = send
        self.released = released  # told when a push's segments are no longer needed by a recording
        self._recordings: dict[tuple[str, str], _Recording] = {}  # (task id, push sequence)
        self._executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="emulator-record")
        self._timers: set[threading.Timer] = set()
        self._pending = _Pending()

    def tick(self, now: float) -> None:
        """End recordings whose task reached its EndTime; count concurrent recordings for the usage API."""
        with self.state.lock:
            running = [recording for recording in self._recordings.values() if recording.ended_at is None]
            due = {id(recording) for recording in running if recording.until <= now}
            active = {(r.push.domain_name, r.push.app_name, r.push.stream_name) for r in running}
            self.state.usage.note_recordings(now, len(active))
        if due:
            # A late tick (a loaded machine) must not lengthen the recording: it ends at the task's EndTime.
            self.finish(lambda recording: id(recording) in due, now, at_until=True)

    def uses(self, push: Push) -> bool:
        with self.state.lock:
            return any(recording.push is push for recording in self._recordings.values())

    def stop_all(self) -> None:
        """Forget running recordings and cancel delayed deliveries (shutdown and reset)."""
        with self.state.lock:
            self._recordings.clear()
            timers = list(self._timers)
            self._timers.clear()
        for timer in timers:
            timer.cancel()
            self._end_work()

    def close(self) -> None:
        self.stop_all()
        # Waits for the files being assembled (their pushes are stopped by now, so each ends within a few
        # seconds): one left writing into the data directory after close made a test's removal of that directory
        # fail ("Directory not empty"), and a stopped emulator must leave no half-written file.
        self._executor.shutdown(wait=True, cancel_futures=True)

    def start_due(self, now: float, lives: Mapping[tuple[str, str, str], tuple[Push, LiveStream]]) -> None:
        """Start recording every active task whose stream is live (once per task and push)."""
        started: list[_Recording] = []
        with self.state.lock:
            for task in self.state.record_tasks.values():
                # A new task is in force only after the activation delay (CSS: push ≥ 3 s after creating it).
                active_from = max(task.start_time, task.created_at + self.config.record_activation_seconds)
                if task.stopped or not active_from <= now < task.end_time:
                    continue
                live = lives.get((task.domain_name, task.app_name, task.stream_name))
                if live is None or (task.task_id, live[0].sequence) in self._recordings:
                    continue
                push, stream = live
                recording = _Recording(
                    task_id=task.task_id,
                    push=push,
                    live=stream,
                    # From the push's first frame when the task was already active; a push started earlier
                    # loses what came before the task was in force.
                    started_at=max(active_from, push.started_at),
                    until=task.end_time,
                    template_id=task.template_id,
                    extension=task.extension,
                )
                self._recordings[(task.task_id, push.sequence)] = recording
                started.append(recording)
        for recording in started:
            self.send(self._record_status(recording, "record_start_succeeded"))

    def finish(self, which: Callable[[_Recording], bool], now: float, *, at_until: bool = False) -> None:
        """End the matching running recordings at `now` (or their EndTime) and assemble their files."""
        with self.state.lock:
            finished = [r for r in self._recordings.values() if r.ended_at is None and which(r)]
            for recording in finished:
                recording.ended_at = min(now, recording.until) if at_until else now
        for recording in finished:
            self._begin_work()
            self._executor.submit(self._assemble, recording)

    def _assemble(self, recording: _Recording) -> None:
        try:
            self._assemble_files(recording)
        except Exception:
            logger.exception("recording of task %s failed", recording.task_id)
            self.send(self._record_status(recording, "record_error"))
        finally:
            with self.state.lock:
                self._recordings.pop((recording.task_id, recording.push.sequence), None)
            self.released(recording.push)
            self._end_work()

    def _assemble_files(self, recording: _Recording) -> None:
        assert recording.ended_at is not None
        segments = self._wait_for_segments(recording)
        if not segments:
            self.send(self._record_status(recording, "record_ended"))
            return
        push = recording.push
        content_start = segments[0].started_at
        content_end = segments[-1].started_at + segments[-1].duration_s
        basename = "_".join(
            [
                push.stream_name,
                time.strftime("%Y-%m-%d-%H-%M-%S", time.gmtime(content_start)),
                time.strftime("%Y-%m-%d-%H-%M-%S", time.gmtime(content_end)),
            ]
        )
        work = self.config.data_dir / "work" / secrets.token_hex(8)
        events: list[dict[str, Any]] = []
        publishers: list[Callable[[], None]] = []
        try:
            cover = self._cover(recording, work)
            for output in template_outputs(self.state, recording.template_id):
                fmt = output.fmt
                paths, info = assemble_recording(
                    segments=segments, out_dir=work / fmt, basename=basename, fmt=fmt
                )
                if output.storage == "cos":
                    key = cos_key(
                        output,
                        basename=basename,
                        extension=paths[0].suffix.lstrip("."),
                        stream_name=push.stream_name,
                        domain_name=push.domain_name,
                        app_name=push.app_name,
                        task_id=recording.task_id,
                        at=content_start,
                    )
                    self.cos.stage(key=key, path=paths[0])
                    publishers.append(functools.partial(self.cos.publish, key))
                    file_id, video_url = "", self.cos.object_url(key)
                else:
                    media = self.vod.register(
                        paths=paths,
                        info=info,
                        fmt=fmt,
                        push=push,
                        record_start=content_start,
                        record_end=content_end,
                        task_id=recording.task_id,
                        cover=cover,
                    )
                    publishers.append(functools.partial(self.vod.publish, media.file_id))
                    file_id, video_url = media.file_id, media.media_url
                events.append(
                    {
                        **stream_fields(self.config.appid, push),
                        "event_type": 100,
                        "file_id": file_id,
                        "record_file_id": file_id or str(self.state.next_number()),
                        "file_format": fmt,
                        "task_id": recording.task_id,
                        "start_time": int(recording.started_at),
                        "start_time_usec": int(recording.started_at % 1 * 1_000_000),
                        "end_time": int(content_end),
                        "end_time_usec": int(content_end % 1 * 1_000_000),
                        "duration": round(info.duration_s),
                        "file_size": info.size_bytes,
                        "video_url": video_url,
                        "media_start_time": int((content_start - push.started_at) * 1000),
                        "record_bps": 0,
                        "callback_ext": json.dumps(
                            {"video_codec": info.video_codec, "resolution": f"{info.width}x{info.height}"}
                        ),
                        "stream_param": push.stream_param,
                    }
                )
        finally:
            shutil.rmtree(work, ignore_errors=True)
        self._deliver_later(publishers, [*events, self._record_status(recording, "record_ended")])

    def _wait_for_segments(self, recording: _Recording) -> list[Segment]:
        """The finished segments covering the recording, waiting (briefly) for the one in progress at its end."""
        assert recording.ended_at is not None
        deadline = time.time() + self.config.segment_seconds * 2 + 2
        while True:
            segments = recording.live.segments_between(recording.started_at, recording.ended_at)
            covered = (
                bool(segments)
                and segments[-1].started_at + segments[-1].duration_s >= recording.ended_at - 0.2
            )
            if covered or not recording.live.is_alive() or time.time() >= deadline:
                return segments
            time.sleep(0.2)

    def _cover(self, recording: _Recording, work: Path) -> Path | None:
        try:
            return recording.live.snapshot_jpeg(work / "cover.jpg")
        except Exception:
            logger.warning("no cover image for task %s", recording.task_id)
            return None

    def _deliver_later(self, publishers: list[Callable[[], None]], events: list[dict[str, Any]]) -> None:
        """Files become visible (VOD/COS) and are announced only after the configured delay, like Tencent."""

        def deliver() -> None:
            with self.state.lock:
                if timer not in self._timers:
                    return  # cancelled by stop_all, which already settled the pending count
                self._timers.discard(timer)
            try:
                for publish in publishers:
                    publish()
                for event in events:
                    self.send(event)
            finally:
                self._end_work()

        self._begin_work()
        timer = threading.Timer(self.config.file_delay_seconds, deliver)
        timer.daemon = True
        with self.state.lock:
            self._timers.add(timer)
        timer.start()

    def wait_idle(self, timeout_s: float = 30.0) -> bool:
        """Wait until no recording is being assembled or waiting for its delayed callback (tests)."""
        deadline = time.time() + timeout_s
        with self._pending.condition:
            while self._pending.count:
                remaining = deadline - time.time()
                if remaining <= 0:
                    return False
                self._pending.condition.wait(remaining)
        return True

    def _begin_work(self) -> None:
        with self._pending.condition:
            self._pending.count += 1

    def _end_work(self) -> None:
        with self._pending.condition:
            self._pending.count -= 1
            self._pending.condition.notify_all()

    def _record_status(self, recording: _Recording, record_event: str) -> dict[str, Any]:
        formats = template_outputs(self.state, recording.template_id)
        return {
            **stream_fields(self.config.appid, recording.push),
            "event_type": 332,
            "event_time": int(time.time()),
            "task_id": recording.task_id,
            "record_event": record_event,
            "record_detail": {"file_format": FORMAT_CODES[formats[0].fmt]},
        }
