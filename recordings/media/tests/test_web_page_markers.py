"""What the reviewer sees is what was on screen: interaction events posted through the console's API are shown by
the sample WEB app the emulator renders, and each one is on screen in the recorded MP4 within a second of where its
marker sits on the review timeline (decoded from the page's code strip, no OCR)."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from emulator.tests.test_web_render import can_render
from emulator.tests.test_web_render_page import first_seen, page_code, strip_codes
from recordings.media.tests.support import make_room, wait_for
from recordings.models import FileFormat, InteractionEvent, RecordingFile
from recordings.review.services.review import offset_in
from tencent import car, css

# `long`: a live server, a rendered page and a recording end to end (~40 s with its set-up); the emulator's own
# test_comments_are_on_screen_within_a_second_of_their_time_in_the_recording checks the page side in `make test`.
pytestmark = [pytest.mark.emulator, pytest.mark.django_db(transaction=True), pytest.mark.long]
ROOM = "live-web1"


@can_render
def test_markers_posted_through_the_api_are_on_screen_at_their_time_in_the_recording(
    media_emulator: Any, client_as: Any, operator: Any, api_token: Any
) -> None:
    room = make_room(room_key=ROOM, stream_name=ROOM)
    media_emulator.app.car.applications.register(
        {
            "project_id": "cap-media0001",
            "kind": "WEB",
            "url": f"{media_emulator.base_url}/_emulator/apps/live-room/",
            "resolution": "480x270",
            "frame_rate": 10,
        }
    )
    task = css.create_record_task(
        stream_name=ROOM, end_time=timezone.now() + timedelta(minutes=10), template_id=1
    )
    time.sleep(0.5)  # the record task takes effect (EMULATOR_RECORD_ACTIVATION_SECONDS)
    car.apply_concurrent(user_id=ROOM, user_ip="10.0.0.1", project_id="cap-media0001")
    car.create_session(user_id=ROOM, user_ip="10.0.0.1", application_parameters=f"--url-args=room={ROOM}")
    car.start_publish_stream(user_id=ROOM)
    time.sleep(2)  # the page is up and polling its channel
    now = timezone.now()
    events = [
        {"at": now.isoformat(), "kind": "bullet_comment", "text": "What a goal!", "id": "m-1"},
        {"at": (now + timedelta(seconds=2)).isoformat(), "kind": "bullet_comment", "text": "Encore!"},
        {"at": (now + timedelta(seconds=4)).isoformat(), "kind": "gift", "text": "3 rockets from fan_42"},
    ]
    response = client_as(None).post(
        f"/api/v1/rooms/{ROOM}/interactions",
        data=json.dumps({"events": events}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {api_token(operator)}",
    )
    assert response.status_code == 201, response.content
    time.sleep(6)
    css.stop_record_task(task_id=task.task_id)
    assert media_emulator.wait_idle(30)
    mp4s = RecordingFile.objects.filter(room=room, format=FileFormat.MP4)
    wait_for(mp4s.exists, what="the MP4's callback")
    recording = mp4s.get()
    media = media_emulator.state.media[recording.file_id]
    path = media_emulator.app.vod.root / media_emulator.config.vod_app_id / media.file_id / media.paths[0]
    codes = strip_codes(path, width=480, height=270)
    markers = list(InteractionEvent.objects.filter(room=room).order_by("at"))
    assert len(markers) == 3
    for marker in markers:
        seen = first_seen(codes, page_code(marker.kind, marker.text))
        assert seen is not None, marker.text
        # Where the review timeline puts the marker vs when the page showed it in the file.
        assert abs(seen - offset_in(recording, marker.at)) <= 1.0, (
            marker.text,
            seen,
            offset_in(recording, marker.at),
        )
    car.destroy_session(user_id=ROOM)
