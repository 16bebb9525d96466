"""The storage-lifecycle gateway functions (VOD classes, expiry, restore, events, usage; COS class and restore)
through the real SDKs against the emulator: typed results, the call log, and how each documented error is
classified."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from emulator.testing import RunningEmulator, running_emulator
from tencent import cos, vod
from tencent.error_table import Kind, classify
from tencent.errors import TencentError
from tencent.models import ApiCall

pytestmark = [pytest.mark.django_db, pytest.mark.emulator]


@pytest.fixture
def emu(settings: Any) -> Iterator[RunningEmulator]:
    # Retrievals 10 000x faster than Tencent's: ARCHIVE Expedited (5 min) 0.03 s, Standard (5 h) 1.8 s.
    with running_emulator(
        restore_time_scale=0.0001,
        EMULATOR_FILE_DELAY_SECONDS=0,
        EMULATOR_CALLBACK_URL="http://127.0.0.1:9/unused",
    ) as running:
        running.apply_settings(settings)
        settings.TENCENT_RETRY_ATTEMPTS = 3
        settings.TENCENT_RETRY_BASE_SECONDS = 0.001
        yield running


def add_media(emu: RunningEmulator, payload: bytes = b"v" * 2000) -> str:
    from emulator.tests.test_contract_vod_cos import add_media as add

    return add(emu, stream="room-1", created=time.time(), payload=payload).file_id


def wait_for(predicate: Callable[[], Any], timeout_s: float = 20) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def failure(action: Callable[[], Any]) -> TencentError:
    with pytest.raises(TencentError) as caught:
        action()
    return caught.value


def test_vod_class_changes_restores_and_their_errors(emu: RunningEmulator) -> None:
    file_id = add_media(emu)
    vod.modify_media_storage_class(file_ids=[file_id], storage_class="ARCHIVE")
    assert vod.describe_media_infos(file_ids=[file_id])[0].storage_class == "ARCHIVE"
    storage = vod.describe_storage_data()
    assert (storage.archive_bytes, storage.standard_bytes) == (2000, 0)

    error = failure(lambda: vod.modify_media_storage_class(file_ids=[file_id], storage_class="STANDARD_IA"))
    assert error.is_code("InvalidParameterValue.StorageClass") and error.kind == Kind.PERMANENT

    vod.enable_event_queue()
    vod.restore_media(file_ids=[file_id], restore_day=1, restore_tier="Standard")
    again = failure(lambda: vod.restore_media(file_ids=[file_id], restore_day=1, restore_tier="Standard"))
    assert again.kind == Kind.GONE  # already being restored: what was asked is under way
    moving = failure(
        lambda: vod.modify_media_storage_class(
            file_ids=[file_id], storage_class="STANDARD", restore_tier="Bulk"
        )
    )
    assert moving.kind == Kind.TRANSIENT  # possible once the running retrieval is done

    events = wait_for(vod.pull_events)
    assert [
        (event.event_type, event.file_ids, event.restore_tier, event.restore_day) for event in events
    ] == [("RestoreMediaComplete", [file_id], "Standard", 1)]
    vod.confirm_events(handles=[event.handle for event in events])

    vod.modify_media_storage_class(file_ids=[file_id], storage_class="STANDARD", restore_tier="Expedited")
    wait_for(lambda: vod.describe_media_infos(file_ids=[file_id])[0].storage_class == "STANDARD")
    events = wait_for(vod.pull_events)
    assert [(event.target_storage_class, event.restore_day) for event in events] == [("STANDARD", 0)]

    now = datetime.now(UTC)
    start, end = now - timedelta(days=2), now + timedelta(minutes=1)
    early = vod.describe_storage_details(
        storage_type="DeletedArchiveStorage", area="Outside Chinese Mainland", start=start, end=end
    )
    assert max(point.value for point in early) == 2000  # left ARCHIVE long before its 90 days
    retrieved = vod.describe_storage_details(
        storage_type="ArchiveStandardRetrieval", area="Outside Chinese Mainland", start=start, end=end
    )
    assert sum(point.value for point in retrieved) == 2000

    logged = set(ApiCall.objects.values_list("action", "outcome"))
    assert {
        ("ModifyMediaStorageClass", "ok"),
        ("ModifyMediaStorageClass", "error"),
        ("RestoreMedia", "ok"),
    } <= logged
    assert ("PullEvents", "ok") in logged and ("DescribeStorageDetails", "ok") in logged


def test_vod_expiry_set_cleared_and_carried_out(emu: RunningEmulator) -> None:
    doomed, kept = add_media(emu), add_media(emu)
    vod.enable_event_queue()
    expires = (datetime.now(UTC) + timedelta(seconds=2)).replace(microsecond=0)
    vod.set_media_expiry(file_id=doomed, expire_at=expires)
    vod.set_media_expiry(file_id=kept, expire_at=expires)
    vod.set_media_expiry(file_id=kept, expire_at=None)
    described = {
        media.file_id: media.expire_time for media in vod.describe_media_infos(file_ids=[doomed, kept])
    }
    assert described == {doomed: expires, kept: None}

    events = wait_for(vod.pull_events)
    assert [(event.event_type, event.file_ids) for event in events] == [("FileDeleted", [doomed])]
    assert [media.file_id for media in vod.describe_media_infos(file_ids=[doomed, kept])] == [kept]
    gone = failure(lambda: vod.set_media_expiry(file_id=doomed, expire_at=None))
    assert gone.kind == Kind.GONE
    with pytest.raises(ValueError):
        vod.set_media_expiry(file_id=kept, expire_at=datetime(2030, 1, 1))  # naive: refused before any call


def test_vod_playback_traffic(emu: RunningEmulator) -> None:
    from emulator.tests.sdk import fetch, signed

    file_id = add_media(emu, payload=b"p" * 1234)
    url = vod.describe_media_infos(file_ids=[file_id])[0].media_url
    assert fetch(signed(url, emu.config.vod_play_key, time.time() + 60))[0] == 200
    now = datetime.now(UTC)
    points = vod.describe_cdn_usage(start=now - timedelta(days=1), end=now + timedelta(minutes=1))
    assert sum(point.value for point in points) == 1234


def test_cos_class_change_restore_and_head(emu: RunningEmulator, tmp_path: Any) -> None:
    from emulator.tests.test_contract_vod_cos import add_object

    add_object(emu, "rec/a.mp4", b"a" * 300, tmp_path)
    head = cos.head_object(key="rec/a.mp4")
    assert (head.storage_class, head.size_bytes, head.restore_ongoing, head.restore_expires) == (
        "STANDARD",
        300,
        False,
        None,
    )
    cos.set_object_storage_class(key="rec/a.mp4", storage_class="ARCHIVE")
    assert cos.head_object(key="rec/a.mp4").storage_class == "ARCHIVE"
    refused = failure(lambda: cos.set_object_storage_class(key="rec/a.mp4", storage_class="STANDARD"))
    assert refused.is_code("InvalidObjectState") and refused.kind == Kind.PERMANENT

    cos.restore_object(key="rec/a.mp4", days=1, tier="Standard")
    assert cos.head_object(key="rec/a.mp4").restore_ongoing
    running = failure(lambda: cos.restore_object(key="rec/a.mp4", days=1, tier="Standard"))
    assert running.is_code("RestoreAlreadyInProgress") and running.kind == Kind.GONE
    head = wait_for(lambda: (h := cos.head_object(key="rec/a.mp4")).restore_expires and h)
    assert not head.restore_ongoing and head.restore_expires > datetime.now(UTC)
    cos.set_object_storage_class(key="rec/a.mp4", storage_class="STANDARD")
    assert cos.head_object(key="rec/a.mp4").storage_class == "STANDARD"

    missing = failure(lambda: cos.head_object(key="rec/none.mp4"))
    assert missing.kind == Kind.GONE
    logged = set(ApiCall.objects.values_list("service", "action"))
    assert {("cos", "HeadObject"), ("cos", "CopyObject"), ("cos", "RestoreObject")} <= logged


@pytest.mark.parametrize(
    ("action", "code", "kind"),
    [
        ("ModifyMediaStorageClass", "InvalidParameterValue.StorageClass", Kind.PERMANENT),
        ("ModifyMediaStorageClass", "FailedOperation.TaskDuplicate", Kind.TRANSIENT),
        ("ModifyMediaStorageClass", "ResourceNotFound.FileNotExist", Kind.PERMANENT),
        ("RestoreMedia", "FailedOperation.TaskDuplicate", Kind.GONE),
        ("RestoreMedia", "InvalidParameterValue.OriginalStorageClass", Kind.PERMANENT),
        ("ModifyMediaInfo", "ResourceNotFound.FileNotExist", Kind.GONE),
        ("ModifyMediaInfo", "InvalidParameterValue.ExpireTime", Kind.PERMANENT),
        ("ModifyMediaInfo", "InternalError.DBError", Kind.TRANSIENT),
        ("ConfirmEvents", "InvalidParameterValue", Kind.PERMANENT),
        ("CopyObject", "InvalidObjectState", Kind.PERMANENT),
        ("CopyObject", "SlowDown", Kind.TRANSIENT),
        ("RestoreObject", "RestoreAlreadyInProgress", Kind.GONE),
        ("HeadObject", "NoSuchResource", Kind.GONE),
    ],
)
def test_lifecycle_error_kinds(action: str, code: str, kind: Kind) -> None:
    assert classify(action, code).kind == kind
