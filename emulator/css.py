"""CSS (Cloud Streaming Services, `live` 2018-08-01): pushes, record tasks, recordings, callbacks and play
(the usage APIs are in `usage.py`).

A push is a real `LiveStream` (ffmpeg writing live HLS). While a record task is active and its stream is live the
emulator records; when the task stops, reaches EndTime or the push ends, the covered segments are assembled into
one file per format of the task's template, stored in VOD or COS, and announced by callback event 100 after
`EMULATOR_FILE_DELAY_SECONDS` (Tencent: about 5 minutes).
"""

from __future__ import annotations

import base64
import functools
import json
import logging
import math
import secrets
import shutil
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

from emulator import clock
from emulator.callbacks import CallbackSender
from emulator.config import EmulatorConfig
from emulator.cos import CosService
from emulator.envelope import ApiError
from emulator.faults import Faults
from emulator.hotlink import check_tx_secret
from emulator.media import LiveStream, Segment, assemble_recording
from emulator.params import INT, STR, Action, RequestContext
from emulator.replies import CORS, Reply, file_reply, text
from emulator.state import EmulatorState, Push, PushSample, RecordTask
from emulator.usage import MEGA
from emulator.vod import VodService

logger = logging.getLogger("emulator")

MAX_TASK_SPAN_S = 24 * 3600
MAX_TASK_AHEAD_S = 7 * 24 * 3600
MAX_OVERLAPPING_TASKS = 3
DESCRIBE_TASK_SPAN_S = 7 * 24 * 3600
TASK_PAGE_SIZE = 100
# Template id → [(format, storage)]. Unknown ids behave like "no template" (documented for CreateRecordTask).
TEMPLATES: dict[int, list[tuple[str, str]]] = {1: [("mp4", "vod"), ("hls", "vod")], 2: [("mp4", "cos")]}
DEFAULT_TEMPLATE = [("hls", "vod")]
FORMAT_CODES = {"flv": 1, "hls": 2, "mp4": 3, "aac": 4, "mp3": 5}


@dataclass
class _Live:
    stream: LiveStream
    push: Push
    width: int
    height: int
    last_sample_at: float = 0.0
    last_screenshot_at: float = 0.0
    sampling: bool = False


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


