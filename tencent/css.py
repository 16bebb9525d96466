"""CSS (Cloud Streaming Services, API `live` 2018-08-01): record tasks, stream state and health, usage.

Domain and app name default to settings.CSS_PUSH_DOMAIN / CSS_APP_NAME. List calls follow every page.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings

from tencent import timefmt
from tencent.clients import LIVE
from tencent.gateway import call_api
from tencent.results import (
    BandwidthFlux,
    BandwidthPoint,
    CallResult,
    OnlinePushInfo,
    OnlineStream,
    PushSample,
    RecordStreamNumPoint,
    RecordTask,
    RecordTaskCreated,
)

# Page sizes asked for, well under the documented maxima (DescribeLiveStreamOnlineList: 10 to 300,000, which
# Tencent recommends using to fetch every online stream at once; DescribeLiveStreamPushInfoList: 1 to 100,000).
ONLINE_PAGE_SIZE = 100
PUSH_INFO_PAGE_SIZE = 1000


def _domain(value: str | None) -> str:
    return value or settings.CSS_PUSH_DOMAIN


def _app(value: str | None) -> str:
    return value or settings.CSS_APP_NAME


def _result(response: dict[str, Any]) -> CallResult:
    return CallResult(request_id=str(response.get("RequestId") or ""))


def create_record_task(
    *,
    stream_name: str,
    end_time: datetime,
    start_time: datetime | None = None,
    domain_name: str | None = None,
    app_name: str | None = None,
    template_id: int | None = None,
    extension: str = "",
) -> RecordTaskCreated:
    """A record task for the stream until `end_time` (≤ 24 h after its start, < 7 days ahead). Not retried."""
    params: dict[str, Any] = {
        "StreamName": stream_name,
        "DomainName": _domain(domain_name),
        "AppName": _app(app_name),
        "EndTime": timefmt.to_unix(end_time),
    }
    if start_time is not None:
        params["StartTime"] = timefmt.to_unix(start_time)
    template = settings.CSS_RECORD_TEMPLATE_ID if template_id is None else template_id
    if template:  # 0 = no template: HLS, kept forever in the VOD main application (not VOD_SUBAPP_ID)
        params["TemplateId"] = template
    if extension:
        params["Extension"] = extension
    response = call_api(LIVE, "CreateRecordTask", params)
    return RecordTaskCreated(
        task_id=str(response.get("TaskId") or ""), request_id=str(response.get("RequestId") or "")
    )


def stop_record_task(*, task_id: str) -> CallResult:
    return _result(call_api(LIVE, "StopRecordTask", {"TaskId": task_id}))


def delete_record_task(*, task_id: str) -> CallResult:
    return _result(call_api(LIVE, "DeleteRecordTask", {"TaskId": task_id}))


def describe_record_tasks(
    *,
    start_time: datetime,
    end_time: datetime,
    stream_name: str | None = None,
    domain_name: str | None = None,
    app_name: str | None = None,
) -> list[RecordTask]:
    """Tasks lying wholly inside [start_time, end_time] (a task's start and end must both fall in the range;
    span ≤ 1 week, not earlier than 90 days ago), all ScrollToken pages."""
    params: dict[str, Any] = {"StartTime": timefmt.to_unix(start_time), "EndTime": timefmt.to_unix(end_time)}
    for key, value in (("StreamName", stream_name), ("DomainName", domain_name), ("AppName", app_name)):
        if value:
            params[key] = value
    tasks: list[RecordTask] = []
    while True:
        response = call_api(LIVE, "DescribeRecordTask", params)
        tasks.extend(
            RecordTask(
                task_id=str(item.get("TaskId") or ""),
                domain_name=str(item.get("DomainName") or ""),
                app_name=str(item.get("AppName") or ""),
                stream_name=str(item.get("StreamName") or ""),
                start_time=timefmt.parse(item.get("StartTime") or 0),
                end_time=timefmt.parse(item.get("EndTime") or 0),
                template_id=int(item.get("TemplateId") or 0),
                stopped=bool(item.get("Stopped")),
            )
            for item in response.get("TaskList") or []
        )
        token = response.get("ScrollToken")
        if not token or token == params.get("ScrollToken"):
            return tasks
        params["ScrollToken"] = token


def describe_live_stream_online_list(
    *, stream_name: str | None = None, domain_name: str | None = None, app_name: str | None = None
) -> list[OnlineStream]:
    """Streams being pushed right now (advisory: confirm with describe_live_stream_state)."""
    params: dict[str, Any] = {"PageSize": ONLINE_PAGE_SIZE}
    for key, value in (("StreamName", stream_name), ("DomainName", domain_name), ("AppName", app_name)):
        if value:
            params[key] = value
    streams: list[OnlineStream] = []
    page = 1
    while True:
        response = call_api(LIVE, "DescribeLiveStreamOnlineList", {**params, "PageNum": page})
        streams.extend(
            OnlineStream(
                stream_name=str(item.get("StreamName") or ""),
                app_name=str(item.get("AppName") or ""),
                domain_name=str(item.get("DomainName") or ""),
                publish_times=[
                    timefmt.parse(entry["PublishTime"])
                    for entry in item.get("PublishTimeList") or []
                    if entry.get("PublishTime")
                ],
            )
            for item in response.get("OnlineInfo") or []
        )
        if page >= int(response.get("TotalPage") or 1):
            return streams
        page += 1


def describe_live_stream_state(
    *, stream_name: str, domain_name: str | None = None, app_name: str | None = None
) -> str:
    """ "active", "inactive" or "forbid"."""
    response = call_api(
        LIVE,
        "DescribeLiveStreamState",
        {"StreamName": stream_name, "DomainName": _domain(domain_name), "AppName": _app(app_name)},
    )
    return str(response.get("StreamState") or "")


def describe_stream_push_info_list(
    *,
    stream_name: str,
    start_time: datetime,
    end_time: datetime,
    push_domain: str | None = None,
    app_name: str | None = None,
) -> list[PushSample]:
    """Push quality samples of one stream (last 7 days; keep the span within 3 hours)."""
    response = call_api(
        LIVE,
        "DescribeStreamPushInfoList",
        {
            "StreamName": stream_name,
            "StartTime": timefmt.to_iso_utc(start_time),
            "EndTime": timefmt.to_iso_utc(end_time),
            "PushDomain": _domain(push_domain),
            "AppName": _app(app_name),
        },
    )
    return [
        PushSample(
            time=timefmt.parse(item["Time"]),
            resolution=str(item.get("Resolution") or ""),
            video_fps=float(item.get("VideoFps") or 0),
            video_bps=int(item.get("VideoRate") or 0),
            audio_bps=int(item.get("AudioRate") or 0),
            video_codec=str(item.get("VCodec") or ""),
            audio_codec=str(item.get("ACodec") or ""),
            bandwidth_mbps=float(item.get("Bandwidth") or 0),
            flux_mb=float(item.get("Flux") or 0),
            local_ts=int(item.get("LocalTs") or 0),
            video_ts=int(item.get("VideoTs") or 0),
            audio_ts=int(item.get("AudioTs") or 0),
        )
        for item in response.get("DataInfoList") or []
        if item.get("Time")
    ]


def describe_live_stream_push_info_list(
    *, push_domain: str | None = None, app_name: str | None = None
) -> list[OnlinePushInfo]:
    """Current push figures of every online stream of the domain (all pages)."""
    params: dict[str, Any] = {"PushDomain": _domain(push_domain), "PageSize": PUSH_INFO_PAGE_SIZE}
    if app_name:
        params["AppName"] = app_name
    infos: list[OnlinePushInfo] = []
    page = 1
    while True:
        response = call_api(LIVE, "DescribeLiveStreamPushInfoList", {**params, "PageNum": page})
        infos.extend(
            OnlinePushInfo(
                stream_name=str(item.get("StreamName") or ""),
                app_name=str(item.get("AppName") or ""),
                domain_name=str(item.get("PushDomain") or ""),
                video_fps=float(item.get("VideoFps") or 0),
                video_bps=int(item.get("VideoSpeed") or 0),
                audio_bps=int(item.get("AudioSpeed") or 0),
                resolution=str(item.get("Resolution") or ""),
            )
            for item in response.get("DataInfoList") or []
        )
        if page >= int(response.get("TotalPage") or 1):
            return infos
        page += 1


def drop_live_stream(
    *, stream_name: str, domain_name: str | None = None, app_name: str | None = None
) -> CallResult:
    """Disconnect a push. Not retried (the caller checks the stream state instead)."""
    return _result(
        call_api(
            LIVE,
            "DropLiveStream",
            {"StreamName": stream_name, "DomainName": _domain(domain_name), "AppName": _app(app_name)},
        )
    )


def _bandwidth_flux(response: dict[str, Any]) -> BandwidthFlux:
    return BandwidthFlux(
        peak_mbps=float(response.get("PeakBandwidth") or 0),
        sum_flux_mb=float(response.get("SumFlux") or 0),
        points=[
            BandwidthPoint(
                time=timefmt.parse(item["Time"]),
                bandwidth_mbps=float(item.get("Bandwidth") or 0),
                flux_mb=float(item.get("Flux") or 0),
            )
            for item in response.get("DataInfoList") or []
            if item.get("Time")
        ],
    )


def _flux_window(start_time: datetime, end_time: datetime, granularity: int) -> dict[str, Any]:
    """The window both bandwidth/traffic actions take; each adds its own domain filter."""
    return {
        "StartTime": timefmt.to_iso_utc(start_time),
        "EndTime": timefmt.to_iso_utc(end_time),
        "Granularity": granularity,
    }


def describe_push_bandwidth_and_flux(
    *, start_time: datetime, end_time: datetime, granularity: int = 5, push_domains: list[str] | None = None
) -> BandwidthFlux:
    """Upstream (push) bandwidth and traffic; span ≤ 31 days, granularity 5, 60 or 1440 minutes."""
    params = _flux_window(start_time, end_time, granularity)
    if push_domains:
        params["PushDomains"] = list(push_domains)
    return _bandwidth_flux(call_api(LIVE, "DescribePushBandwidthAndFluxList", params))


def describe_bill_bandwidth_and_flux(
    *, start_time: datetime, end_time: datetime, granularity: int = 5, play_domains: list[str] | None = None
) -> BandwidthFlux:
    """Downstream (playback) bandwidth and traffic, the billed figures; span ≤ 31 days."""
    params = _flux_window(start_time, end_time, granularity)
    if play_domains:
        params["PlayDomains"] = list(play_domains)
    return _bandwidth_flux(call_api(LIVE, "DescribeBillBandwidthAndFluxList", params))


def describe_concurrent_record_stream_num(
    *, start_time: datetime, end_time: datetime
) -> list[RecordStreamNumPoint]:
    """Concurrent recording channels over time (the basis of the recording fee); span ≤ 31 days."""
    response = call_api(
        LIVE,
        "DescribeConcurrentRecordStreamNum",
        {
            "LiveType": "NormalLive",
            "StartTime": timefmt.to_iso_utc(start_time),
            "EndTime": timefmt.to_iso_utc(end_time),
        },
    )
    return [
        RecordStreamNumPoint(time=timefmt.parse(item["Time"]), num=int(item.get("Num") or 0))
        for item in response.get("DataInfoList") or []
        if item.get("Time")
    ]
