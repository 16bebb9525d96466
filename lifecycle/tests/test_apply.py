"""retention_apply against the emulator: a policy set on a client app moves and deletes the files on schedule,
every step audited; a held file survives; a second run changes nothing; a failure is kept and retried."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.utils import timezone

from dashboard.models import AuditEntry
from emulator.testing import RunningEmulator
from emulator.tests.test_contract_vod_cos import add_media, add_object
from lifecycle.models import FileLifecycle, LegalHold
from lifecycle.services import legal_hold_lift, legal_hold_place, retention_apply, retention_policy_save
from recordings.catalog.tests.factories import RoomFactory
from recordings.media.tests.support import make_file
from recordings.models import RecordingFile, Room
from tencent import cos, policy, vod
from tencent.models import ApiCall

pytestmark = [pytest.mark.django_db, pytest.mark.emulator]

POLICY = {"keep_days": 3, "standard_ia_after_days": 1, "archive_after_days": 2}


def vod_file(emulator: RunningEmulator, room: Room, *, ended_days_ago: float) -> RecordingFile:
    media = add_media(emulator, stream=room.stream_name, created=time.time(), payload=b"v" * 1000)
    start = timezone.now() - timedelta(days=ended_days_ago, seconds=60)
    return make_file(room=room, file_id=media.file_id, start=start, size_bytes=1000)


def cos_file(
    emulator: RunningEmulator, room: Room, tmp_path: Path, *, ended_days_ago: float
) -> RecordingFile:
    key = f"rec/{room.stream_name}-{ended_days_ago}.mp4"
    add_object(emulator, key, b"c" * 500, tmp_path)
    start = timezone.now() - timedelta(days=ended_days_ago, seconds=60)
    return make_file(room=room, cos_key=key, start=start, size_bytes=500)


def classes(*files: RecordingFile) -> list[str]:
    return [FileLifecycle.objects.get(file=item).storage_class for item in files]


def tencent_writes() -> int:
    return ApiCall.objects.filter(
        action__in=["ModifyMediaInfo", "ModifyMediaStorageClass", "DeleteMedia", "CopyObject", "DeleteObject"]
    ).count()


def test_a_policy_moves_expires_and_deletes_on_schedule(
    emulator: RunningEmulator, manager: User, moderator: User, tmp_path: Path
) -> None:
    room = RoomFactory.create()
    retention_policy_save(client_app=room.client_app, data=POLICY, actor=manager)
    young = vod_file(emulator, room, ended_days_ago=1.5)
    older = vod_file(emulator, room, ended_days_ago=2.5)
    overdue = vod_file(emulator, room, ended_days_ago=4)
    held = vod_file(emulator, room, ended_days_ago=4)
    stored = cos_file(emulator, room, tmp_path, ended_days_ago=2.5)
    legal_hold_place(file=held, reason="dispute #12", actor=moderator)

    report = retention_apply()
    assert (report.deleted, report.failed) == (1, 0)
    by_id = {
        media.file_id: media for media in vod.describe_media_infos(file_ids=[young.file_id, older.file_id])
    }
    assert by_id[young.file_id].storage_class == "STANDARD_IA"
    assert by_id[older.file_id].storage_class == "ARCHIVE"
    # ExpireTime has whole seconds.
    assert by_id[young.file_id].expire_time == (young.content_end + timedelta(days=3)).replace(microsecond=0)
    assert cos.head_object(key=stored.cos_key).storage_class == "ARCHIVE"
    overdue.refresh_from_db()
    assert overdue.deleted_at is not None and overdue.file_id not in emulator.state.media

    # Held: kept past its time, no expiry at Tencent, and never archived (it stays playable).
    held_media = vod.describe_media_infos(file_ids=[held.file_id])[0]
    assert (held_media.expire_time, held_media.storage_class) == (None, "STANDARD_IA")
    assert classes(young, older, held, stored) == ["STANDARD_IA", "ARCHIVE", "STANDARD_IA", "ARCHIVE"]

    audited = list(
        AuditEntry.objects.filter(action__startswith="retention.").values_list("action", "object_id")
    )
    assert ("retention.move", str(older.pk)) in audited and ("retention.expiry", str(young.pk)) in audited
    assert AuditEntry.objects.filter(action="file.delete", object_id=str(overdue.pk)).count() == 1

    writes = tencent_writes()
    again = retention_apply()
    assert (again.expiries_set, again.moved, again.deleted, again.failed) == (0, 0, 0, 0)
    assert tencent_writes() == writes  # idempotent: nothing left to ask Tencent

    # Lifting the hold applies the policy again: the file is overdue, so it goes.
    legal_hold_lift(hold=LegalHold.objects.get(file=held), actor=moderator)
    held.refresh_from_db()
    assert held.deleted_at is not None
    assert AuditEntry.objects.filter(action="retention.hold_lift").count() == 1


def test_tencent_deletes_at_the_expiry_and_the_console_follows(
    emulator: RunningEmulator, manager: User
) -> None:
    room = RoomFactory.create()
    retention_policy_save(room=room, data={"keep_days": 1}, actor=manager)
    soon = vod_file(emulator, room, ended_days_ago=1 - 2 / 86400)  # its day is up in about 2 s
    retention_apply()
    assert vod.describe_media_infos(file_ids=[soon.file_id])[0].expire_time is not None

    deadline = time.monotonic() + 20
    while vod.describe_media_infos(file_ids=[soon.file_id]):
        assert time.monotonic() < deadline, "the emulator never carried out the ExpireTime"
        time.sleep(0.3)
    report = retention_apply()
    soon.refresh_from_db()
    assert soon.deleted_at is not None, report  # marked deleted, Tencent's "not found" taken as done


def test_a_failed_call_is_kept_for_attention_and_retried(emulator: RunningEmulator, manager: User) -> None:
    room = RoomFactory.create()
    retention_policy_save(client_app=room.client_app, data=POLICY, actor=manager)
    recording = vod_file(emulator, room, ended_days_ago=1.5)
    # A transient code the gateway tries again at once, as often as it may: still failing, the file keeps it.
    emulator.inject_fault("ModifyMediaStorageClass", code="InternalError")

    first = retention_apply()
    assert first.failed == 1
    attempts = ApiCall.objects.filter(action="ModifyMediaStorageClass").values_list("attempt", flat=True)
    assert list(attempts.order_by("id")) == list(range(1, policy.max_attempts("ModifyMediaStorageClass") + 1))
    state = FileLifecycle.objects.get(file=recording)
    assert "InternalError" in state.last_error and state.failures == 1
    assert list(FileLifecycle.objects.needing_attention()) == [state]

    emulator.clear_faults()
    second = retention_apply()
    assert (second.moved, second.failed) == (1, 0)
    assert FileLifecycle.objects.get(file=recording).last_error == ""
    assert vod.describe_media_infos(file_ids=[recording.file_id])[0].storage_class == "STANDARD_IA"


def test_policies_are_validated_and_held_targets_need_a_reason(manager: User, moderator: User) -> None:
    room = RoomFactory.create()
    with pytest.raises(ValidationError):
        retention_policy_save(room=room, data={"keep_days": 10, "standard_ia_after_days": 20}, actor=manager)
    with pytest.raises(ValidationError):
        retention_policy_save(
            room=room, data={"standard_ia_after_days": 30, "archive_after_days": 30}, actor=manager
        )
    with pytest.raises(ValidationError):
        legal_hold_place(room=room, reason="  ", actor=moderator)
    saved = retention_policy_save(room=room, data={"keep_days": None}, actor=manager)
    assert saved.keep_days is None and AuditEntry.objects.filter(action="retention.policy_save").count() == 1
