"""Archived files through the console's own gateway: nothing reads an ARCHIVE / DEEP_ARCHIVE file before it is
restored — neither a player (VOD 403, COS 403 InvalidObjectState) nor MPS, which downloads its input like any
client (the emulator reads files from disk, so it must refuse on purpose)."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from emulator.testing import RunningEmulator
from emulator.tests.test_contract_vod_cos import add_media, add_object
from tencent import cos, mps, signing, vod

pytestmark = [pytest.mark.django_db, pytest.mark.emulator]


@pytest.fixture
def emu(restore_emulator: RunningEmulator) -> RunningEmulator:
    return restore_emulator


def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def wait_for(predicate: Callable[[], Any], timeout_s: float = 20) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        value = predicate()
        if value:
            return value
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.2)


def recognition(url: str) -> mps.RecognitionTask:
    task_id = mps.process_media_recognition(input_url=url)
    return wait_for(lambda: (task := mps.describe_task(task_id=task_id)).is_finished and task)


def test_an_archived_vod_file_is_neither_played_nor_processed_until_restored(emu: RunningEmulator) -> None:
    media = add_media(emu, stream="room-a", created=time.time(), payload=b"v" * 500)
    url = signing.vod_hotlink_url(url=media.media_url, expires_at=timezone.now() + timedelta(hours=1))
    assert status_of(url) == 200 and not recognition(url).failed

    vod.modify_media_storage_class(file_ids=[media.file_id], storage_class="ARCHIVE")
    assert status_of(url) == 403
    refused = recognition(url)
    assert refused.failed and refused.error_code == 60000 and "archived" in refused.message

    vod.restore_media(file_ids=[media.file_id], restore_day=1, restore_tier="Expedited")
    wait_for(lambda: status_of(url) == 200)  # 5 min x 0.0001 = 0.03 s
    assert not recognition(url).failed


def test_an_archived_cos_object_is_refused_until_restored(emu: RunningEmulator, tmp_path: Path) -> None:
    add_object(emu, "rec/x.mp4", b"x" * 50, tmp_path)
    cos.set_object_storage_class(key="rec/x.mp4", storage_class="DEEP_ARCHIVE")
    url = cos.presigned_get_url(key="rec/x.mp4")
    assert status_of(url) == 403
    cos.restore_object(key="rec/x.mp4", days=1, tier="Standard")  # 24 h x 0.0001 = 8.6 s
    assert status_of(url) == 403
    wait_for(lambda: status_of(cos.presigned_get_url(key="rec/x.mp4")) == 200, timeout_s=30)


def test_reading_an_infrequent_access_object_is_a_retrieval(emu: RunningEmulator, tmp_path: Path) -> None:
    add_object(emu, "rec/ia.mp4", b"i" * 80, tmp_path)
    assert status_of(cos.presigned_get_url(key="rec/ia.mp4")) == 200
    cos.set_object_storage_class(key="rec/ia.mp4", storage_class="STANDARD_IA")
    assert status_of(cos.presigned_get_url(key="rec/ia.mp4")) == 200
    retrievals = [item for item in emu.state.lifecycle["cos_ledger"] if item["kind"] == "retrieval"]
    assert [(item["class"], item["bytes"]) for item in retrievals] == [("STANDARD_IA", 80)]
