"""VOD (2018-07-17) and COS through the unmodified SDKs, plus the hotlink-protected file serving."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pytest
from qcloud_cos import CosServiceError
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

from emulator.state import VodMedia
from emulator.testing import RunningEmulator
from emulator.tests.sdk import Clients, call, fetch, make_clients, signed

pytestmark = pytest.mark.emulator


def add_media(
    emu: RunningEmulator, *, stream: str, created: float, payload: bytes = b"0123456789"
) -> VodMedia:
    file_id = str(5285890780000000000 + emu.state.next_number())
    directory = emu.config.data_dir / "vod" / emu.config.vod_app_id / file_id
    directory.mkdir(parents=True)
    (directory / f"{stream}.mp4").write_bytes(payload)
    media = VodMedia(
        file_id=file_id,
        name=stream,
        create_time=created,
        media_url=f"{emu.base_url}/vod/{emu.config.vod_app_id}/{file_id}/{stream}.mp4",
        cover_url="",
        domain_name=emu.config.css_push_domain,
        app_name="live",
        stream_id=stream,
        record_start=created - 60,
        record_end=created,
        size_bytes=len(payload),
        duration_s=60.0,
        width=320,
        height=180,
        bitrate_bps=500_000,
        container="mov,mp4,m4a,3gp,3g2,mj2",
        paths=[f"{stream}.mp4"],
    )
    emu.state.media[file_id] = media
    return media


def add_object(emu: RunningEmulator, key: str, payload: bytes, tmp_path: Path) -> None:
    source = tmp_path / hashlib.md5(key.encode()).hexdigest()
    source.write_bytes(payload)
    emu.app.cos.stage(key=key, path=source)
    emu.app.cos.publish(key)


def test_search_media_filters_sorts_and_pages(clients: Clients, emu: RunningEmulator) -> None:
    now = time.time()
    old = add_media(emu, stream="room-1", created=now - 7200)
    new = add_media(emu, stream="room-1", created=now - 60)
    add_media(emu, stream="room-2", created=now - 30)

    found = call(clients.vod, "SearchMedia", StreamIds=["room-1"], SourceTypes=["Record"])
    assert found["TotalCount"] == 2
    assert [item["FileId"] for item in found["MediaInfoSet"]] == [new.file_id, old.file_id]
    basic = found["MediaInfoSet"][0]["BasicInfo"]
    assert basic["SourceInfo"]["LiveRecordInfo"]["StreamId"] == "room-1"
    assert found["MediaInfoSet"][0]["MetaData"]["Duration"] == 60.0

    after = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - 3600))
    recent = call(
        clients.vod, "SearchMedia", CreateTime={"After": after}, Sort={"Field": "CreateTime", "Order": "Asc"}
    )
    assert recent["TotalCount"] == 2 and recent["MediaInfoSet"][0]["FileId"] == new.file_id
    page = call(clients.vod, "SearchMedia", Offset=1, Limit=1)
    assert page["TotalCount"] == 3 and len(page["MediaInfoSet"]) == 1
    with pytest.raises(TencentCloudSDKException) as excinfo:
        call(clients.vod, "SearchMedia", Offset=4990, Limit=20)
    assert excinfo.value.code == "InvalidParameterValue"


def test_search_media_create_time_is_whole_seconds_after_inclusive_before_exclusive(
    clients: Clients, emu: RunningEmulator
) -> None:
    # VOD's TimeRange: After "大于等于此时间", Before "小于此时间" (the SDK), on a CreateTime of whole seconds.
    second = float(int(time.time()) - 600)
    media = add_media(emu, stream="room-edge", created=second + 0.7)

    def found(**created: float) -> list[str]:
        bounds = {name: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(at)) for name, at in created.items()}
        answer = call(clients.vod, "SearchMedia", StreamIds=["room-edge"], CreateTime=bounds)
        return [item["FileId"] for item in answer["MediaInfoSet"]]

    assert found(Before=second) == []  # made in the second Before names: not before it
    assert found(Before=second + 1) == [media.file_id]
    assert found(After=second) == [media.file_id]  # After its own second (its CreateTime)
    assert found(After=second + 1) == []
    whole = add_media(emu, stream="room-edge", created=second + 5)  # made on a whole second
    assert found(After=second + 1, Before=second + 5) == []  # Before is exclusive
    assert found(After=second + 5, Before=second + 6) == [whole.file_id]


def test_describe_delete_and_storage(clients: Clients, emu: RunningEmulator) -> None:
    media = add_media(emu, stream="room-1", created=time.time(), payload=b"x" * 1000)
    described = call(clients.vod, "DescribeMediaInfos", FileIds=[media.file_id, "404"])
    assert [item["FileId"] for item in described["MediaInfoSet"]] == [media.file_id]
    assert described["NotExistFileIdSet"] == ["404"]
    assert call(clients.vod, "DescribeStorageData")["TotalStorage"] == 1000
    with pytest.raises(TencentCloudSDKException) as excinfo:
        call(clients.vod, "DescribeMediaInfos", FileIds=[str(n) for n in range(21)])
    assert excinfo.value.code == "InvalidParameterValue.FileIdsTooMany"

    call(clients.vod, "DeleteMedia", FileId=media.file_id)
    assert call(clients.vod, "DescribeStorageData")["TotalStorage"] == 0
    assert not (emu.config.data_dir / "vod" / emu.config.vod_app_id / media.file_id).exists()
    with pytest.raises(TencentCloudSDKException) as excinfo:
        call(clients.vod, "DeleteMedia", FileId=media.file_id)
    assert excinfo.value.code == "ResourceNotFound.FileNotExist"


def test_vod_files_need_a_valid_hotlink_signature_and_answer_ranges(emu: RunningEmulator) -> None:
    payload = bytes(range(256)) * 4
    media = add_media(emu, stream="room-1", created=time.time(), payload=payload)
    key = emu.config.vod_play_key

    status, headers, body = fetch(signed(media.media_url, key, time.time() + 60))
    assert (status, body) == (200, payload)
    assert headers["Content-Type"] == "video/mp4"
    assert headers["Access-Control-Allow-Origin"] == "*"

    status, headers, body = fetch(signed(media.media_url, key, time.time() + 60), {"Range": "bytes=10-19"})
    assert (status, body) == (206, payload[10:20])
    assert headers["Content-Range"] == f"bytes 10-19/{len(payload)}"

    assert fetch(media.media_url)[0] == 403
    assert fetch(signed(media.media_url, key, time.time() - 1))[0] == 403
    assert fetch(signed(media.media_url, "wrong-key", time.time() + 60))[0] == 403


def test_cos_listing_pages_with_markers(clients: Clients, emu: RunningEmulator, tmp_path: Path) -> None:
    for index in range(5):
        add_object(emu, f"record/room-1/part-{index}.mp4", b"a" * (index + 1), tmp_path)
    add_object(emu, "record/room-2/other.mp4", b"b", tmp_path)
    bucket = emu.config.cos_bucket

    first = clients.cos.list_objects(Bucket=bucket, Prefix="record/room-1/", MaxKeys=3)
    assert [item["Key"] for item in first["Contents"]] == [f"record/room-1/part-{i}.mp4" for i in range(3)]
    assert first["IsTruncated"] == "true" and first["NextMarker"] == "record/room-1/part-2.mp4"
    assert first["Contents"][1]["Size"] == "2"
    rest = clients.cos.list_objects(Bucket=bucket, Prefix="record/room-1/", Marker=first["NextMarker"])
    assert [item["Key"] for item in rest["Contents"]] == [
        "record/room-1/part-3.mp4",
        "record/room-1/part-4.mp4",
    ]
    assert rest["IsTruncated"] == "false"


def test_cos_presigned_get_and_delete(clients: Clients, emu: RunningEmulator, tmp_path: Path) -> None:
    add_object(emu, "record/room-1/file.mp4", b"movie-bytes", tmp_path)
    bucket = emu.config.cos_bucket
    url = clients.cos.get_presigned_url(Bucket=bucket, Key="record/room-1/file.mp4", Method="GET", Expired=60)
    status, headers, body = fetch(url)
    assert (status, body, headers["Content-Type"]) == (200, b"movie-bytes", "video/mp4")
    assert fetch(url, {"Range": "bytes=0-4"})[2] == b"movie"
    assert fetch(url.replace("q-signature=", "q-signature=0"))[0] == 403

    expired = clients.cos.get_presigned_url(
        Bucket=bucket, Key="record/room-1/file.mp4", Method="GET", Expired=-120
    )
    assert fetch(expired)[0] == 403

    clients.cos.delete_object(Bucket=bucket, Key="record/room-1/file.mp4")
    assert fetch(url)[0] == 404
    assert "Contents" not in clients.cos.list_objects(Bucket=bucket, Prefix="record/")


def test_cos_rejects_a_wrong_secret_key(emu: RunningEmulator) -> None:
    wrong = make_clients(emu, secret_key="not-the-key")
    with pytest.raises(CosServiceError) as excinfo:
        wrong.cos.list_objects(Bucket=emu.config.cos_bucket)
    assert excinfo.value.get_error_code() == "SignatureDoesNotMatch"
    assert excinfo.value.get_status_code() == 403


def test_vod_checks_the_sub_application(emu: RunningEmulator) -> None:
    clients = make_clients(emu)
    with pytest.raises(TencentCloudSDKException) as excinfo:
        call(clients.vod, "DescribeStorageData", SubAppId=1400000001)
    assert excinfo.value.code == "InvalidParameterValue.SubAppId"
