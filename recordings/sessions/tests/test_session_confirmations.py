"""The operator's day on the recording pages: every section of a session's page follows the recording (one
cheap poll, stopping at the end), a stop is confirmed first, and a start from the UI shows the estimate first."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from recordings.catalog.tests.factories import RoomFactory
from recordings.models import RecordingSession, Room
from recordings.sessions.tests.session_page_support import (
    S,
    files_arrive,
    goes_live,
    poll_url,
    starting_session,
    stops,
)
from tencent.models import ApiCall

pytestmark = pytest.mark.django_db


@pytest.fixture
def room(db: None) -> Room:
    return RoomFactory.create(name="Main stage")


def poll(client: Client, url: str) -> Any:
    return client.get(url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="session-poll")


def oob(html: str, section: str) -> str:
    """The out-of-band content a poll answer carries for `section` ("" when it carries none)."""
    parts = html.split('<div hx-swap-oob="innerHTML:#session-')
    return next((part for part in parts[1:] if part.startswith(f'{section}">')), "")


def test_every_section_follows_the_recording_and_the_poll_stops_at_the_end(
    client_as: Callable[[User | None], Client], operator: User, room: Room, django_assert_max_num_queries: Any
) -> None:
    client = client_as(operator)
    session = starting_session(room)
    page = client.get(f"/recordings/{session.pk}/").content.decode()
    assert "is starting" in page and "No record task yet" in page and "No files yet" in page
    url = poll_url(page)
    assert url is not None

    assert poll(client, url).status_code == 204  # nothing changed: nothing sent, nothing swapped

    goes_live(session)
    with django_assert_max_num_queries(12):  # 10 today: auth 3, the session, its 6 sections
        answer = poll(client, url)
    text = answer.content.decode()
    assert answer.status_code == 200 and "<html" not in text
    assert 'data-state="recording"' in oob(text, "status") and "is starting" not in oob(text, "status")
    assert "task-live-1" in oob(text, "outputs")
    assert "The stream is live." in oob(text, "timeline")
    assert "CreateRecordTask" in oob(text, "calls")
    url = poll_url(text)
    assert url is not None and poll(client, url).status_code == 204

    stops(session)
    text = poll(client, url).content.decode()
    assert "waiting for its files" in oob(text, "status") and "DestroySession" in oob(text, "calls")
    url = poll_url(text)
    assert url is not None

    files_arrive(session)
    text = poll(client, url).content.decode()
    assert 'data-state="completed"' in oob(text, "status") and "waiting for its files" not in text
    outputs = oob(text, "outputs")
    assert 'id="session-files"' in outputs and "No files yet" not in outputs
    assert "Recording files are in." in oob(text, "timeline")
    assert poll_url(text) is None  # final: the poller comes back without its trigger


def test_a_poll_sends_only_the_sections_that_changed(
    client_as: Callable[[User | None], Client], operator: User, room: Room
) -> None:
    client = client_as(operator)
    session = starting_session(room)
    url = poll_url(client.get(f"/recordings/{session.pk}/").content.decode())
    assert url is not None
    ApiCall.objects.create(service="car", action="CreateSession", outcome="ok", session_id=session.pk)
    text = poll(client, url).content.decode()
    assert "CreateSession" in oob(text, "calls")
    assert not oob(text, "status") and not oob(text, "timeline") and not oob(text, "outputs")
    garbled = poll(client, f"/recordings/{session.pk}/?v=not-a-version")
    assert garbled.status_code == 200 and oob(garbled.content.decode(), "status")


def test_a_finished_recording_does_not_poll(
    client_as: Callable[[User | None], Client], operator: User, room: Room
) -> None:
    session = starting_session(room)
    goes_live(session)
    stops(session)
    files_arrive(session)
    page = client_as(operator).get(f"/recordings/{session.pk}/").content.decode()
    assert poll_url(page) is None and 'hx-trigger="every' not in page
    assert "is starting" not in page and "is stopping" not in page and 'id="session-files"' in page


def test_the_messages_after_start_and_stop_stay_true(
    client_as: Callable[[User | None], Client], operator: User, room: Room
) -> None:
    client = client_as(operator)
    started = client.post(
        f"/rooms/{room.pk}/record/", {"duration_minutes": 30, "estimated_minutes": 30}, follow=True
    ).content.decode()
    session = RecordingSession.objects.get()
    assert f"You started recording #{session.pk} of Main stage." in started
    RecordingSession.objects.filter(pk=session.pk).update(state=S.RECORDING)
    stopped = client.post(f"/recordings/{session.pk}/stop/", follow=True).content.decode()
    assert f"You stopped recording #{session.pk} of Main stage." in stopped
    assert "is starting" not in stopped.split('id="session-status"')[0]  # no stale banner above the status


# --- stop: confirmed first ------------------------------------------------------------------------------------


def test_stop_asks_first_saying_what_happens_the_room_and_the_time(
    client_as: Callable[[User | None], Client], operator: User, room: Room
) -> None:
    client = client_as(operator)
    session = starting_session(room)
    goes_live(session)
    page = client.get(f"/recordings/{session.pk}/stop/")
    text = page.content.decode()
    assert page.status_code == 200 and "<html" in text
    assert "Stop recording Main stage?" in text and re.search(
        r"recording for <b data-elapsed>0:0\d</b>", text
    )
    assert "files appear under Files" in text and f'action="/recordings/{session.pk}/stop/"' in text
    session.refresh_from_db()
    assert session.state == S.RECORDING  # asking changed nothing
    fragment = client.get(f"/recordings/{session.pk}/stop/", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment and 'id="confirm-title"' in fragment and "data-dialog-close" in fragment
    assert client.post(f"/recordings/{session.pk}/stop/").status_code == 302
    session.refresh_from_db()
    assert session.state == S.STOPPING
    again = client.get(f"/recordings/{session.pk}/stop/").content.decode()
    assert "nothing to stop" in again and "Stop the recording" not in again


def test_cancel_of_a_scheduled_recording_is_asked_too(
    client_as: Callable[[User | None], Client], operator: User, moderator: User, room: Room
) -> None:
    from recordings.sessions.tests.test_session_pages import make_session

    session = make_session(room)
    text = client_as(operator).get(f"/recordings/{session.pk}/stop/").content.decode()
    assert "Cancel the recording of Main stage?" in text and "Cancelled, it will not start." in text
    assert client_as(moderator).get(f"/recordings/{session.pk}/stop/").status_code == 403


def test_every_stop_button_leads_to_the_confirmation(
    client_as: Callable[[User | None], Client], operator: User, room: Room
) -> None:
    client = client_as(operator)
    session = starting_session(room)
    goes_live(session)
    pages = {
        "session": client.get(f"/recordings/{session.pk}/").content.decode(),
        "room": client.get(f"/rooms/{room.pk}/").content.decode(),
        "live": client.get(f"/live/sessions/{session.pk}/").content.decode(),
    }
    stop_url = f"/recordings/{session.pk}/stop/"
    for name, text in pages.items():
        assert f'href="{stop_url}" data-confirm-dialog' in text, name
        assert f'action="{stop_url}"' not in text and f'hx-post="{stop_url}"' not in text, name
        assert "js/recording.js" in text, name


# --- start: the estimate first --------------------------------------------------------------------------------


def test_the_room_page_leads_to_the_estimate_and_starts_nothing(
    client_as: Callable[[User | None], Client], operator: User, room: Room
) -> None:
    client = client_as(operator)
    page = client.get(f"/rooms/{room.pk}/").content.decode()
    form = re.search(
        r'<form method="(\w+)" action="([^"]+)"[^>]*>(.*?)</form>', page.split('id="room-recording"')[1], re.S
    )
    assert form is not None and form.group(1) == "get" and form.group(2) == f"/rooms/{room.pk}/record/"
    assert "csrfmiddlewaretoken" not in form.group(3) and "Record now…" in form.group(3)
    estimate = client.get(f"/rooms/{room.pk}/record/", {"duration_minutes": "25"}).content.decode()
    assert "Estimate for 25 minutes" in estimate and 'name="duration_minutes" value="25"' in estimate
    assert 'name="estimated_minutes" value="25" form="start-form"' in estimate
    assert estimate.index('id="estimate"') < estimate.index("Start recording now")  # first on a phone too
    assert RecordingSession.objects.count() == 0


def test_a_start_without_its_estimate_shows_the_estimate_instead(
    client_as: Callable[[User | None], Client], operator: User, room: Room
) -> None:
    client = client_as(operator)
    unseen = client.post(f"/rooms/{room.pk}/record/", {"duration_minutes": 40})  # e.g. a stale room page
    assert unseen.status_code == 200 and "Check the estimate for 40 minutes" in unseen.content.decode()
    changed = client.post(f"/rooms/{room.pk}/record/", {"duration_minutes": 90, "estimated_minutes": 30})
    text = changed.content.decode()
    assert changed.status_code == 200 and "Estimate for 90 minutes" in text
    assert 'name="estimated_minutes" value="90"' in text and RecordingSession.objects.count() == 0
    confirmed = client.post(f"/rooms/{room.pk}/record/", {"duration_minutes": 90, "estimated_minutes": 90})
    assert confirmed.status_code == 302 and RecordingSession.objects.count() == 1
