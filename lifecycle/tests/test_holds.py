"""Legal holds stop every deletion (the console's delete too), and a file arriving under a policy gets its VOD
ExpireTime at once."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from emulator.testing import RunningEmulator
from emulator.tests.test_contract_vod_cos import add_media
from lifecycle.models import LegalHold
from lifecycle.services import legal_hold_lift, legal_hold_place, retention_policy_save
from recordings.catalog.tests.factories import RoomFactory
from recordings.media.services.files import FileHeld, recording_file_delete
from recordings.media.tests.support import make_file
from recordings.models import RecordingFile
from tencent import vod

pytestmark = [pytest.mark.django_db, pytest.mark.emulator]


def vod_file(emulator: RunningEmulator, **extra: Any) -> RecordingFile:
    room = extra.pop("room", None) or RoomFactory.create()
    media = add_media(emulator, stream=room.stream_name, created=time.time())
    return make_file(room=room, file_id=media.file_id, **extra)


def test_a_file_held_through_its_room_cannot_be_deleted(
    emulator: RunningEmulator, moderator: User, operator: User, client_as: Callable[[User | None], Client]
) -> None:
    recording = vod_file(emulator)
    hold = legal_hold_place(room=recording.room, reason="regulator inquiry", actor=moderator)
    with pytest.raises(FileHeld, match="regulator inquiry"):
        recording_file_delete(file_pk=recording.pk, actor=operator)

    response = client_as(operator).post(reverse("recordings:file_delete", args=[recording.pk]), follow=True)
    assert response.status_code == 200
    assert "legal hold" in response.content.decode()
    recording.refresh_from_db()
    assert recording.deleted_at is None and recording.file_id in emulator.state.media

    legal_hold_lift(hold=hold, actor=moderator)
    recording_file_delete(file_pk=recording.pk, actor=operator)
    assert recording.file_id not in emulator.state.media


def test_an_expired_hold_no_longer_protects(
    emulator: RunningEmulator, moderator: User, manager: User
) -> None:
    recording = vod_file(emulator)
    legal_hold_place(
        file=recording,
        reason="until the appeal",
        actor=moderator,
        until=timezone.now() + timedelta(seconds=1),
    )
    assert LegalHold.objects.covering(recording).exists()
    later = timezone.now() + timedelta(seconds=2)
    assert not LegalHold.objects.covering(recording, later).exists()


def test_a_file_arriving_under_a_policy_gets_its_expiry_at_once(
    emulator: RunningEmulator, manager: User, django_capture_on_commit_callbacks: Any
) -> None:
    room = RoomFactory.create()
    retention_policy_save(client_app=room.client_app, data={"keep_days": 30}, actor=manager)
    with django_capture_on_commit_callbacks(execute=True):
        recording = vod_file(emulator, room=room)
    expected = (recording.content_end + timedelta(days=30)).replace(microsecond=0)
    assert vod.describe_media_infos(file_ids=[recording.file_id])[0].expire_time == expected

    asked = len(emulator.calls("ModifyMediaInfo"))
    with django_capture_on_commit_callbacks(execute=True):
        vod_file(emulator, room=RoomFactory.create())  # no policy: nothing is asked of Tencent
    assert len(emulator.calls("ModifyMediaInfo")) == asked
