"""CSS (Cloud Streaming Services, `live` 2018-08-01): record tasks, pushes, stream state and health, play.

A push is a real `LiveStream` (ffmpeg writing live HLS) with push callbacks (events 1/0), quality samples and
screenshots (event 200). Record tasks are kept here; `recorder.py` turns active tasks on live pushes into files
in VOD/COS, and `usage.py` answers the usage APIs.
"""

from __future__ import annotations

import base64
import logging
import math
import secrets
import shutil
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

from emulator import clock
from emulator.callbacks import CallbackSender
from emulator.config import EmulatorConfig
from emulator.cos import CosService
from emulator.envelope import ApiError
from emulator.faults import Faults
from emulator.flv import live_flv
from emulator.hotlink import check_tx_secret
from emulator.media import LiveStream
from emulator.params import INT, STR, Action, RequestContext
from emulator.recorder import Recorder, stream_fields
from emulator.replies import CORS, Reply, file_reply, text
from emulator.state import EmulatorState, Push, PushSample, RecordTask
from emulator.usage import MEGA
from emulator.vod import VodService

logger = logging.getLogger("emulator")

MAX_TASK_SPAN_S = 24 * 3600
MAX_TASK_AHEAD_S = 7 * 24 * 3600
MAX_OVERLAPPING_TASKS = 3
DESCRIBE_TASK_SPAN_S = 7 * 24 * 3600
PUSH_INTERRUPTED = 3  # errcode of event 0 when a push broke off (e.g. the die-after fault)
TASK_PAGE_SIZE = 100


@dataclass
class _Live:
    stream: LiveStream
    push: Push
    width: int
    height: int
    last_sample_at: float = 0.0
    last_screenshot_at: float = 0.0
    sampling: bool = False


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
        self._starting: set[tuple[str, str, str]] = set()
        self._executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="emulator-probe")
        self._closed = False
        self.recorder = Recorder(
            config=config,
            state=state,
            vod=vod,
            cos=cos,
            send=self._send,
            released=self._remove_segments_when_done,
        )

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
        self._start_due_recordings()  # a stream already live is recorded from now on
        return {"TaskId": task_id}

    def stop_record_task(self, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        with self.state.mutate():
            task = self._task(params["TaskId"])
            if not task.stopped:
                task.stopped = True
                task.stopped_at = time.time()
        self.recorder.finish(lambda recording: recording.task_id == task.task_id, time.time())
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

    def is_pushing(self, *, domain_name: str, app_name: str, stream_name: str) -> bool:
        key = (domain_name, app_name, stream_name)
        with self.state.lock:
            return key in self._lives or key in self._starting

    def start_push(
        self,
        *,
        domain_name: str,
        app_name: str,
        stream_name: str,
        user_ip: str,
        stream_param: str,
        caption: str = "",
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
                title_lines=[
                    *([caption] if caption else []),
                    f"UserId {stream_name}",
                    f"{domain_name}/{app_name} push {sequence}",
                ],
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
        self._start_due_recordings()

    def stop_push(self, *, domain_name: str, app_name: str, stream_name: str) -> None:
        self._end_push((domain_name, app_name, stream_name), errcode=1, errmsg="recv rtmp deleteStream")

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
        self.recorder.finish(lambda recording: recording.push is live.push, now)
        self._remove_segments_when_done(live.push)
        # CAR learns first, so whoever reacts to the callbacks below finds the session no longer publishing.
        for listener in self.push_ended_listeners:
            listener(domain_name=key[0], app_name=key[1], stream_name=key[2])
        if errcode == PUSH_INTERRUPTED:
            self._send(self._exception_event(live.push, now))
        event = self._push_event(live.push, event_type=0, errcode=errcode, errmsg=errmsg)
        event["push_duration"] = str(int((now - live.push.started_at) * 1000))
        self._send(event)

    # --- housekeeping ----------------------------------------------------------------------------------------

    def tick(self, now: float) -> None:
        with self.state.lock:
            lives = list(self._lives.items())
        for key, live in lives:
            if not live.stream.is_alive():
                self._end_push(key, errcode=PUSH_INTERRUPTED, errmsg="push interrupted")
                continue
            if now - live.last_sample_at >= self.config.sample_seconds and not live.sampling:
                live.sampling = True
                self._executor.submit(self._take_sample, live)
            if now - live.last_screenshot_at >= self.config.screenshot_seconds:
                live.last_screenshot_at = now
                self._executor.submit(self._screenshot, live)
        self._start_due_recordings()
        self.recorder.tick(now)

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

    def _start_due_recordings(self) -> None:
        with self.state.lock:
            lives = {key: (live.push, live.stream) for key, live in self._lives.items()}
        self.recorder.start_due(time.time(), lives)

    def wait_idle(self, timeout_s: float = 30.0) -> bool:
        """Wait until no recording is being assembled or waiting for its delayed callback (tests)."""
        return self.recorder.wait_idle(timeout_s)

    def _remove_segments_when_done(self, push: Push) -> None:
        """A push's segments are deleted once it ended and no recording still needs them."""
        if push.ended_at is not None and not self.recorder.uses(push):
            shutil.rmtree(self._push_root(push.sequence), ignore_errors=True)

    def _push_root(self, sequence: str) -> Path:
        return self.config.data_dir / "live" / sequence

    # --- play ------------------------------------------------------------------------------------------------

    def serve_live(self, *, path: str, query: dict[str, list[str]]) -> Reply | None:
        """`/<app>/<stream>.m3u8` (playlist, segment URIs carry the same query), `/<app>/<stream>/<segment>`
        and `/<app>/<stream>.flv` (HTTP-FLV), all behind the play key's txSecret."""
        parts = [part for part in path.split("/") if part]
        if len(parts) == 2 and parts[1].endswith((".m3u8", ".flv")):
            app_name, (stream_name, suffix) = parts[0], parts[1].rsplit(".", 1)
            segment = None
        elif len(parts) == 3 and parts[2].endswith(".ts"):
            app_name, stream_name, segment, suffix = parts[0], parts[1], parts[2], "ts"
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
        if suffix == "flv":
            return self._flv(live)
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

    def _flv(self, live: _Live) -> Reply:
        def sent(size: int) -> None:
            with self.state.lock:
                self.state.usage.add(
                    self.state.usage.downstream_bytes, self.config.css_play_domain, time.time(), size
                )

        body = live_flv(live.stream.playlist_path, is_live=live.stream.is_alive, sent=sent)
        return Reply(200, {"Content-Type": "video/x-flv", "Cache-Control": "no-cache", **CORS}, stream=body)

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

    def _push_event(self, push: Push, *, event_type: int, errcode: int, errmsg: str) -> dict[str, Any]:
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
            "width": self.config.video_width,
            "height": self.config.video_height,
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


def _millis(ts: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ts + 8 * 3600)) + f".{int(ts % 1 * 1000):03d}"
