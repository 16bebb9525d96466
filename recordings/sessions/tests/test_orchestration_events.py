"""CSS event 341 (abnormal recording) is a health event like 321: stored once, applied, linked to the session."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from recordings.media.tests.support import CALLBACK_KEY, at, make_room, make_session, post_callback
from recordings.models import CallbackState, CssCallbackEvent, PushAnomaly

# The documented body (document/product/267/68622), with our stream.
RECORDING_ANOMALY = {
    "event_type": 341,
    "appid": 1250000000,
    "stream_id": "test_stream-r1",
    "session_id": "rec-session-1",
    "file_format": "MP4",
    "timestamp": 1545115900,
    "exception_level": "warning",
    "exception": {"type": -9, "occurs": 3, "desc": "The video timestamp changes greatly."},
}


@pytest.fixture(autouse=True)
def callback_key(settings: Any) -> None:
    settings.CSS_CALLBACK_KEY = CALLBACK_KEY


@pytest.mark.django_db
def test_recording_anomaly_is_applied_like_the_other_health_events(client: Client) -> None:
    session = make_session(make_room(), stream_name="test_stream-r1", start=at(1545115000))

    assert post_callback(client, RECORDING_ANOMALY).status_code == 200
    post_callback(client, RECORDING_ANOMALY)  # Tencent's retry: applied once

    event = CssCallbackEvent.objects.get()
    assert event.state == CallbackState.PROCESSED
    anomaly = PushAnomaly.objects.get()
    assert (anomaly.anomaly_type, anomaly.count, anomaly.session) == (-9, 3, session)
    assert anomaly.occurred_at == at(1545115900)
    assert anomaly.details == [
        {
            "desc": "The video timestamp changes greatly.",
            "level": "warning",
            "file_format": "MP4",
            "record_session": "rec-session-1",
        }
    ]
