"""Files Tencent deleted on its own (ExpireTime) are marked deleted from VOD's event queue."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from dashboard.models import AuditEntry
from emulator.testing import RunningEmulator
from emulator.tests.test_contract_vod_cos import add_media
from lifecycle.events import vod_events_reconcile
from recordings.catalog.tests.factories import RoomFactory
from recordings.media.tests.support import make_file
from tencent import vod

pytestmark = [pytest.mark.django_db, pytest.mark.emulator]


def test_a_file_tencent_deleted_is_marked_deleted(emulator: RunningEmulator) -> None:
    room = RoomFactory.create()
    media = add_media(emulator, stream=room.stream_name, created=time.time())
    kept = add_media(emulator, stream=room.stream_name, created=time.time())
    recording = make_file(room=room, file_id=media.file_id, start=timezone.now() - timedelta(hours=1))
    survivor = make_file(room=room, file_id=kept.file_id, start=timezone.now() - timedelta(hours=1))
    vod.enable_event_queue()
    vod.set_media_expiry(file_id=media.file_id, expire_at=datetime.now(UTC) + timedelta(seconds=1))

    deadline = time.monotonic() + 20
    handled = 0
    while not handled:
        assert time.monotonic() < deadline, "no FileDeleted event arrived"
        handled = vod_events_reconcile(max_rounds=1)
    recording.refresh_from_db()
    survivor.refresh_from_db()
    assert recording.deleted_at is not None and survivor.deleted_at is None
    assert (
        AuditEntry.objects.filter(action="retention.deleted_by_tencent", object_id=str(recording.pk)).count()
        == 1
    )
    assert vod.pull_events() == []  # confirmed: not offered again
