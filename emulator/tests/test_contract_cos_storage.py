"""COS storage classes and restore through the unmodified COS SDK (cos-python-sdk-v5)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from qcloud_cos import CosServiceError

from emulator.testing import RunningEmulator, running_emulator
from emulator.tests.sdk import Clients
from emulator.tests.test_contract_vod_cos import add_object

pytestmark = pytest.mark.emulator


@pytest.fixture(scope="module")
def module_emulator() -> Iterator[RunningEmulator]:
    # Restores 10 000x faster than Tencent's upper bounds: ARCHIVE Expedited 0.03 s, Standard 1.8 s.
    with running_emulator(
        restore_time_scale=0.0001, EMULATOR_CALLBACK_URL="http://127.0.0.1:9/unused"
    ) as running:
        yield running


def refusal(action: Callable[[], Any]) -> tuple[int, str]:
    with pytest.raises(CosServiceError) as excinfo:
        action()
    return excinfo.value.get_status_code(), excinfo.value.get_error_code()


def test_put_sets_the_class_and_copy_in_place_changes_it(
    clients: Clients, emu: RunningEmulator, tmp_path: Path
) -> None:
    bucket, region = emu.config.cos_bucket, emu.config.cos_region
    cos = clients.cos
    cos.put_object(Bucket=bucket, Key="rec/a.mp4", Body=b"a" * 100, StorageClass="STANDARD_IA")
    assert cos.head_object(Bucket=bucket, Key="rec/a.mp4")["x-cos-storage-class"] == "STANDARD_IA"
    add_object(emu, "rec/b.mp4", b"b" * 50, tmp_path)
    assert "x-cos-storage-class" not in cos.head_object(Bucket=bucket, Key="rec/b.mp4")  # STANDARD
    assert refusal(
        lambda: cos.put_object(Bucket=bucket, Key="x", Body=b"x", StorageClass="MAZ_STANDARD")
    ) == (
        400,
        "InvalidArgument",
    )

    source = {"Bucket": bucket, "Key": "rec/a.mp4", "Region": region}
    assert refusal(
        lambda: cos.copy_object(Bucket=bucket, Key="rec/a.mp4", CopySource=source, StorageClass="STANDARD_IA")
    ) == (
        400,
        "InvalidRequest",
    )
    copied = cos.copy_object(Bucket=bucket, Key="rec/a.mp4", CopySource=source, StorageClass="ARCHIVE")
    assert copied["ETag"]
    listing = cos.list_objects(Bucket=bucket, Prefix="rec/")
    assert [(item["Key"], item["StorageClass"]) for item in listing["Contents"]] == [
        ("rec/a.mp4", "ARCHIVE"),
        ("rec/b.mp4", "STANDARD"),
    ]
    # The STANDARD_IA copy left its class long before 30 days: booked for the remaining days.
    ledger = emu.state.lifecycle["cos_ledger"]
    assert [(item["kind"], item["class"], item["bytes"]) for item in ledger] == [
        ("early_exit", "STANDARD_IA", 100)
    ]


def test_archived_objects_refuse_get_until_restored(clients: Clients, emu: RunningEmulator) -> None:
    bucket, region = emu.config.cos_bucket, emu.config.cos_region
    cos = clients.cos
    cos.put_object(Bucket=bucket, Key="rec/old.mp4", Body=b"o" * 64, StorageClass="ARCHIVE")
    cos.put_object(Bucket=bucket, Key="rec/deep.mp4", Body=b"d" * 64, StorageClass="DEEP_ARCHIVE")
    cos.put_object(Bucket=bucket, Key="rec/new.mp4", Body=b"n" * 64)

    assert refusal(lambda: cos.get_object(Bucket=bucket, Key="rec/old.mp4")) == (403, "InvalidObjectState")
    head = cos.head_object(Bucket=bucket, Key="rec/old.mp4")
    assert head["x-cos-storage-class"] == "ARCHIVE" and "x-cos-restore" not in head
    source = {"Bucket": bucket, "Key": "rec/old.mp4", "Region": region}
    assert refusal(
        lambda: cos.copy_object(Bucket=bucket, Key="rec/old.mp4", CopySource=source, StorageClass="STANDARD")
    ) == (
        403,
        "InvalidObjectState",
    )
    restore = lambda key, tier, days=1: cos.restore_object(  # noqa: E731
        Bucket=bucket, Key=key, RestoreRequest={"Days": days, "CASJobParameters": {"Tier": tier}}
    )
    assert refusal(lambda: restore("rec/new.mp4", "Expedited")) == (403, "InvalidObjectState")
    assert refusal(lambda: restore("rec/deep.mp4", "Expedited")) == (400, "InvalidArgument")
    assert refusal(lambda: restore("rec/none.mp4", "Expedited")) == (404, "NoSuchKey")

    restore("rec/old.mp4", "Standard", days=2)  # 5 h, scaled: 1.8 s
    assert cos.head_object(Bucket=bucket, Key="rec/old.mp4")["x-cos-restore"] == 'ongoing-request="true"'
    assert refusal(lambda: restore("rec/old.mp4", "Standard")) == (409, "RestoreAlreadyInProgress")
    assert refusal(lambda: cos.get_object(Bucket=bucket, Key="rec/old.mp4")) == (403, "InvalidObjectState")

    deadline = time.monotonic() + 20
    while 'ongoing-request="false"' not in cos.head_object(Bucket=bucket, Key="rec/old.mp4").get(
        "x-cos-restore", ""
    ):
        assert time.monotonic() < deadline, "the restore never finished"
        time.sleep(0.05)
    assert "expiry-date=" in cos.head_object(Bucket=bucket, Key="rec/old.mp4")["x-cos-restore"]
    assert cos.get_object(Bucket=bucket, Key="rec/old.mp4")["Body"].get_raw_stream().read() == b"o" * 64
    # Restored: now it can be copied out of the archive, for good.
    cos.copy_object(Bucket=bucket, Key="rec/old.mp4", CopySource=source, StorageClass="STANDARD")
    head = cos.head_object(Bucket=bucket, Key="rec/old.mp4")
    assert "x-cos-storage-class" not in head and "x-cos-restore" not in head
    kinds = [(item["kind"], item["class"]) for item in emu.state.lifecycle["cos_ledger"]]
    assert kinds == [("retrieval", "ARCHIVE"), ("early_exit", "ARCHIVE")]
