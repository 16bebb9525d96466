"""In a browser: an archived recording's page offers a restore, the click starts it, the page waits ("Restoring —
ready about …", polled with htmx) and the player plays once the emulator has restored the file. Tencent's 5 hours
(ARCHIVE, Standard) take 1.8 s here through the emulator's own knob (EMULATOR_RESTORE_TIME_SCALE)."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User

from conftest import PASSWORD
from dashboard.models import AuditEntry
from emulator.probing import ffmpeg_exe
from emulator.testing import RunningEmulator
from emulator.tests.test_contract_vod_cos import add_media
from lifecycle.models import FileLifecycle
from recordings.catalog.tests.factories import RoomFactory
from recordings.media.tests.support import make_file
from tencent import vod

pytestmark = [pytest.mark.emulator, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def emu(restore_emulator: RunningEmulator, settings: Any) -> RunningEmulator:
    settings.RESTORE_POLL_SECONDS = 1  # the page asks every second
    settings.RESTORE_EVENT_PULL_EVERY_S = 0  # each ask pulls VOD's event queue
    return restore_emulator


def short_mp4(tmp_path: Path) -> bytes:
    target = tmp_path / "clip.mp4"
    subprocess.run(
        [
            ffmpeg_exe(),
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc=duration=4:size=320x180:rate=10",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            "-movflags",
            "+faststart",
            str(target),
        ],
        check=True,
        timeout=60,
    )
    return target.read_bytes()


def test_an_archived_file_is_restored_from_its_page_then_plays(
    live_server: Any, browser: Any, moderator: User, emu: RunningEmulator, tmp_path: Path
) -> None:
    room = RoomFactory.create(name="Archived room")
    media = add_media(emu, stream=room.stream_name, created=time.time(), payload=short_mp4(tmp_path))
    recording = make_file(room=room, file_id=media.file_id, url=media.media_url, duration_s=4.0)
    vod.modify_media_storage_class(file_ids=[media.file_id], storage_class="ARCHIVE")
    FileLifecycle.objects.create(file=recording, storage_class="ARCHIVE")
    vod.enable_event_queue()

    context = browser.new_context(locale="en-US", viewport={"width": 1360, "height": 900})
    context.set_default_timeout(30_000)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", moderator.get_username())
        page.fill("input[name=password]", PASSWORD)
        page.locator("form:has(input[name=password]) button[type=submit]").click()
        page.wait_for_url(f"{live_server.url}/")

        page.goto(f"{live_server.url}/files/{recording.pk}/")
        box = page.locator("[data-restore-box]")
        assert box.get_attribute("data-state") == "archived"
        assert "Archived — restore to play" in box.inner_text()
        assert page.locator("#file-player").count() == 0
        page.check("input[name=tier][value=Standard]")
        page.click("[data-testid=restore-button]")

        page.wait_for_selector("[data-restore-box][data-state=restoring]")
        assert "Restoring — ready about" in page.locator("[data-restore-box]").inner_text()
        assert AuditEntry.objects.filter(action="retention.restore", actor=moderator).count() == 1

        # The poll sees the restore announced and reloads the page, which now has the player.
        page.wait_for_selector("#file-player video", timeout=30_000)
        page.evaluate("document.querySelector('#file-player video').play()")
        page.wait_for_function("document.querySelector('#file-player video').currentTime > 1", timeout=30_000)
        assert page.locator("[data-restore-box]").count() == 0
    finally:
        context.close()
