"""End to end through the unmodified SDKs: a CAR push is recorded by a CSS record task into VOD (template 1) or
COS (template 2), playable, with signed callbacks delivered to a local receiver."""

from __future__ import annotations

import hashlib
import json
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from emulator.media import probe
from emulator.testing import RunningEmulator, running_emulator
from emulator.tests.sdk import Clients, call, fetch, make_clients, signed

pytestmark = [pytest.mark.emulator, pytest.mark.slow]

PROJECT = "cap-pipeline1"


class Receiver:
    """A tiny callback endpoint that records every JSON body it receives."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.events.append(json.loads(body))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/callbacks/css/"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def of_type(self, event_type: int) -> list[dict[str, Any]]:
        return [event for event in self.events if event["event_type"] == event_type]

    def wait_for(self, condition: Callable[[], bool], timeout_s: float = 20) -> None:
        deadline = time.time() + timeout_s
        while not condition():
            assert time.time() < deadline, f"callbacks so far: {[e['event_type'] for e in self.events]}"
            time.sleep(0.1)


@pytest.fixture(scope="module")
def pipeline_emulator() -> Iterator[RunningEmulator]:
    with running_emulator(
        EMULATOR_FILE_DELAY_SECONDS=0,
        EMULATOR_RECORD_ACTIVATION_SECONDS=0.3,
        EMULATOR_CAR_PROCESSING_SECONDS=0.2,
        EMULATOR_CALLBACK_RETRY_SECONDS=0.2,
        EMULATOR_SEGMENT_SECONDS=1,
        EMULATOR_SAMPLE_SECONDS=1,
        EMULATOR_SCREENSHOT_SECONDS=2,
    ) as running:
        yield running


@pytest.fixture
def receiver(pipeline_emulator: RunningEmulator) -> Iterator[Receiver]:
    pipeline_emulator.app.reset()
    receiver = Receiver()
    pipeline_emulator.set_callback_url(receiver.url)
    yield receiver
    receiver.httpd.shutdown()
    receiver.httpd.server_close()  # refuse further callbacks at once instead of letting them time out


@pytest.fixture
def sdk(pipeline_emulator: RunningEmulator, receiver: Receiver) -> Clients:
    return make_clients(pipeline_emulator)


def start_push(sdk: Clients, user_id: str) -> None:
    call(sdk.car, "ApplyConcurrent", UserId=user_id, UserIp="125.127.178.221", ProjectId=PROJECT)
    call(sdk.car, "CreateSession", UserId=user_id, UserIp="125.127.178.221", RunMode="RunWithoutClient")
    call(sdk.car, "StartPublishStream", UserId=user_id, PublishStreamArgs="room=1")


def create_task(sdk: Clients, emu: RunningEmulator, stream: str, template_id: int) -> str:
    """Create a record task and wait until it is in force, as CSS asks before pushing (≥ 3 s, time-scaled)."""
    task_id = str(
        call(
            sdk.live,
            "CreateRecordTask",
            StreamName=stream,
            DomainName=emu.config.css_push_domain,
            AppName="live",
            EndTime=int(time.time()) + 600,
            TemplateId=template_id,
            Extension="{}",
        )["TaskId"]
    )
    time.sleep(emu.config.record_activation_seconds)
    return task_id


def play_url(emu: RunningEmulator, stream: str, *, key: str | None = None, expires_in: int = 600) -> str:
    tx_time = format(int(time.time()) + expires_in, "X")
    secret = hashlib.md5(f"{key or emu.config.css_play_key}{stream}{tx_time}".encode()).hexdigest()
    return f"{emu.base_url}/live/{stream}.m3u8?txSecret={secret}&txTime={tx_time}"


def valid_sign(event: dict[str, Any], key: str) -> bool:
    return (
        event["sign"] == hashlib.md5(f"{key}{event['t']}".encode()).hexdigest() and event["t"] > time.time()
    )


def test_car_push_recorded_to_vod_with_callbacks(
    pipeline_emulator: RunningEmulator, sdk: Clients, receiver: Receiver
) -> None:
    emu = pipeline_emulator
    task_id = create_task(sdk, emu, "room-vod", template_id=1)
    start_push(sdk, "room-vod")
    pushed_at = time.time()
    domain = emu.config.css_push_domain
    state = call(
        sdk.live, "DescribeLiveStreamState", AppName="live", DomainName=domain, StreamName="room-vod"
    )
    assert state["StreamState"] == "active"
    online = call(sdk.live, "DescribeLiveStreamOnlineList", DomainName=domain)
    assert [info["StreamName"] for info in online["OnlineInfo"]] == ["room-vod"]

    # Live HLS playback with txSecret (and refusals without it).
    status, headers, body = fetch(play_url(emu, "room-vod"))
    assert status == 200 and headers["Content-Type"] == "application/vnd.apple.mpegurl"
    segment_uri = next(line for line in body.decode().splitlines() if line and not line.startswith("#"))
    assert "txSecret=" in segment_uri
    status, headers, segment = fetch(f"{emu.base_url}/live/{segment_uri}")
    assert status == 200 and headers["Content-Type"] == "video/mp2t" and len(segment) > 1000
    assert fetch(play_url(emu, "room-vod", key="wrong"))[0] == 403
    assert fetch(play_url(emu, "room-vod", expires_in=-10))[0] == 403
    assert fetch(play_url(emu, "nobody"))[0] == 404

    # HTTP-FLV of the same push (mpegts.js): an open-ended chunked body starting with an FLV header.
    flv_url = play_url(emu, "room-vod").replace(".m3u8", ".flv")
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(flv_url, timeout=10) as response:
        assert response.headers["Content-Type"] == "video/x-flv"
        assert response.headers["Transfer-Encoding"] == "chunked"
        assert response.read(3) == b"FLV"
    assert fetch(play_url(emu, "room-vod", key="wrong").replace(".m3u8", ".flv"))[0] == 403

    time.sleep(8)  # long enough that ffmpeg's ~0.5-0.8 s head start stays well inside 10 %
    samples = call(
        sdk.live,
        "DescribeStreamPushInfoList",
        StreamName="room-vod",
        StartTime=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(pushed_at - 60)),
        EndTime=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 60)),
    )["DataInfoList"]
    assert samples and samples[-1]["Resolution"] == "320*180" and samples[-1]["VideoRate"] > 0
    pushes = call(sdk.live, "DescribeLiveStreamPushInfoList", PushDomain=domain)["DataInfoList"]
    assert pushes[0]["StreamName"] == "room-vod" and pushes[0]["VideoFps"] > 0

    stop_called = time.time()
    call(sdk.car, "StopPublishStream", UserId="room-vod")
    # The push ended somewhere during the call: take its middle as the end of the wall-clock span.
    wall_clock = (stop_called + time.time()) / 2 - emu.app.state.pushes[-1].started_at
    assert emu.wait_idle(30)

    media = call(sdk.vod, "SearchMedia", StreamIds=["room-vod"])["MediaInfoSet"]
    by_type = {item["BasicInfo"]["Type"]: item for item in media}
    assert set(by_type) == {"mp4", "m3u8"}
    mp4 = by_type["mp4"]
    assert mp4["MetaData"]["Duration"] == pytest.approx(wall_clock, rel=0.1)
    url = signed(mp4["BasicInfo"]["MediaUrl"], emu.config.vod_play_key, time.time() + 60)
    status, headers, head = fetch(url, {"Range": "bytes=0-99"})
    assert status == 206 and len(head) == 100 and head[4:8] == b"ftyp"
    playlist_url = signed(by_type["m3u8"]["BasicInfo"]["MediaUrl"], emu.config.vod_play_key, time.time() + 60)
    status, _, playlist = fetch(playlist_url)
    first_segment = next(line for line in playlist.decode().splitlines() if line and not line.startswith("#"))
    assert status == 200 and "sign=" in first_segment  # segments carry the hotlink query
    status, headers, _ = fetch(playlist_url.rsplit("/", 1)[0] + "/" + first_segment)
    assert status == 200 and headers["Content-Type"] == "video/mp2t"
    path = emu.config.data_dir / "vod" / emu.config.vod_app_id / mp4["FileId"]
    assert probe(next(path.glob("*.mp4"))).duration_s == pytest.approx(wall_clock, rel=0.1)

    receiver.wait_for(lambda: len(receiver.of_type(100)) == 2 and receiver.of_type(0) != [])
    key = emu.config.css_callback_key
    files = receiver.of_type(100)
    assert all(valid_sign(event, key) for event in receiver.events)
    assert {event["file_format"] for event in files} == {"mp4", "hls"}
    mp4_event = next(event for event in files if event["file_format"] == "mp4")
    assert mp4_event["task_id"] == task_id and mp4_event["file_id"] == mp4["FileId"]
    assert mp4_event["duration"] == pytest.approx(wall_clock, abs=1.5)
    assert json.loads(mp4_event["callback_ext"])["resolution"] == "320x180"
    [started] = receiver.of_type(1)
    [ended] = receiver.of_type(0)
    assert started["sequence"] == ended["sequence"] and started["stream_id"] == "room-vod"
    statuses = [event["record_event"] for event in receiver.of_type(332)]
    assert statuses[0] == "record_start_succeeded" and statuses[-1] == "record_ended"
    screenshots = receiver.of_type(200)
    assert screenshots
    status, headers, jpeg = fetch(screenshots[0]["pic_full_url"])
    assert status == 200 and jpeg[:2] == b"\xff\xd8"

    # The concurrency is still held until DestroySession (CAR never frees it by itself).
    assert call(sdk.car, "DescribeConcurrentCount", ProjectId=PROJECT)["Running"] == 1
    call(sdk.car, "DestroySession", UserId="room-vod")
    assert call(sdk.car, "DescribeConcurrentCount", ProjectId=PROJECT)["Running"] == 0


def test_template_2_records_mp4_into_cos(
    pipeline_emulator: RunningEmulator, sdk: Clients, receiver: Receiver
) -> None:
    emu = pipeline_emulator
    task_id = create_task(sdk, emu, "room-cos", template_id=2)
    start_push(sdk, "room-cos")
    time.sleep(3)
    call(sdk.live, "StopRecordTask", TaskId=task_id)
    assert emu.wait_idle(30)
    listing = sdk.cos.list_objects(Bucket=emu.config.cos_bucket, Prefix="record/room-cos/")
    [item] = listing["Contents"]
    assert item["Key"].endswith(".mp4") and int(item["Size"]) > 1000
    url = sdk.cos.get_presigned_url(Bucket=emu.config.cos_bucket, Key=item["Key"], Method="GET", Expired=60)
    status, _, body = fetch(url)
    assert status == 200 and body[4:8] == b"ftyp"
    receiver.wait_for(lambda: receiver.of_type(100) != [])
    [event] = receiver.of_type(100)
    assert event["file_format"] == "mp4" and event["video_url"].endswith(item["Key"])
    assert call(sdk.vod, "SearchMedia", StreamIds=["room-cos"])["TotalCount"] == 0
    # The push goes on after the task stopped.
    assert emu.state.online_push(emu.config.css_push_domain, "live", "room-cos") is not None
    call(sdk.car, "DestroySession", UserId="room-cos")
    assert emu.state.online_push(emu.config.css_push_domain, "live", "room-cos") is None


def test_drop_and_dying_push_end_the_stream(
    pipeline_emulator: RunningEmulator, sdk: Clients, receiver: Receiver
) -> None:
    emu = pipeline_emulator
    domain = emu.config.css_push_domain
    start_push(sdk, "room-drop")
    call(sdk.live, "DropLiveStream", StreamName="room-drop", DomainName=domain, AppName="live")
    state = call(
        sdk.live, "DescribeLiveStreamState", AppName="live", DomainName=domain, StreamName="room-drop"
    )
    assert state["StreamState"] == "inactive"
    assert emu.state.concurrencies["room-drop"].publishing is False

    emu.set_push_die_after(2)
    start_push(sdk, "room-dies")
    receiver.wait_for(lambda: any(e["stream_id"] == "room-dies" for e in receiver.of_type(0)), timeout_s=15)
    [died] = [event for event in receiver.of_type(0) if event["stream_id"] == "room-dies"]
    assert died["errcode"] != 0
    [exception] = receiver.of_type(321)
    assert exception["stream_id"] == "room-dies" and exception["sequence"] == died["sequence"]
    # A new StartPublishStream resumes the push of the same session.
    emu.set_push_die_after(None)
    call(sdk.car, "StartPublishStream", UserId="room-dies")
    assert emu.state.online_push(domain, "live", "room-dies") is not None


def test_upstream_usage_comes_from_the_push(
    pipeline_emulator: RunningEmulator, sdk: Clients, receiver: Receiver
) -> None:
    emu = pipeline_emulator
    start_push(sdk, "room-usage")
    time.sleep(3)
    urllib.request.build_opener(urllib.request.ProxyHandler({})).open(play_url(emu, "room-usage")).read()
    now = time.time()
    window = {
        "StartTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - 600)),
        "EndTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now + 300)),
    }
    assert call(sdk.live, "DescribePushBandwidthAndFluxList", **window)["SumFlux"] > 0
    assert call(sdk.live, "DescribeBillBandwidthAndFluxList", **window)["SumFlux"] > 0
    call(sdk.car, "DestroySession", UserId="room-usage")


def vod_items(sdk: Clients, stream: str) -> list[dict[str, Any]]:
    return list(call(sdk.vod, "SearchMedia", StreamIds=[stream])["MediaInfoSet"])


def test_task_window_bounds_the_recording(
    pipeline_emulator: RunningEmulator, sdk: Clients, receiver: Receiver
) -> None:
    emu = pipeline_emulator
    start_push(sdk, "room-window")
    now = int(time.time())
    call(
        sdk.live,
        "CreateRecordTask",
        StreamName="room-window",
        DomainName=emu.config.css_push_domain,
        AppName="live",
        StartTime=now + 2,
        EndTime=now + 5,
        TemplateId=2,
    )
    assert receiver.of_type(332) == []  # not started before StartTime
    receiver.wait_for(lambda: any(e["record_event"] == "record_ended" for e in receiver.of_type(332)), 20)
    [event] = receiver.of_type(100)
    # Files are cut on whole segments (GOPs), as CSS cuts on keyframes: the 3 s window is covered, and at
    # most one segment more on each side.
    segment = emu.config.segment_seconds
    assert 3 - 0.5 <= event["duration"] <= 3 + 2 * segment + 0.5
    assert event["end_time"] <= now + 5 + segment + 0.5
    assert event["start_time"] >= now + 2  # recording began at StartTime, not at task creation
    assert emu.state.online_push(emu.config.css_push_domain, "live", "room-window") is not None


def test_interrupted_push_records_again_on_the_same_task(
    pipeline_emulator: RunningEmulator, sdk: Clients, receiver: Receiver
) -> None:
    emu = pipeline_emulator
    task_id = create_task(sdk, emu, "room-resume", template_id=0)
    emu.set_push_die_after(3)
    start_push(sdk, "room-resume")
    # Only this stream's end: a late retry of an earlier test's event 0 must not end the wait early.
    receiver.wait_for(lambda: any(e["stream_id"] == "room-resume" for e in receiver.of_type(0)), timeout_s=15)
    emu.set_push_die_after(None)
    call(sdk.car, "StartPublishStream", UserId="room-resume")
    time.sleep(2)
    call(sdk.live, "StopRecordTask", TaskId=task_id)
    assert emu.wait_idle(30)
    items = vod_items(sdk, "room-resume")
    assert [item["BasicInfo"]["Type"] for item in items] == ["m3u8", "m3u8"]  # no template: HLS only
    call(sdk.car, "DestroySession", UserId="room-resume")


def test_deleting_a_running_task_does_not_stop_its_recording(
    pipeline_emulator: RunningEmulator, sdk: Clients, receiver: Receiver
) -> None:
    emu = pipeline_emulator
    task_id = create_task(sdk, emu, "room-delete", template_id=2)
    start_push(sdk, "room-delete")
    time.sleep(1)
    call(sdk.live, "DeleteRecordTask", TaskId=task_id)
    time.sleep(1)
    assert receiver.of_type(100) == []
    call(sdk.car, "DestroySession", UserId="room-delete")
    assert emu.wait_idle(30)
    listing = sdk.cos.list_objects(Bucket=emu.config.cos_bucket, Prefix="record/room-delete/")
    assert len(listing["Contents"]) == 1


def test_start_publish_stream_with_url_checks_the_push_secret(
    pipeline_emulator: RunningEmulator, sdk: Clients, receiver: Receiver
) -> None:
    from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

    emu = pipeline_emulator
    domain = emu.config.css_push_domain
    call(sdk.car, "ApplyConcurrent", UserId="room-url", UserIp="125.127.178.221", ProjectId=PROJECT)
    call(sdk.car, "CreateSession", UserId="room-url", UserIp="125.127.178.221", RunMode="RunWithoutClient")
    tx_time = format(int(time.time()) + 600, "X")

    def url(key: str) -> str:
        secret = hashlib.md5(f"{key}custom-stream{tx_time}".encode()).hexdigest()
        return f"rtmp://{domain}/live/custom-stream?txSecret={secret}&txTime={tx_time}"

    with pytest.raises(TencentCloudSDKException) as excinfo:
        call(sdk.car, "StartPublishStreamWithURL", UserId="room-url", PublishStreamURL=url("wrong"))
    assert excinfo.value.code == "FailedOperation"
    call(
        sdk.car, "StartPublishStreamWithURL", UserId="room-url", PublishStreamURL=url(emu.config.css_push_key)
    )
    assert emu.state.online_push(domain, "live", "custom-stream") is not None
    call(sdk.car, "StopPublishStream", UserId="room-url")
    assert emu.state.online_push(domain, "live", "custom-stream") is None


def test_the_pushed_picture_names_the_app_the_room_and_the_user_id(
    pipeline_emulator: RunningEmulator, sdk: Clients
) -> None:
    user_id = "room-caption"
    call(
        sdk.car,
        "ApplyConcurrent",
        UserId=user_id,
        UserIp="125.127.178.221",
        ProjectId=PROJECT,
        ApplicationId="app-caption01",
    )
    call(
        sdk.car,
        "CreateSession",
        UserId=user_id,
        UserIp="125.127.178.221",
        RunMode="RunWithoutClient",
        ApplicationParameters="--room=lobby-7",
    )
    call(sdk.car, "StartPublishStream", UserId=user_id)
    try:
        titles = list(pipeline_emulator.config.data_dir.glob(f"live/*/live/{user_id}/title.txt"))
        assert len(titles) == 1
        lines = titles[0].read_text().splitlines()
        assert lines[0] == "app-caption01 --room=lobby-7" and f"UserId {user_id}" in lines
    finally:
        call(sdk.car, "DestroySession", UserId=user_id)
