"""COS recordings follow the record template's CosBucketPath (settings.COS_RECORD_PATH), not a fixed `record/`."""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from emulator.callbacks import CallbackFaults
from recordings.media.tests.support import make_room
from recordings.media.tests.test_outputs_e2e import record
from recordings.models import RecordingFile, StorageKind
from tencent import setup_cos_path

PATH = "/cnr/{Domain}/{AppName}/{StreamID}/{StartYear}-{StartMonth}-{RandomID}"


def test_prefix_and_stream_follow_the_path(settings: Any) -> None:
    settings.CSS_PUSH_DOMAIN, settings.CSS_APP_NAME = "push.example.com", "live"
    settings.COS_RECORD_PATH = "/record/{StreamID}/"
    assert setup_cos_path.listing_prefix() == "record/"
    assert setup_cos_path.listing_prefix(stream_name="room-1") == "record/room-1/"
    assert setup_cos_path.stream_of_key("record/room-1/room-1_a_b.mp4") == "room-1"
    assert setup_cos_path.stream_of_key("record/loose.mp4") == ""
    assert setup_cos_path.stream_of_key("elsewhere/room-1/x.mp4") == ""
    settings.COS_RECORD_PATH = PATH
    assert setup_cos_path.listing_prefix() == "cnr/push.example.com/live/"
    assert setup_cos_path.listing_prefix(stream_name="r") == "cnr/push.example.com/live/r/"
    assert setup_cos_path.stream_of_key("cnr/push.example.com/live/room-2/2026-01-123456.mp4") == "room-2"
    assert setup_cos_path.stream_of_key("cnr/other.example.com/live/room-2/2026-01-1.mp4") == ""


@pytest.mark.emulator
@pytest.mark.django_db(transaction=True)
def test_sync_finds_cos_files_under_the_templates_path(media_emulator: Any, settings: Any) -> None:
    settings.COS_RECORD_PATH = PATH
    settings.CSS_RECORD_STORAGE = "cos"
    settings.CSS_RECORD_FORMATS = "mp4"
    # A new template is made; the command still fails because CSS_RECORD_TEMPLATE_ID names the old one.
    with open(os.devnull, "w") as quiet, pytest.raises(CommandError):
        call_command("tencent_setup", "--apply", "--force", stdout=quiet)
    [template_id] = [
        number
        for number, item in media_emulator.state.record_templates.items()
        if item["Mp4Param"]["CosBucketPath"] == PATH
    ]
    media_emulator.set_callback_faults(CallbackFaults(drop_rate=1.0))
    room = make_room(stream_name="room-path")
    record("room-path", template_id=template_id)
    assert media_emulator.wait_idle(30)
    call_command("sync_recording_files", "--hours", "1", stdout=open(os.devnull, "w"))  # noqa: SIM115
    [found] = RecordingFile.objects.all()
    assert found.storage == StorageKind.COS and found.room == room
    assert found.cos_key.startswith("cnr/push.emulator.local/live/room-path/")
