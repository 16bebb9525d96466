"""Stream queries: which streams are online, their state, their push quality samples, and dropping a push.

Everything here reads what the push lifecycle left in `EmulatorState` (pushes and samples); only DropLiveStream
acts, by ending the push through the lifecycle so its callbacks and recordings follow as for any other end.
"""

from __future__ import annotations

import math
import time
from typing import Any, Protocol

from emulator import clock
from emulator.config import EmulatorConfig
from emulator.envelope import ApiError
from emulator.params import INT, STR, Action, RequestContext
from emulator.state import EmulatorState, Push, PushSample
from emulator.usage import MEGA

DROPPED = 4  # errcode of event 0 when DropLiveStream ended the push


class EndPush(Protocol):
    def __call__(self, key: tuple[str, str, str], *, errcode: int, errmsg: str) -> None: ...


def check_push_domain(config: EmulatorConfig, domain_name: str) -> None:
    if domain_name != config.css_push_domain:
        raise ApiError("ResourceNotFound.DomainNotExist", f"The domain {domain_name!r} does not exist.")


class StreamQueries:
    def __init__(
        self,
        *,
        config: EmulatorConfig,
        state: EmulatorState,
        end_push: EndPush,
    ) -> None:
        self.config = config
        self.state = state
        self.end_push = end_push

    def actions(self) -> dict[str, Action]:
        return {
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

    def describe_live_stream_online_list(self, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        page_num, page_size = _paging(params, default_size=10, max_size=100)
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
        check_push_domain(self.config, params["DomainName"])
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
        page_num, page_size = _paging(params, default_size=200, max_size=1000)
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
        check_push_domain(self.config, params["DomainName"])
        key = (params["DomainName"], params["AppName"], params["StreamName"])
        if self.state.online_push(*key) is None:
            raise ApiError("FailedOperation.StreamNotExist", "The stream is not being pushed.")
        self.end_push(key, errcode=DROPPED, errmsg="stream is dropped by api")
        return {}

    def _latest_sample(self, push: Push) -> PushSample | None:
        with self.state.lock:
            for sample in reversed(self.state.push_samples):
                if sample.sequence == push.sequence:
                    return sample
        return None


def _paging(params: dict[str, Any], *, default_size: int, max_size: int) -> tuple[int, int]:
    page_num = 1 if params.get("PageNum") is None else params["PageNum"]
    page_size = default_size if params.get("PageSize") is None else params["PageSize"]
    if page_num < 1 or not 1 <= page_size <= max_size:
        raise ApiError("InvalidParameter", f"PageNum must be ≥ 1 and PageSize between 1 and {max_size}.")
    return page_num, page_size


def _millis(ts: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ts + 8 * 3600)) + f".{int(ts % 1 * 1000):03d}"
