"""Recording files end to end against the emulator: the sync that catches lost callbacks, and MP4 playback."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from emulator.callbacks import CallbackFaults
from recordings.media.tests.support import make_room, start_push, wait_for
from recordings.models import FileFormat, FileSource, RecordingFile, StorageKind
from tencent import css

pytestmark = [pytest.mark.emulator, pytest.mark.django_db(transaction=True)]


def record(stream_name: str, *, template_id: int, seconds: float = 4.0) -> str:
    """Push `stream_name` and record it for `seconds` with a record task of the given template."""
    task = css.create_record_task(
        stream_name=stream_name, end_time=timezone.now() + timedelta(minutes=10), template_id=template_id
    )
    start_push(stream_name)
    time.sleep(seconds)
    css.stop_record_task(task_id=task.task_id)
    return task.task_id


def test_sync_adds_vod_and_cos_files_whose_callbacks_were_lost(media_emulator: Any, capsys: Any) -> None:
    media_emulator.set_callback_faults(CallbackFaults(drop_rate=1.0))
    vod_room = make_room(stream_name="room-sync-vod")
    cos_room = make_room(stream_name="room-sync-cos")
    record("room-sync-vod", template_id=1)
    record("room-sync-cos", template_id=2)
    assert media_emulator.wait_idle(30)
    assert not RecordingFile.objects.exists()  # every callback was lost

    call_command("sync_recording_files", "--hours", "1")
    call_command("sync_recording_files", "--hours", "1")  # a second run finds nothing new

    files = list(RecordingFile.objects.order_by("storage", "format"))
    assert [(f.storage, f.format, f.room) for f in files] == [
        (StorageKind.COS, FileFormat.MP4, cos_room),
        (StorageKind.VOD, FileFormat.HLS, vod_room),
        (StorageKind.VOD, FileFormat.MP4, vod_room),
    ]
    assert all(f.source == FileSource.SYNC and f.size_bytes > 1000 for f in files)
    vod_mp4 = files[2]
    assert vod_mp4.duration_s == pytest.approx(4, abs=1.5)
    assert vod_mp4.content_end - vod_mp4.content_start == timedelta(seconds=vod_mp4.duration_s)
    assert files[0].cos_key.startswith("record/room-sync-cos/")
    assert "new: 3" in capsys.readouterr().out


@pytest.mark.browser
def test_a_recorded_mp4_plays_from_the_outputs_browser(
    role_groups: None, live_server: Any, page: Any, browser_login: Any, moderator: Any, media_emulator: Any
) -> None:
    room = make_room(name="Recorded room", stream_name="room-play")
    task_id = record("room-play", template_id=1)
    wait_for(
        lambda: RecordingFile.objects.filter(room=room).count() == 2, what="the MP4 and HLS file callbacks"
    )
    recording = RecordingFile.objects.get(room=room, format=FileFormat.MP4)
    assert recording.task_id == task_id and recording.codec == "h264"
    browser_login(page, moderator)

    page.goto(f"{live_server.url}/files/?format=mp4")
    page.click(f"a[href='/files/{recording.pk}/']")

    page.wait_for_selector("#file-player video")
    page.evaluate("document.querySelector('#file-player video').play()")
    page.wait_for_function("document.querySelector('#file-player video').currentTime > 1", timeout=30_000)
    assert page.evaluate("document.querySelector('#file-player video').duration") == pytest.approx(
        recording.duration_s, abs=1.5
    )

    # The HLS rendition of the same recording plays through hls.js on its hotlink-signed URL.
    hls = RecordingFile.objects.get(room=room, format=FileFormat.HLS)
    page.goto(f"{live_server.url}/files/{hls.pk}/")
    page.evaluate("document.querySelector('#file-player video').play()")
    page.wait_for_function("document.querySelector('#file-player video').currentTime > 1", timeout=30_000)


def test_sync_finds_a_file_created_in_its_own_last_second(media_emulator: Any) -> None:
    """VOD's CreateTime is whole seconds and a search's Before exclusive: a sync whose `until` falls in the second
    a file was made must still see it (a sync run right after a recording ends)."""
    from recordings.media.services.files import recording_files_sync

    media_emulator.set_callback_faults(CallbackFaults(drop_rate=1.0))
    make_room(stream_name="room-sync-edge")
    record("room-sync-edge", template_id=1)
    assert media_emulator.wait_idle(30)
    made = [m for m in media_emulator.state.media.values() if m.stream_id == "room-sync-edge"]
    assert made and not RecordingFile.objects.exists()
    last = max(m.create_time for m in made)
    report = recording_files_sync(
        since=timezone.now() - timedelta(hours=1),
        until=datetime.fromtimestamp(last, tz=UTC),  # the very instant the last one was made
    )
    assert report.created == len(made)
    assert set(RecordingFile.objects.values_list("file_id", flat=True)) == {m.file_id for m in made}
