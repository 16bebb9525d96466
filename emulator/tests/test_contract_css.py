"""CSS (live 2018-08-01) through the unmodified SDK: record task rules, stream state, usage APIs, errors."""

from __future__ import annotations

import time

import pytest
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

from emulator.testing import RunningEmulator
from emulator.tests.sdk import Clients, call

pytestmark = pytest.mark.emulator


def create_task(clients: Clients, emu: RunningEmulator, **params: object) -> str:
    fields: dict[str, object] = {
        "StreamName": "room-1",
        "DomainName": emu.config.css_push_domain,
        "AppName": "live",
        "EndTime": int(time.time()) + 600,
        "TemplateId": 1,
    }
    fields.update(params)
    return str(call(clients.live, "CreateRecordTask", **fields)["TaskId"])


def code_of(action: object) -> str:
    with pytest.raises(TencentCloudSDKException) as excinfo:
        action()  # type: ignore[operator]
    return str(excinfo.value.code)


def test_record_task_lifecycle(clients: Clients, emu: RunningEmulator) -> None:
    now = int(time.time())
    task_id = create_task(clients, emu, StartTime=now, EndTime=now + 3600, Extension="room=1")
    listed = call(clients.live, "DescribeRecordTask", StartTime=now - 60, EndTime=now + 7200)
    assert [task["TaskId"] for task in listed["TaskList"]] == [task_id]
    task = listed["TaskList"][0]
    assert (task["StreamName"], task["TemplateId"], task["Stopped"]) == ("room-1", 1, 0)
    assert (task["StartTime"], task["EndTime"]) == (now, now + 3600)

    call(clients.live, "StopRecordTask", TaskId=task_id)
    listed = call(clients.live, "DescribeRecordTask", StartTime=now - 60, EndTime=now + 7200)
    assert listed["TaskList"][0]["Stopped"] == 1

    call(clients.live, "DeleteRecordTask", TaskId=task_id)
    assert call(clients.live, "DescribeRecordTask", StartTime=now - 60, EndTime=now + 7200)["TaskList"] == []


def test_record_task_time_rules(clients: Clients, emu: RunningEmulator) -> None:
    now = int(time.time())
    invalid = "InvalidParameter.InvalidTaskTime"
    assert code_of(lambda: create_task(clients, emu, EndTime=now - 1)) == invalid
    assert code_of(lambda: create_task(clients, emu, StartTime=now, EndTime=now + 24 * 3600 + 1)) == invalid
    late = now + 7 * 24 * 3600
    assert code_of(lambda: create_task(clients, emu, StartTime=late - 3600, EndTime=late + 60)) == invalid
    assert create_task(clients, emu, StartTime=now, EndTime=now + 24 * 3600)


def test_at_most_three_overlapping_tasks_per_stream(clients: Clients, emu: RunningEmulator) -> None:
    for _ in range(3):
        create_task(clients, emu)
    assert code_of(lambda: create_task(clients, emu)) == "LimitExceeded.MaximumRunningTask"
    create_task(clients, emu, StreamName="room-2")  # another stream is independent
    now = int(time.time())
    create_task(clients, emu, StartTime=now + 3600, EndTime=now + 7200)  # a later window does not overlap


def test_unknown_task_and_domain(clients: Clients, emu: RunningEmulator) -> None:
    assert code_of(lambda: call(clients.live, "StopRecordTask", TaskId="nope")) == "ResourceNotFound.TaskId"
    assert code_of(lambda: call(clients.live, "DeleteRecordTask", TaskId="nope")) == "ResourceNotFound.TaskId"
    assert code_of(lambda: create_task(clients, emu, DomainName="other.example.com")).startswith(
        "ResourceNotFound.DomainNotExist"
    )


def test_create_record_task_requires_a_region(emu: RunningEmulator) -> None:
    from tencentcloud.live.v20180801 import live_client

    from emulator.tests.sdk import sdk_credential, sdk_profile

    regionless = live_client.LiveClient(sdk_credential(emu), "", sdk_profile(emu.endpoint))
    assert code_of(lambda: create_task(Clients(car=None, live=regionless, vod=None, cos=None), emu)) == (
        "MissingParameter"
    )


def test_describe_record_task_pages_with_scroll_token(clients: Clients, emu: RunningEmulator) -> None:
    now = int(time.time())
    emu.throttle("CreateRecordTask", 10_000)  # faster than Tencent's 20/s on purpose
    for index in range(120):
        create_task(clients, emu, StreamName=f"s{index}")
    first = call(clients.live, "DescribeRecordTask", StartTime=now - 60, EndTime=now + 3600)
    assert len(first["TaskList"]) == 100 and first["ScrollToken"]
    second = call(
        clients.live,
        "DescribeRecordTask",
        StartTime=now - 60,
        EndTime=now + 3600,
        ScrollToken=first["ScrollToken"],
    )
    assert len(second["TaskList"]) == 20 and not second["ScrollToken"]
    only = call(clients.live, "DescribeRecordTask", StartTime=now - 60, EndTime=now + 3600, StreamName="s7")
    assert [task["StreamName"] for task in only["TaskList"]] == ["s7"]
    week = 7 * 24 * 3600
    assert code_of(
        lambda: call(clients.live, "DescribeRecordTask", StartTime=now - week - 1, EndTime=now)
    ).startswith("InvalidParameter")


