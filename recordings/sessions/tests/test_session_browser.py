"""In a browser: an operator starts a recording from the room page, watches the steps go by (htmx polling),
and stops it; a background thread plays the RQ worker."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection

from emulator.testing import RunningEmulator
from recordings.catalog.tests.factories import RoomFactory
from recordings.models import RecordingSession
from recordings.sessions.services.orchestrator import session_advance

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(orch_emulator: RunningEmulator) -> Iterator[None]:
    """Drives every open session a few times a second, like the orchestration queue's workers."""
    stop = threading.Event()

    def run() -> None:
        try:
            while not stop.is_set():
                for pk in RecordingSession.objects.open().values_list("pk", flat=True):
                    session_advance(session_id=pk)
                time.sleep(0.3)
        finally:
            connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join(timeout=10)


def test_operator_starts_watches_and_stops_a_recording(
    page: Any,
    live_server: Any,
    browser_login: Callable[[Any, User], None],
    operator: User,
    orch_emulator: RunningEmulator,
    worker: None,
) -> None:
    room = RoomFactory.create(name="Browser room")
    browser_login(page, operator)
    page.goto(f"{live_server.url}/rooms/{room.pk}/")
    page.fill("#room-recording input[name=duration_minutes]", "15")
    page.click("text=Record now…")
    page.locator("#estimate").wait_for()  # the estimate first; the start is its confirmation
    page.click("text=Start recording now")
    page.wait_for_url(f"{live_server.url}/recordings/*/")
    status = page.locator("#session-status")
    status.locator('[data-state="recording"]').wait_for(timeout=30_000)
    assert status.locator("li.done").count() == 5  # every start step is ticked off
    time.sleep(2)
    page.click("text=Stop recording…")
    page.get_by_role("dialog").get_by_role("button", name="Stop the recording").click()
    status.locator('[data-state="completed"]').wait_for(timeout=30_000)
    # The other sections followed without a reload: the files CSS delivered, the stop's calls.
    outputs = page.locator("#session-outputs")
    outputs.get_by_text("found in VOD/COS").or_(outputs.locator("#session-files")).first.wait_for(
        timeout=10_000
    )
    page.locator("#session-calls").get_by_text("DestroySession").first.wait_for(timeout=10_000)
    session = RecordingSession.objects.get()
    assert session.started_by == operator and session.stop_requested_at is not None
    assert orch_emulator.state.concurrencies == {}