class CssService:
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
        self.vod = vod
        self.cos = cos
        self.push_ended_listeners: list[Callable[..., None]] = []
        self._lives: dict[tuple[str, str, str], _Live] = {}
        self._recordings: dict[tuple[str, str], _Recording] = {}  # (task id, push sequence)
        self._starting: set[tuple[str, str, str]] = set()
        self._executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="emulator-record")
        self._timers: set[threading.Timer] = set()
        self._pending = _Pending()
        self._closed = False

    def actions(self) -> dict[str, Action]:
        return {
            "CreateRecordTask": Action(
                {
                    "StreamName": (STR, True),
                    "DomainName": (STR, True),
                    "AppName": (STR, True),
                    "EndTime": (INT, True),
                    "StartTime": (INT, False),
                    "StreamType": (INT, False),
                    "TemplateId": (INT, False),
                    "Extension": (STR, False),
                },
                self.create_record_task,
                region_required=True,
            ),
            "StopRecordTask": Action({"TaskId": (STR, True)}, self.stop_record_task),
            "DeleteRecordTask": Action({"TaskId": (STR, True)}, self.delete_record_task),
            "DescribeRecordTask": Action(
                {
                    "StartTime": (INT, True),
                    "EndTime": (INT, True),
                    "StreamName": (STR, False),
                    "DomainName": (STR, False),
                    "AppName": (STR, False),
                    "ScrollToken": (STR, False),
                },
                self.describe_record_task,
            ),
            "DescribeLiveStreamOnlineList": Action(
                {
                    "DomainName": (STR, False),
                    "AppName": (STR, False),
                    "PageNum": (INT, False),
                    "PageSize": (INT, False),
                    "StreamName": (STR, False),
                },
                self.describe_live_stream_online_list,
            ),
            "DescribeLiveStreamState": Action(
                {"AppName": (STR, True), "DomainName": (STR, True), "StreamName": (STR, True)},
                self.describe_live_stream_state,
            ),
            "DescribeStreamPushInfoList": Action(
                {
                    "StreamName": (STR, True),
                    "StartTime": (STR, True),
                    "EndTime": (STR, True),
                    "PushDomain": (STR, False),
                    "AppName": (STR, False),
                },
                self.describe_stream_push_info_list,
            ),
            "DescribeLiveStreamPushInfoList": Action(
                {
                    "PushDomain": (STR, False),
                    "AppName": (STR, False),
                    "PageNum": (INT, False),
                    "PageSize": (INT, False),
                },
                self.describe_live_stream_push_info_list,
            ),
            "DropLiveStream": Action(
                {"StreamName": (STR, True), "DomainName": (STR, True), "AppName": (STR, True)},
                self.drop_live_stream,
            ),
        }

    # --- record tasks ----------------------------------------------------------------------------------------

    def create_record_task(self, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        self._check_push_domain(params["DomainName"])
        now = int(time.time())
        start = params.get("StartTime") or now
        end = params["EndTime"]
        if end <= now or end <= start:
            raise ApiError(
                "InvalidParameter.InvalidTaskTime", "EndTime must be later than StartTime and now."
            )
        if end >= now + MAX_TASK_AHEAD_S:
            raise ApiError("InvalidParameter.InvalidTaskTime", "EndTime must be less than now + 7 days.")
        if end - start > MAX_TASK_SPAN_S:
            raise ApiError(
                "InvalidParameter.InvalidTaskTime", "EndTime - StartTime must not exceed 24 hours."
            )
        if params.get("StreamType", 0) not in (0, 1):
            raise ApiError("InvalidParameter", "StreamType must be 0 (push) or 1 (mixed stream).")
        stream_key = (params["DomainName"], params["AppName"], params["StreamName"])
        with self.state.mutate():
            overlapping = [
                task
                for task in self.state.record_tasks.values()
                if (task.domain_name, task.app_name, task.stream_name) == stream_key
                and not task.stopped
                and task.start_time < end
                and start < task.end_time
            ]
            if len(overlapping) >= MAX_OVERLAPPING_TASKS:
                raise ApiError(
                    "LimitExceeded.MaximumRunningTask",
                    f"At most {MAX_OVERLAPPING_TASKS} record tasks may overlap on one stream.",
                )
            task_id = base64.urlsafe_b64encode(secrets.token_bytes(40)).decode().rstrip("=")
            self.state.record_tasks[task_id] = RecordTask(
                task_id=task_id,
                domain_name=params["DomainName"],
                app_name=params["AppName"],
                stream_name=params["StreamName"],
                start_time=start,
                end_time=end,
                template_id=params.get("TemplateId") or 0,
                extension=params.get("Extension") or "",
                created_at=time.time(),
            )
        self._start_due_recordings(time.time())  # a stream already live is recorded from now on
        return {"TaskId": task_id}

    def stop_record_task(self, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        with self.state.mutate():
            task = self._task(params["TaskId"])
            if not task.stopped:
                task.stopped = True
                task.stopped_at = time.time()
        self._finish_recordings(lambda recording: recording.task_id == task.task_id, time.time())
        return {}

    def delete_record_task(self, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        # Documented: deleting a task does not affect a recording already running; it only stops new ones.
        with self.state.mutate():
            self._task(params["TaskId"])
            del self.state.record_tasks[params["TaskId"]]
        return {}

    def describe_record_task(self, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        start, end = params["StartTime"], params["EndTime"]
        if end <= start or end - start > DESCRIBE_TASK_SPAN_S:
            raise ApiError(
                "InvalidParameter.InvalidTaskTime", "EndTime must be after StartTime, within a week."
            )
        offset = 0
        if params.get("ScrollToken"):
            try:
                offset = int(base64.urlsafe_b64decode(params["ScrollToken"].encode()).decode())
            except ValueError as exc:
                raise ApiError("InvalidParameter", "ScrollToken is not valid.") from exc
        with self.state.lock:
            tasks = [
                task
                for task in sorted(
                    self.state.record_tasks.values(), key=lambda task: (task.created_at, task.task_id)
                )
                if start <= task.start_time
                and task.end_time <= end
                and all(
                    params.get(name) in (None, "", getattr(task, attribute))
                    for name, attribute in (
                        ("StreamName", "stream_name"),
                        ("DomainName", "domain_name"),
                        ("AppName", "app_name"),
                    )
                )
            ]
        page = tasks[offset : offset + TASK_PAGE_SIZE]
        more = offset + TASK_PAGE_SIZE < len(tasks)
        return {
            "TaskList": [
                {
                    "TaskId": task.task_id,
                    "DomainName": task.domain_name,
                    "AppName": task.app_name,
                    "StreamName": task.stream_name,
                    "StartTime": task.start_time,
                    "EndTime": task.end_time,
                    "TemplateId": task.template_id,
                    "Stopped": 1 if task.stopped else 0,
                }
                for task in page
            ],
            "ScrollToken": base64.urlsafe_b64encode(str(offset + TASK_PAGE_SIZE).encode()).decode()
            if more
            else "",
        }

    # --- stream state and health -----------------------------------------------------------------------------

    def describe_live_stream_online_list(self, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        page_num, page_size = self._paging(params, default_size=10, max_size=100)
        pushes = [
            push
            for push in self.state.online_pushes()
            if params.get("DomainName") in (None, "", push.domain_name)
            and params.get("AppName") in (None, "", push.app_name)
            and params.get("StreamName") in (None, "", push.stream_name)
        ]
        page = pushes[(page_num - 1) * page_size : page_num * page_size]
        return {
            "TotalNum": len(pushes),
            "TotalPage": math.ceil(len(pushes) / page_size),
            "PageNum": page_num,
            "PageSize": page_size,
            "OnlineInfo": [
                {
                    "StreamName": push.stream_name,
                    "AppName": push.app_name,
                    "DomainName": push.domain_name,
                    "PublishTimeList": [{"PublishTime": clock.iso_utc(push.started_at)}],
                    "PushToDelay": 0,
                }
                for push in page
            ],
        }

    def describe_live_stream_state(self, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        self._check_push_domain(params["DomainName"])
        push = self.state.online_push(params["DomainName"], params["AppName"], params["StreamName"])
        return {"StreamState": "active" if push is not None else "inactive"}

    def describe_stream_push_info_list(self, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        start, _ = clock.parse(params["StartTime"], "StartTime")
        end, _ = clock.parse(params["EndTime"], "EndTime")
        if end < start:
            raise ApiError("InvalidParameter", "EndTime must not be before StartTime.")
        with self.state.lock:
            samples = [
                sample
                for sample in self.state.push_samples
                if sample.stream_name == params["StreamName"]
                and start <= sample.at <= end
                and params.get("PushDomain") in (None, "", sample.domain_name)
                and params.get("AppName") in (None, "", sample.app_name)
            ]
        return {
            "DataInfoList": [
                {
                    "Time": clock.iso_utc(sample.at),
                    "PushDomain": sample.domain_name,
                    "AppName": sample.app_name,
                    "ClientIp": "127.0.0.1",
                    "BeginPushTime": _millis(sample.begin_push_time),
                    "Resolution": f"{sample.width}*{sample.height}",
                    "VCodec": sample.video_codec,
                    "ACodec": sample.audio_codec,
                    "Sequence": sample.sequence,
                    "VideoFps": round(sample.fps),
                    "VideoRate": sample.video_bps,
                    "AudioFps": 43 if sample.audio_bps else 0,
                    "AudioRate": sample.audio_bps,
                    "LocalTs": int((sample.at - sample.begin_push_time) * 1000),
                    "VideoTs": int((sample.at - sample.begin_push_time) * 1000),
                    "AudioTs": int((sample.at - sample.begin_push_time) * 1000),
                    "MetaVideoRate": sample.video_bps // 1000,
                    "MetaAudioRate": sample.audio_bps // 1000,
                    "MateFps": round(sample.fps),
                    "StreamParam": "",
                    "Bandwidth": round((sample.video_bps + sample.audio_bps) / MEGA, 4),
                    "Flux": round(sample.flux_bytes / MEGA, 4),
                    "ServerIp": "127.0.0.1",
                    "GopSize": 2000,
                }
                for sample in samples
            ]
        }

    def describe_live_stream_push_info_list(
        self, params: dict[str, Any], ctx: RequestContext
    ) -> dict[str, Any]:
        page_num, page_size = self._paging(params, default_size=200, max_size=1000)
        rows = []
        for push in self.state.online_pushes():
            if params.get("PushDomain") not in (None, "", push.domain_name):
                continue
            if params.get("AppName") not in (None, "", push.app_name):
                continue
            sample = self._latest_sample(push)
            rows.append(
                {
                    "StreamName": push.stream_name,
                    "AppName": push.app_name,
                    "ClientIp": push.user_ip,
                    "ServerIp": "127.0.0.1",
                    "VideoFps": round(sample.fps) if sample else 0,
                    "VideoSpeed": sample.video_bps if sample else 0,
                    "AudioFps": 43 if sample and sample.audio_bps else 0,
                    "AudioSpeed": sample.audio_bps if sample else 0,
                    "PushDomain": push.domain_name,
                    "BeginPushTime": clock.beijing(push.started_at),
                    "Acodec": sample.audio_codec if sample else "",
                    "Vcodec": sample.video_codec if sample else "",
                    "Resolution": f"{sample.width}*{sample.height}" if sample else "",
                    "AsampleRate": 44100 if sample and sample.audio_bps else 0,
                    "MetaAudioSpeed": sample.audio_bps // 1000 if sample else 0,
                    "MetaVideoSpeed": sample.video_bps // 1000 if sample else 0,
                    "MetaFps": round(sample.fps) if sample else 0,
                }
            )
        page = rows[(page_num - 1) * page_size : page_num * page_size]
        return {
            "DataInfoList": page,
            "TotalNum": len(rows),
            "TotalPage": math.ceil(len(rows) / page_size),
            "PageNum": page_num,
            "PageSize": page_size,
        }

    def drop_live_stream(self, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        self._check_push_domain(params["DomainName"])
        key = (params["DomainName"], params["AppName"], params["StreamName"])
        if self.state.online_push(*key) is None:
            raise ApiError("FailedOperation.StreamNotExist", "The stream is not being pushed.")
        self._end_push(key, errcode=4, errmsg="stream is dropped by api")
        return {}

    # --- pushes (called by CAR) ------------------------------------------------------------------------------

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

    def start_push(
        self, *, domain_name: str, app_name: str, stream_name: str, user_ip: str, stream_param: str
    ) -> None:
        key = (domain_name, app_name, stream_name)
        with self.state.lock:
            if key in self._lives or key in self._starting:
                return
            self._starting.add(key)
        sequence = str(secrets.randbelow(9 * 10**18) + 10**18)
        try:
            stream = LiveStream(
                root=self._push_root(sequence),
                app=app_name,
                stream=stream_name,
                title_lines=[f"{domain_name}/{app_name}/{stream_name}", f"push {sequence}"],
                width=self.config.video_width,
                height=self.config.video_height,
                segment_seconds=self.config.segment_seconds,
                die_after_s=self.faults.push_die_after_s,
            )
            try:
                stream.start()
            except Exception:
                stream.stop()  # never leave an ffmpeg behind when the push could not start
                raise
            push = Push(
                domain_name=domain_name,
                app_name=app_name,
                stream_name=stream_name,
                sequence=sequence,
                started_at=stream.started_at,
                user_ip=user_ip,
                stream_param=stream_param,
            )
            with self.state.mutate():
                self._lives[key] = _Live(
                    stream=stream,
                    push=push,
                    width=self.config.video_width,
                    height=self.config.video_height,
                    last_sample_at=time.time(),
                    last_screenshot_at=0.0,
                )
                self.state.add_push(push)
        finally:
            with self.state.lock:
                self._starting.discard(key)
        self._send(self._push_event(push, event_type=1, errcode=0, errmsg="ok"))
        self._start_due_recordings(time.time())

    def stop_push(self, *, domain_name: str, app_name: str, stream_name: str) -> None:
        self._end_push((domain_name, app_name, stream_name), errcode=1, errmsg="recv rtmp deleteStream")

    def stop_all(self) -> None:
        """Stop every push without producing files (shutdown and reset)."""
        with self.state.lock:
            lives = list(self._lives.values())
            self._lives.clear()
            self._recordings.clear()
            timers = list(self._timers)
            self._timers.clear()
        for timer in timers:
            timer.cancel()
            self._end_work()
        for live in lives:
            live.stream.stop()
            live.push.ended_at = time.time()

    def close(self) -> None:
        self._closed = True
        self.stop_all()
        self._executor.shutdown(wait=False, cancel_futures=True)

    def _end_push(self, key: tuple[str, str, str], *, errcode: int, errmsg: str) -> None:
        with self.state.lock:
            live = self._lives.pop(key, None)
        if live is None:
            return
        live.stream.stop()
        now = time.time()
        with self.state.mutate():
            live.push.ended_at = now
        self._finish_recordings(lambda recording: recording.push is live.push, now)
        self._remove_segments_when_done(live.push)
        event = self._push_event(live.push, event_type=0, errcode=errcode, errmsg=errmsg)
        event["push_duration"] = str(int((now - live.push.started_at) * 1000))
        self._send(event)
        for listener in self.push_ended_listeners:
            listener(domain_name=key[0], app_name=key[1], stream_name=key[2])

    # --- housekeeping ----------------------------------------------------------------------------------------

    def tick(self, now: float) -> None:
        with self.state.lock:
            lives = list(self._lives.items())
        for key, live in lives:
            if not live.stream.is_alive():
                self._end_push(key, errcode=3, errmsg="push interrupted")
                continue
            if now - live.last_sample_at >= self.config.sample_seconds and not live.sampling:
                live.sampling = True
                self._executor.submit(self._take_sample, live)
            if now - live.last_screenshot_at >= self.config.screenshot_seconds:
                live.last_screenshot_at = now
                self._executor.submit(self._screenshot, live)
        self._start_due_recordings(now)
        with self.state.lock:
            running = [recording for recording in self._recordings.values() if recording.ended_at is None]
            due = [recording for recording in running if recording.until <= now]
            active = {(r.push.domain_name, r.push.app_name, r.push.stream_name) for r in running}
            self.state.usage.note_recordings(now, len(active))
        if due:
            ids = {id(recording) for recording in due}
            self._finish_recordings(lambda recording: id(recording) in ids, now)

    def _take_sample(self, live: _Live) -> None:
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

    def _screenshot(self, live: _Live) -> None:
        push = live.push
        now = time.time()
        relative = Path(push.app_name) / push.stream_name / f"{push.stream_name}-screenshot-{int(now)}.jpg"
        try:
            path = live.stream.snapshot_jpeg(self.config.data_dir / "snapshots" / relative)
        except Exception:
            logger.exception("could not take a screenshot of %s", push.stream_name)
            return
        pic_url = f"/snapshots/{relative.as_posix()}"
        self._send(
            {
                **self._stream_fields(push),
                "event_type": 200,
                "create_time": int(now),
                "file_size": path.stat().st_size,
                "width": live.width,
                "height": live.height,
                "pic_url": pic_url,
                "pic_full_url": f"{self.config.base_url}{pic_url}",
            }
        )

    # --- recordings ------------------------------------------------------------------------------------------

    def _start_due_recordings(self, now: float) -> None:
        started: list[_Recording] = []
        with self.state.lock:
            for task in self.state.record_tasks.values():
                if task.stopped or not task.start_time <= now < task.end_time:
                    continue
                live = self._lives.get((task.domain_name, task.app_name, task.stream_name))
                if live is None or (task.task_id, live.push.sequence) in self._recordings:
                    continue
                recording = _Recording(
                    task_id=task.task_id,
                    push=live.push,
                    live=live.stream,
                    started_at=max(now, live.push.started_at),
                    until=task.end_time,
                    template_id=task.template_id,
                    extension=task.extension,
                )
                self._recordings[(task.task_id, live.push.sequence)] = recording
                started.append(recording)
        for recording in started:
            self._send(self._record_status(recording, "record_start_succeeded"))

    def _finish_recordings(self, which: Callable[[_Recording], bool], now: float) -> None:
        with self.state.lock:
            finished = [r for r in self._recordings.values() if r.ended_at is None and which(r)]
            for recording in finished:
                recording.ended_at = now
        for recording in finished:
            self._begin_work()
            self._executor.submit(self._assemble, recording)

    def _assemble(self, recording: _Recording) -> None:
        try:
            self._assemble_files(recording)
        except Exception:
            logger.exception("recording of task %s failed", recording.task_id)
            self._send(self._record_status(recording, "record_error"))
        finally:
            with self.state.lock:
                self._recordings.pop((recording.task_id, recording.push.sequence), None)
            self._remove_segments_when_done(recording.push)
            self._end_work()

    def _assemble_files(self, recording: _Recording) -> None:
        assert recording.ended_at is not None
        segments = self._wait_for_segments(recording)
        if not segments:
            self._send(self._record_status(recording, "record_ended"))
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
            for fmt, storage in TEMPLATES.get(recording.template_id, DEFAULT_TEMPLATE):
                paths, info = assemble_recording(
                    segments=segments, out_dir=work / fmt, basename=basename, fmt=fmt
                )
                if storage == "cos":
                    key = f"record/{push.stream_name}/{paths[0].name}"
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
                        **self._stream_fields(push),
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

    def _remove_segments_when_done(self, push: Push) -> None:
        """A push's segments are deleted once it ended and no recording still needs them."""
        with self.state.lock:
            needed = push.ended_at is None or any(r.push is push for r in self._recordings.values())
        if not needed:
            shutil.rmtree(self._push_root(push.sequence), ignore_errors=True)

    def _push_root(self, sequence: str) -> Path:
        return self.config.data_dir / "live" / sequence

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
                    self._send(event)
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

    # --- play ------------------------------------------------------------------------------------------------

    def serve_live(self, *, path: str, query: dict[str, list[str]]) -> Reply | None:
        """`/<app>/<stream>.m3u8` (playlist, segment URIs carry the same query) and `/<app>/<stream>/<segment>`."""
        parts = [part for part in path.split("/") if part]
        if len(parts) == 2 and parts[1].endswith(".m3u8"):
            app_name, stream_name, segment = parts[0], parts[1][: -len(".m3u8")], None
        elif len(parts) == 3 and parts[2].endswith(".ts"):
            app_name, stream_name, segment = parts[0], parts[1], parts[2]
        else:
            return None
        reason = check_tx_secret(
            key=self.config.css_play_key,
            stream_name=stream_name,
            tx_secret_value=query.get("txSecret", [""])[0],
            tx_time=query.get("txTime", [""])[0],
            now=time.time(),
        )
        if reason is not None:
            return text(403, f"Forbidden: {reason}.")
        live = self._live_by_name(app_name, stream_name)
        if live is None:
            return text(404, "The stream is not live.")
        directory = live.stream.playlist_path.parent
        if segment is None:
            reply = self._playlist(live, stream_name, query)
        else:
            file = directory / segment
            if file.parent != directory or not file.is_file():
                return text(404, "No such segment.")
            reply = file_reply(file, None, extra={"Cache-Control": "no-cache"})
        with self.state.lock:
            self.state.usage.add(
                self.state.usage.downstream_bytes,
                self.config.css_play_domain,
                time.time(),
                reply.length or len(reply.body),
            )
        return reply

    def _playlist(self, live: _Live, stream_name: str, query: dict[str, list[str]]) -> Reply:
        suffix = urlencode({key: values[0] for key, values in query.items()})
        lines = []
        for line in live.stream.playlist_path.read_text().splitlines():
            if line and not line.startswith("#"):
                line = f"{stream_name}/{line.split('/')[-1]}" + (f"?{suffix}" if suffix else "")
            lines.append(line)
        body = ("\n".join(lines) + "\n").encode()
        return Reply(
            200, {"Content-Type": "application/vnd.apple.mpegurl", "Cache-Control": "no-cache", **CORS}, body
        )

    def serve_snapshot(self, *, path: str, range_header: str | None) -> Reply:
        root = (self.config.data_dir / "snapshots").resolve()
        file = (root / path[len("/snapshots/") :]).resolve()
        if not file.is_relative_to(root) or not file.is_file():
            return text(404, "No such snapshot.")
        return file_reply(file, range_header)

    # --- helpers ---------------------------------------------------------------------------------------------

    def _live_by_name(self, app_name: str, stream_name: str) -> _Live | None:
        with self.state.lock:
            for (_, app, stream), live in self._lives.items():
                if (app, stream) == (app_name, stream_name):
                    return live
        return None

    def _latest_sample(self, push: Push) -> PushSample | None:
        with self.state.lock:
            for sample in reversed(self.state.push_samples):
                if sample.sequence == push.sequence:
                    return sample
        return None

    def _check_push_domain(self, domain_name: str) -> None:
        if domain_name != self.config.css_push_domain:
            raise ApiError("ResourceNotFound.DomainNotExist", f"The domain {domain_name!r} does not exist.")

    def _task(self, task_id: str) -> RecordTask:
        task = self.state.record_tasks.get(task_id)
        if task is None:
            raise ApiError("ResourceNotFound.TaskId", "The TaskId does not exist.")
        return task

    @staticmethod
    def _paging(params: dict[str, Any], *, default_size: int, max_size: int) -> tuple[int, int]:
        page_num = 1 if params.get("PageNum") is None else params["PageNum"]
        page_size = default_size if params.get("PageSize") is None else params["PageSize"]
        if page_num < 1 or not 1 <= page_size <= max_size:
            raise ApiError("InvalidParameter", f"PageNum must be ≥ 1 and PageSize between 1 and {max_size}.")
        return page_num, page_size

    def _stream_fields(self, push: Push) -> dict[str, Any]:
        return {
            "appid": int(self.config.appid),
            "app": push.domain_name,
            "appname": push.app_name,
            "stream_id": push.stream_name,
            "channel_id": push.stream_name,
        }

    def _push_event(self, push: Push, *, event_type: int, errcode: int, errmsg: str) -> dict[str, Any]:
        return {
            **self._stream_fields(push),
            "event_type": event_type,
            "event_time": int(time.time()),
            "sequence": push.sequence,
            "node": "127.0.0.1",
            "user_ip": push.user_ip,
            "stream_param": push.stream_param,
            "errcode": errcode,
            "errmsg": errmsg,
            "set_id": 2,
            "width": self.config.video_width,
            "height": self.config.video_height,
        }

    def _record_status(self, recording: _Recording, record_event: str) -> dict[str, Any]:
        formats = TEMPLATES.get(recording.template_id, DEFAULT_TEMPLATE)
        return {
            **self._stream_fields(recording.push),
            "event_type": 332,
            "event_time": int(time.time()),
            "task_id": recording.task_id,
            "record_event": record_event,
            "record_detail": {"file_format": FORMAT_CODES[formats[0][0]]},
        }

    def _send(self, event: dict[str, Any]) -> None:
        if not self._closed:
            self.callbacks.send(event)


def _millis(ts: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ts + 8 * 3600)) + f".{int(ts % 1 * 1000):03d}"