def test_stream_state_of_an_idle_stream(clients: Clients, emu: RunningEmulator) -> None:
    domain = emu.config.css_push_domain
    state = call(clients.live, "DescribeLiveStreamState", AppName="live", DomainName=domain, StreamName="x")
    assert state["StreamState"] == "inactive"
    online = call(clients.live, "DescribeLiveStreamOnlineList", DomainName=domain)
    assert (online["TotalNum"], online["OnlineInfo"]) == (0, [])
    assert call(clients.live, "DescribeLiveStreamPushInfoList", PushDomain=domain)["DataInfoList"] == []
    code = code_of(
        lambda: call(clients.live, "DropLiveStream", StreamName="x", DomainName=domain, AppName="live")
    )
    assert code == "FailedOperation.StreamNotExist"


def test_usage_apis_report_recorded_counters(clients: Clients, emu: RunningEmulator) -> None:
    now = time.time()
    minute = int(now // 300 * 300)
    usage = emu.state.usage
    usage.add(usage.upstream_bytes, emu.config.css_push_domain, minute, 300 * 1_000_000 / 8)  # 1 Mbps
    usage.add(usage.downstream_bytes, emu.config.css_play_domain, minute, 150 * 1_000_000 / 8)
    usage.note_recordings(minute, 2)
    start = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(minute - 600))
    end = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(minute + 600))

    push = call(clients.live, "DescribePushBandwidthAndFluxList", StartTime=start, EndTime=end, Granularity=5)
    assert push["PeakBandwidth"] == pytest.approx(1.0)
    assert push["SumFlux"] == pytest.approx(37.5)
    assert push["PeakBandwidthTime"] == time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(minute))
    assert sum(point["Flux"] for point in push["DataInfoList"]) == pytest.approx(37.5)
    other = call(
        clients.live,
        "DescribePushBandwidthAndFluxList",
        StartTime=start,
        EndTime=end,
        PushDomains=["x.example"],
    )
    assert other["SumFlux"] == 0

    bill = call(clients.live, "DescribeBillBandwidthAndFluxList", StartTime=start, EndTime=end)
    assert bill["PeakBandwidth"] == pytest.approx(0.5)

    records = call(
        clients.live, "DescribeConcurrentRecordStreamNum", LiveType="NormalLive", StartTime=start, EndTime=end
    )
    assert max(point["Num"] for point in records["DataInfoList"]) == 2

    beijing = call(
        clients.live,
        "DescribePushBandwidthAndFluxList",
        StartTime=time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(minute - 600 + 8 * 3600)),
        EndTime=time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(minute + 600 + 8 * 3600)),
    )
    assert beijing["SumFlux"] == pytest.approx(37.5)
    too_long = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(minute - 2 * 86400))
    assert code_of(
        lambda: call(clients.live, "DescribePushBandwidthAndFluxList", StartTime=too_long, EndTime=end)
    ).startswith("InvalidParameter")
    assert code_of(
        lambda: call(
            clients.live, "DescribeConcurrentRecordStreamNum", LiveType="Bogus", StartTime=start, EndTime=end
        )
    ).startswith("InvalidParameter")


def test_stream_apis_reject_bad_parameters(clients: Clients, emu: RunningEmulator) -> None:
    domain = emu.config.css_push_domain
    live = clients.live
    assert code_of(lambda: call(live, "DescribeLiveStreamOnlineList", PageSize=101)) == "InvalidParameter"
    assert code_of(lambda: call(live, "DescribeLiveStreamPushInfoList", PageNum=0)) == "InvalidParameter"
    assert code_of(
        lambda: call(
            live, "DescribeLiveStreamState", AppName="live", DomainName="nope.example", StreamName="x"
        )
    ) == ("ResourceNotFound.DomainNotExist")
    assert code_of(
        lambda: call(
            live,
            "DescribeStreamPushInfoList",
            StreamName="x",
            StartTime="yesterday",
            EndTime="2030-01-01T00:00:00Z",
        )
    ) == ("InvalidParameter")
    bogus = {"StreamName": "x", "DomainName": domain, "AppName": "live", "Bogus": "1"}
    assert code_of(lambda: live.call_json("DropLiveStream", bogus)) == "UnknownParameter"


def test_record_channel_counts_span_a_month_at_five_minutes(clients: Clients) -> None:
    # 267/36188: "the gap between the start time and the end time cannot exceed one month" — no one-day limit
    # as the bandwidth APIs have at 5-minute granularity; beyond a month is refused.
    now = int(time.time()) // 300 * 300
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    end = time.strftime(fmt, time.gmtime(now))
    month = call(
        clients.live,
        "DescribeConcurrentRecordStreamNum",
        LiveType="NormalLive",
        StartTime=time.strftime(fmt, time.gmtime(now - 30 * 86400)),
        EndTime=end,
    )
    assert len(month["DataInfoList"]) >= 30 * 288
    too_long = time.strftime(fmt, time.gmtime(now - 40 * 86400))
    assert code_of(
        lambda: call(
            clients.live,
            "DescribeConcurrentRecordStreamNum",
            LiveType="NormalLive",
            StartTime=too_long,
            EndTime=end,
        )
    ).startswith("InvalidParameter")
