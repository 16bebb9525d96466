"""Restoring an archived file to play it: asked once, announced by Tencent (VOD event / COS HEAD), then playable."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User

from dashboard.models import AuditEntry
from emulator.testing import RunningEmulator
from emulator.tests.test_contract_vod_cos import add_media, add_object
from lifecycle.events import vod_events_reconcile
from lifecycle.models import FileLifecycle
from lifecycle.restore import NotArchived, file_restore, restore_state
from recordings.catalog.tests.factories import RoomFactory
from recordings.media.tests.support import make_file
from tencent import cos, vod

pytestmark = [pytest.mark.django_db, pytest.mark.emulator]


@pytest.fixture
def emu(restore_emulator: RunningEmulator) -> RunningEmulator:
    return restore_emulator


def wait_for(predicate: Any, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.2)


def test_an_archived_vod_file_is_restored_then_playable(emu: RunningEmulator, moderator: User) -> None:
    room = RoomFactory.create()
    media = add_media(emu, stream=room.stream_name, created=time.time())
    recording = make_file(room=room, file_id=media.file_id)
    with pytest.raises(NotArchived):
        file_restore(recording_file=recording, actor=moderator)
    vod.modify_media_storage_class(file_ids=[media.file_id], storage_class="ARCHIVE")
    FileLifecycle.objects.filter(file=recording).update(storage_class="ARCHIVE")
    vod.enable_event_queue()
    assert not restore_state(recording_file=recording).playable

    file_restore(recording_file=recording, actor=moderator, tier="Standard", days=2)
    file_restore(recording_file=recording, actor=moderator, tier="Standard", days=2)  # already running: fine
    state = restore_state(recording_file=recording)
    assert state.archived and state.restoring and not state.playable and state.ready_at is not None
    wait_for(lambda: vod_events_reconcile(max_rounds=1))
    assert restore_state(recording_file=recording).playable
    assert AuditEntry.objects.filter(action="retention.restore").count() == 1
    assert AuditEntry.objects.filter(action="retention.restored").count() == 1


def test_an_archived_cos_object_is_restored_then_playable(
    emu: RunningEmulator, moderator: User, tmp_path: Path
) -> None:
    room = RoomFactory.create()
    add_object(emu, "rec/a.mp4", b"a" * 100, tmp_path)
    recording = make_file(room=room, cos_key="rec/a.mp4")
    cos.set_object_storage_class(key="rec/a.mp4", storage_class="ARCHIVE")
    FileLifecycle.objects.create(file=recording, storage_class="ARCHIVE")

    file_restore(recording_file=recording, actor=moderator, tier="Standard")
    assert restore_state(recording_file=recording).restoring
    wait_for(lambda: restore_state(recording_file=recording).playable)
