"""VOD storage lifecycle through the unmodified SDK: storage classes, ExpireTime, RestoreMedia, the reliable
event queue and the usage that prices storage and playback."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

from emulator.testing import RunningEmulator, running_emulator
from emulator.tests.sdk import Clients, call, fetch, signed
from emulator.tests.test_contract_vod_cos import add_media

pytestmark = pytest.mark.emulator

NEVER = "9999-12-31T23:59:59Z"


@pytest.fixture(scope="module")
def module_emulator() -> Iterator[RunningEmulator]:
    # Retrievals 10 000x faster than Tencent's: ARCHIVE Expedited (5 min) 0.03 s, Standard (5 h) 1.8 s.
    with running_emulator(
        restore_time_scale=0.0001, EMULATOR_CALLBACK_URL="http://127.0.0.1:9/unused"
    ) as running:
        yield running


def iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def code_of(action: Callable[[], Any]) -> str:
    with pytest.raises(TencentCloudSDKException) as excinfo:
        action()
    return str(excinfo.value.code)


def wait_for(predicate: Callable[[], bool], timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.05)


def basic_info(clients: Clients, file_id: str) -> dict[str, Any]:
    found = call(clients.vod, "DescribeMediaInfos", FileIds=[file_id])
    assert found["MediaInfoSet"], f"{file_id} is gone"
    info: dict[str, Any] = found["MediaInfoSet"][0]["BasicInfo"]
    return info


def storage_details(clients: Clients, storage_type: str, **params: Any) -> int:
    now = time.time()
    data = call(
        clients.vod,
        "DescribeStorageDetails",
        StartTime=iso(now - 3 * 86400),
        EndTime=iso(now + 60),
        StorageType=storage_type,
        **params,
    )["Data"]
    return max((point["Value"] for point in data), default=0)


def play(emu: RunningEmulator, url: str) -> int:
    return fetch(signed(url, emu.config.vod_play_key, time.time() + 60))[0]


def test_storage_class_transitions_follow_tencents_table(clients: Clients, emu: RunningEmulator) -> None:
    media = add_media(emu, stream="room-1", created=time.time(), payload=b"x" * 4000)
    change = lambda target, **extra: call(  # noqa: E731
        clients.vod, "ModifyMediaStorageClass", FileIds=[media.file_id], StorageClass=target, **extra
    )

    assert (
        code_of(lambda: change("STANDARD")) == "InvalidParameterValue.StorageClass"
    )  # no change is no transition
    assert code_of(lambda: change("COLD")) == "InvalidParameterValue.StorageClass"
    change("STANDARD_IA")
    assert basic_info(clients, media.file_id)["StorageClass"] == "STANDARD_IA"
    change("ARCHIVE")
    assert basic_info(clients, media.file_id)["StorageClass"] == "ARCHIVE"
    assert (
        code_of(lambda: change("STANDARD_IA", RestoreTier="Expedited"))
        == "InvalidParameterValue.StorageClass"
    )
    assert code_of(lambda: change("STANDARD")) == "InvalidParameterValue.RestoreTier"  # leaving needs a tier
    found = call(clients.vod, "SearchMedia", StorageClasses=["ARCHIVE"])
    assert [item["FileId"] for item in found["MediaInfoSet"]] == [media.file_id]
    storage = call(clients.vod, "DescribeStorageData")
    assert (storage["ArchiveStorage"], storage["StandardStorage"]) == (4000, 0)

    # Leaving an archive is a retrieval: the class changes only when it is done (Standard: 5 h, scaled 1.8 s).
    change("STANDARD", RestoreTier="Standard")
    assert basic_info(clients, media.file_id)["StorageClass"] == "ARCHIVE"
    assert code_of(lambda: change("STANDARD", RestoreTier="Standard")) == "FailedOperation.TaskDuplicate"
    wait_for(lambda: basic_info(clients, media.file_id)["StorageClass"] == "STANDARD")

    # Leaving STANDARD_IA and ARCHIVE long before 30 / 90 days is billed: Deleted*Storage counts the bytes on
    # the remaining days, only in the area that stores them (ap-singapore is outside the mainland).
    outside = {"Area": "Outside Chinese Mainland"}
    assert storage_details(clients, "DeletedInfrequentStorage", **outside) == 4000
    assert storage_details(clients, "DeletedArchiveStorage", **outside) == 4000
    assert storage_details(clients, "ArchiveStandardRetrieval", **outside) == 4000
    assert storage_details(clients, "DeletedArchiveStorage") == 0  # default area: Chinese Mainland


def test_archived_files_play_only_once_restored(clients: Clients, emu: RunningEmulator) -> None:
    archived = add_media(emu, stream="room-1", created=time.time(), payload=b"a" * 500)
    deep = add_media(emu, stream="room-2", created=time.time(), payload=b"d" * 700)
    standard = add_media(emu, stream="room-3", created=time.time())
    call(clients.vod, "ModifyMediaStorageClass", FileIds=[archived.file_id], StorageClass="ARCHIVE")
    call(clients.vod, "ModifyMediaStorageClass", FileIds=[deep.file_id], StorageClass="DEEP_ARCHIVE")
    call(clients.vod, "ModifyEventConfig", Mode="PULL")

    assert play(emu, archived.media_url) == 403
    assert play(emu, standard.media_url) == 200
    restore = lambda file_id, **extra: call(  # noqa: E731
        clients.vod, "RestoreMedia", FileIds=[file_id], **extra
    )
    assert code_of(lambda: restore(standard.file_id, RestoreDay=1, RestoreTier="Expedited")) == (
        "InvalidParameterValue.OriginalStorageClass"
    )
    assert code_of(lambda: restore(deep.file_id, RestoreDay=1, RestoreTier="Expedited")) == (
        "InvalidParameterValue.UnsupportedRestoreTier"
    )
    assert code_of(lambda: restore(archived.file_id, RestoreDay=0, RestoreTier="Expedited")) == (
        "InvalidParameterValue.RestoreDay"
    )
    assert code_of(lambda: restore(archived.file_id, RestoreTier="Expedited")) == "MissingParameter"

    restore(archived.file_id, RestoreDay=2, RestoreTier="Standard")  # 5 h, scaled: 1.8 s
    assert play(emu, archived.media_url) == 403
    assert code_of(lambda: restore(archived.file_id, RestoreDay=2, RestoreTier="Standard")) == (
        "FailedOperation.TaskDuplicate"
    )
    wait_for(lambda: play(emu, archived.media_url) == 200)
    assert basic_info(clients, archived.file_id)["StorageClass"] == "ARCHIVE"  # a restore keeps the class

    events = call(clients.vod, "PullEvents")["EventSet"]
    assert [(event["EventType"], event["RestoreMediaCompleteEvent"]["FileId"]) for event in events] == [
        ("RestoreMediaComplete", archived.file_id)
    ]
    finished = events[0]["RestoreMediaCompleteEvent"]
    assert (finished["RestoreTier"], finished["RestoreDay"], finished["TargetStorageClass"]) == (
        "Standard",
        2,
        "ARCHIVE",
    )
    call(clients.vod, "ConfirmEvents", EventHandles=[events[0]["EventHandle"]])
    assert code_of(lambda: call(clients.vod, "ConfirmEvents", EventHandles=[events[0]["EventHandle"]])) == (
        "InvalidParameterValue"
    )


def test_expire_time_deletes_the_file_and_announces_it(clients: Clients, emu: RunningEmulator) -> None:
    doomed = add_media(emu, stream="room-1", created=time.time())
    kept = add_media(emu, stream="room-2", created=time.time())
    call(clients.vod, "ModifyEventConfig", Mode="PULL", DeleteMediaCompleteEventSwitch="ON")
    modify = lambda file_id, **extra: call(clients.vod, "ModifyMediaInfo", FileId=file_id, **extra)  # noqa: E731

    assert basic_info(clients, kept.file_id)["ExpireTime"] == NEVER
    assert code_of(lambda: modify(kept.file_id, ExpireTime="tomorrow")) == "InvalidParameterValue.ExpireTime"
    assert code_of(lambda: modify(kept.file_id, Description="x")) == "UnsupportedOperation"
    assert code_of(lambda: modify("404", ExpireTime=NEVER)) == "ResourceNotFound.FileNotExist"
    modify(kept.file_id, ExpireTime=iso(time.time() + 2))
    modify(kept.file_id, ExpireTime=NEVER)  # cleared: never expires
    expires = iso(time.time() + 2)
    modify(doomed.file_id, ExpireTime=expires)
    assert basic_info(clients, doomed.file_id)["ExpireTime"] == expires

    wait_for(lambda: not call(clients.vod, "DescribeMediaInfos", FileIds=[doomed.file_id])["MediaInfoSet"])
    time.sleep(1.5)  # past the cleared expiry too
    assert basic_info(clients, kept.file_id)["ExpireTime"] == NEVER
    assert not (emu.config.data_dir / "vod" / emu.config.vod_app_id / doomed.file_id).exists()
    events = call(clients.vod, "PullEvents")["EventSet"]
    assert [event["EventType"] for event in events] == ["FileDeleted"]
    assert events[0]["FileDeleteEvent"]["FileIdSet"] == [doomed.file_id]


def test_deleted_files_are_announced_only_when_switched_on(clients: Clients, emu: RunningEmulator) -> None:
    first = add_media(emu, stream="room-1", created=time.time())
    second = add_media(emu, stream="room-2", created=time.time())
    call(clients.vod, "ModifyEventConfig", Mode="PULL")
    assert call(clients.vod, "DescribeEventConfig")["DeleteMediaCompleteEventSwitch"] == "OFF"
    call(clients.vod, "DeleteMedia", FileId=first.file_id)
    call(clients.vod, "ModifyEventConfig", DeleteMediaCompleteEventSwitch="ON")
    call(clients.vod, "DeleteMedia", FileId=second.file_id)

    events = call(clients.vod, "PullEvents")["EventSet"]
    assert [event["FileDeleteEvent"]["FileIdSet"] for event in events] == [[second.file_id]]
    # Not confirmed: leased for 30 s, so a second pull meanwhile waits (up to 5 s) and gets nothing.
    started = time.monotonic()
    assert call(clients.vod, "PullEvents").get("EventSet") in (None, [])
    assert time.monotonic() - started >= 4


def test_playback_traffic_is_reported_by_cdn_usage(clients: Clients, emu: RunningEmulator) -> None:
    media = add_media(emu, stream="room-1", created=time.time(), payload=b"p" * 3000)
    assert play(emu, media.media_url) == 200
    assert play(emu, media.media_url) == 200
    now = time.time()
    usage = call(
        clients.vod,
        "DescribeCDNUsageData",
        StartTime=iso(now - 86400),
        EndTime=iso(now + 60),
        DataType="Flux",
        DataInterval=1440,
    )
    assert usage["DataInterval"] == 1440
    assert sum(point["Value"] for point in usage["Data"]) == 6000
    assert all(point["Time"].endswith("T00:00:00+08:00") for point in usage["Data"])
    assert code_of(
        lambda: call(
            clients.vod, "DescribeCDNUsageData", StartTime=iso(now), EndTime=iso(now - 60), DataType="Flux"
        )
    ) == ("InvalidParameterValue.EndTime")
