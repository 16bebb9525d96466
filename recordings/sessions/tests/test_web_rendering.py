"""The demo's bridges to its own emulator (recordings/emulator_bridge.py): a WEB app's session history says why the
emulator pushes its test picture; interaction events posted for a room reach the sample page's event channel; and
against any other endpoint neither bridge does anything."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import override_settings

from emulator.testing import RunningEmulator
from recordings.catalog.tests.factories import RoomFactory, WebAppFactory
from recordings.emulator_bridge import rendering_note
from recordings.models import Room
from recordings.review.services.review import InteractionInput, interactions_add
from recordings.sessions.lifecycle import SessionState, Step
from recordings.sessions.services.sessions import session_start_now
from recordings.sessions.tests.orchestration_support import drive

pytestmark = pytest.mark.django_db


@pytest.fixture
def web_room(orch_emulator: RunningEmulator) -> Room:
    app = WebAppFactory.create(
        url=f"{orch_emulator.base_url}/_emulator/apps/live-room/",
        launch_parameters="--url-args=room={room_key}",
        target_resolution="320x180",
        frame_rate=10,
    )
    orch_emulator.app.car.applications.register(
        {"project_id": app.car_project_id, "kind": "WEB", "url": app.url, "resolution": "320x180"}
    )
    return RoomFactory.create(client_app=app, room_key="live-77")


def test_the_history_says_why_the_emulator_pushes_its_test_picture(
    orch_emulator: RunningEmulator, web_room: Room, operator: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    import emulator.webrender as webrender

    real_which = webrender.shutil.which
    monkeypatch.setattr(webrender.shutil, "which", lambda name: None if name == "Xvfb" else real_which(name))
    session, _ = session_start_now(room=web_room, actor=operator, duration_minutes=30)
    drive(session, until={SessionState.RECORDING})
    notes = list(session.transitions.filter(step=Step.PUSH).values_list("reason", flat=True))
    assert (
        "The emulator pushes its test picture instead of the WEB app's page: Xvfb is not installed." in notes
    )


def test_an_apk_session_gets_no_rendering_note(orch_emulator: RunningEmulator, operator: User) -> None:
    room = RoomFactory.create()
    session, _ = session_start_now(room=room, actor=operator, duration_minutes=30)
    drive(session, until={SessionState.RECORDING})
    assert not session.transitions.filter(reason__contains="test picture").exists()


def test_the_notes_name_a_fallback_or_a_silent_page_and_nothing_else() -> None:
    assert rendering_note("test picture") == ""
    assert rendering_note("rendered page http://x/; sound: the page's sound (PulseAudio null sink)") == ""
    assert rendering_note("rendered page http://x/; sound: silence (PulseAudio is not installed)") == (
        "The emulator renders the WEB app's page without its sound: PulseAudio is not installed."
    )


def test_posted_interactions_reach_the_sample_pages_channel(
    orch_emulator: RunningEmulator,
    web_room: Room,
    operator: User,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    at = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    events = [
        InteractionInput(at=at, kind="bullet_comment", text="What a goal!", external_id="e-1"),
        InteractionInput(at=at + timedelta(seconds=1), kind="gift", text="a rocket"),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        interactions_add(events=events, actor=operator, room=web_room)
    with django_capture_on_commit_callbacks(execute=True):  # a retried POST: nothing new is forwarded
        interactions_add(events=events[:1], actor=operator, room=web_room)
    channel = orch_emulator.app.channels.after("live-77", 0)
    assert [(e["kind"], e["text"], e["at_ms"]) for e in channel["events"]] == [
        ("bullet_comment", "What a goal!", int(at.timestamp() * 1000)),
        ("gift", "a rocket", int(at.timestamp() * 1000) + 1000),
    ]


def test_against_another_endpoint_nothing_is_forwarded(
    orch_emulator: RunningEmulator,
    web_room: Room,
    operator: User,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    elsewhere = override_settings(TENCENT_API_ENDPOINT="car.tencentcloudapi.com")
    with elsewhere, django_capture_on_commit_callbacks(execute=True):
        interactions_add(
            events=[InteractionInput(at=datetime.now(UTC), kind="gift")], actor=operator, room=web_room
        )
    assert orch_emulator.app.channels.after("live-77", 0)["events"] == []
