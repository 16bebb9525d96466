"""An archived file on its page, its review page and in the API: the restore offer with Tencent's documented delays,
the audited restore, "Restoring — ready about …" polled until the file plays, then the player."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from dashboard.models import AuditEntry
from emulator.testing import RunningEmulator
from emulator.tests.test_contract_vod_cos import add_media, add_object
from lifecycle.models import FileLifecycle
from recordings.catalog.tests.factories import RoomFactory
from recordings.media.tests.support import make_file
from recordings.models import RecordingFile
from tencent import cos, vod

pytestmark = [pytest.mark.django_db, pytest.mark.emulator]


@pytest.fixture
def emu(restore_emulator: RunningEmulator, settings: Any) -> RunningEmulator:
    settings.RESTORE_EVENT_PULL_EVERY_S = 0  # every poll pulls VOD's events (a synchronous queue in tests)
    return restore_emulator


def archived_vod_file(emu: RunningEmulator, storage_class: str = "ARCHIVE") -> RecordingFile:
    room = RoomFactory.create()
    media = add_media(emu, stream=room.stream_name, created=time.time())
    recording = make_file(room=room, file_id=media.file_id)
    vod.modify_media_storage_class(file_ids=[media.file_id], storage_class=storage_class)
    FileLifecycle.objects.create(file=recording, storage_class=storage_class)
    vod.enable_event_queue()
    return recording


def wait_for(predicate: Callable[[], Any], timeout_s: float = 30) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        value = predicate()
        if value:
            return value
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.3)


def htmx(client: Client, method: str, path: str, data: dict[str, Any] | None = None) -> Any:
    call = client.post if method == "post" else client.get
    return call(path, data or {}, HTTP_HX_REQUEST="true")


def test_the_file_page_offers_a_restore_then_shows_the_player(
    emu: RunningEmulator,
    client_as: Callable[[User | None], Client],
    moderator: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    recording = archived_vod_file(emu)
    client = client_as(moderator)

    page = client.get(f"/files/{recording.pk}/").content.decode()
    assert "Archived — restore to play" in page and 'id="file-player"' not in page
    # Tencent's documented delays of ARCHIVE's three tiers.
    assert "Expedited: ready within 5 minutes" in page
    assert "Standard: ready within 5 hours" in page and "Bulk: ready within 12 hours" in page

    refused = htmx(client, "post", f"/files/{recording.pk}/restore/", {"tier": "Instant", "days": 1})
    assert refused.status_code == 400 and "Archived — restore to play" in refused.content.decode()
    assert not AuditEntry.objects.filter(action="retention.restore").exists()

    box = htmx(client, "post", f"/files/{recording.pk}/restore/", {"tier": "Standard", "days": 2})
    text = box.content.decode()
    assert box.status_code == 200 and "Restoring — ready about" in text
    assert f'hx-get="/files/{recording.pk}/restore/status/"' in text
    entry = AuditEntry.objects.get(action="retention.restore")
    assert entry.actor == moderator and entry.changes == {"tier": "Standard", "days": 2}
    assert [call.code for call in emu.calls("RestoreMedia")] == [""]

    # The poll queues a pull of VOD's event queue (run at once here: a synchronous queue, once the test's
    # transaction "commits") until the restore is announced.
    def poll() -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            answer = htmx(client, "get", f"/files/{recording.pk}/restore/status/")
        return answer if answer.has_header("HX-Refresh") else None

    ready = wait_for(poll)
    assert ready["HX-Refresh"] == "true"
    page = client.get(f"/files/{recording.pk}/").content.decode()
    assert 'id="file-player"' in page and "Archived — restore to play" not in page


def test_the_review_page_offers_the_restore_too_and_deep_archive_has_two_tiers(
    emu: RunningEmulator, client_as: Callable[[User | None], Client], moderator: User
) -> None:
    recording = archived_vod_file(emu, "DEEP_ARCHIVE")
    page = client_as(moderator).get(f"/review/files/{recording.pk}/").content.decode()
    assert "Archived — restore to play" in page and 'id="review-player"' not in page
    assert "Standard: ready within 24 hours" in page and "Bulk: ready within 48 hours" in page
    assert "Expedited" not in page


def test_a_standard_file_plays_without_an_offer(
    emu: RunningEmulator, client_as: Callable[[User | None], Client], moderator: User
) -> None:
    room = RoomFactory.create()
    media = add_media(emu, stream=room.stream_name, created=time.time())
    recording = make_file(room=room, file_id=media.file_id)
    client = client_as(moderator)
    page = client.get(f"/files/{recording.pk}/").content.decode()
    assert 'id="file-player"' in page and "restore" not in page.lower().replace("restore.css", "")
    # Nothing to restore: the box answers with a reload to the player.
    assert htmx(client, "get", f"/files/{recording.pk}/restore/status/").has_header("HX-Refresh")


def test_without_javascript_the_restore_redirects_back(
    emu: RunningEmulator, client_as: Callable[[User | None], Client], moderator: User
) -> None:
    recording = archived_vod_file(emu)
    client = client_as(moderator)
    answer = client.post(
        f"/files/{recording.pk}/restore/",
        {"tier": "Bulk", "days": 1, "next": f"/review/files/{recording.pk}/"},
    )
    assert answer.status_code == 302 and answer["Location"] == f"/review/files/{recording.pk}/"
    assert "Restoring — ready about" in client.get(answer["Location"]).content.decode()
    evil = client.post(f"/files/{recording.pk}/restore/", {"next": "https://evil.example/"})
    assert evil["Location"] == f"/files/{recording.pk}/"
    anonymous = client_as(None).post(f"/files/{recording.pk}/restore/", {"tier": "Bulk", "days": 1})
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    assert AuditEntry.objects.filter(action="retention.restore").count() == 1


def test_the_api_shows_and_starts_a_restore(
    emu: RunningEmulator, api_token: Callable[[User], str], moderator: User, tmp_path: Path
) -> None:
    room = RoomFactory.create(room_key="live-9")
    add_object(emu, "rec/b.mp4", b"b" * 100, tmp_path)
    recording = make_file(room=room, cos_key="rec/b.mp4")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {api_token(moderator)}")
    path = f"/api/v1/files/{recording.pk}"

    plain = client.get(path).json()
    assert plain["storage_class"] == "STANDARD" and plain["restore"] is None and plain["signed_url"]
    assert client.post(f"{path}/restore", "{}", content_type="application/json").status_code == 409

    cos.set_object_storage_class(key="rec/b.mp4", storage_class="DEEP_ARCHIVE")
    FileLifecycle.objects.create(file=recording, storage_class="DEEP_ARCHIVE")
    archived = client.get(path).json()
    assert archived["storage_class"] == "DEEP_ARCHIVE" and archived["signed_url"] is None
    assert archived["restore"]["state"] == "archived"
    assert [tier["tier"] for tier in archived["restore"]["tiers"]] == ["Standard", "Bulk"]

    wrong = client.post(f"{path}/restore", json.dumps({"tier": "Expedited"}), content_type="application/json")
    assert wrong.status_code == 400
    started = client.post(
        f"{path}/restore", json.dumps({"tier": "Bulk", "days": 3}), content_type="application/json"
    )
    assert started.status_code == 202 and started.json()["state"] == "restoring"
    assert AuditEntry.objects.filter(action="retention.restore").count() == 1
    # COS: 48 h x 0.0001 = 17 s; the list shows what the console last learned without a HEAD per file.
    listed = client.get("/api/v1/files?room=live-9").json()["results"][0]
    assert listed["restore"]["state"] == "restoring" and listed["restore"]["ready_at"]


def test_a_refused_restore_is_shown_in_the_box(
    emu: RunningEmulator, client_as: Callable[[User | None], Client], moderator: User
) -> None:
    recording = archived_vod_file(emu)
    emu.inject_fault(
        "RestoreMedia", code="FailedOperation.InvalidVodUser", message="VOD is not open", count=1
    )
    answer = htmx(
        client_as(moderator), "post", f"/files/{recording.pk}/restore/", {"tier": "Bulk", "days": 1}
    )
    text = answer.content.decode()
    assert answer.status_code == 502 and "Tencent Cloud did not start the restore: VOD is not open" in text
    assert "Archived — restore to play" in text  # offered again
    assert not AuditEntry.objects.filter(action="retention.restore").exists()
