"""In Chromium, at desktop and phone widths: the session page follows the recording section by section without a
reload and stops polling at the end; Stop asks first (dialog by mouse and keyboard, a page without JavaScript);
the room page's button leads to the estimate, and only its confirmation starts a recording."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User

from billing.tests.conftest import list_price_book  # noqa: F401 (a fixture: transactional tests flush it)
from recordings.catalog.tests.factories import RoomFactory
from recordings.models import RecordingSession, Room
from recordings.sessions.tests.session_page_support import S, files_arrive, goes_live, starting_session, stops

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"desktop": {"width": 1360, "height": 900}, "phone": {"width": 390, "height": 844}}
SECTION_TIMEOUT_MS = 10_000  # the page polls every 2 s
ELAPSED = re.compile(r"^0:\d\d$")  # a recording live for seconds


@pytest.fixture(params=sorted(WIDTHS))
def sized_page(request: pytest.FixtureRequest, browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport=WIDTHS[request.param])
    context.set_default_timeout(30_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def room(db: None) -> Room:
    return RoomFactory.create(name="Browser stage")


def test_every_section_follows_the_recording_then_polling_stops(
    sized_page: Any, live_server: Any, browser_login: Callable[[Any, User], None], operator: User, room: Room
) -> None:
    from playwright.sync_api import expect

    page = sized_page
    session = starting_session(room)
    browser_login(page, operator)
    page.goto(f"{live_server.url}/recordings/{session.pk}/")
    expect(page.locator("[data-progress-note]")).to_contain_text("is starting")
    expect(page.locator("#session-outputs")).to_contain_text("No record task yet")

    goes_live(session)
    expect(page.locator('#session-status [data-state="recording"]')).to_be_visible(timeout=SECTION_TIMEOUT_MS)
    expect(page.locator("#session-outputs")).to_contain_text("task-live-1", timeout=SECTION_TIMEOUT_MS)
    expect(page.locator("#session-timeline")).to_contain_text(
        "The stream is live.", timeout=SECTION_TIMEOUT_MS
    )
    expect(page.locator("#session-calls")).to_contain_text("CreateRecordTask", timeout=SECTION_TIMEOUT_MS)
    expect(page.locator("[data-progress-note]")).to_have_count(0)  # the "is starting" banner is gone

    stops(session)
    file = files_arrive(session)
    expect(page.locator('#session-status [data-state="completed"]')).to_be_visible(timeout=SECTION_TIMEOUT_MS)
    expect(page.locator(f'#session-files a[href="/files/{file.pk}/"]')).to_be_visible(
        timeout=SECTION_TIMEOUT_MS
    )
    expect(page.locator("#session-outputs")).not_to_contain_text("No files yet")
    expect(page.locator("#session-calls")).to_contain_text("DestroySession", timeout=SECTION_TIMEOUT_MS)
    expect(page.locator("main")).not_to_contain_text("is starting")
    expect(page.locator("main")).not_to_contain_text("is stopping")

    polls: list[str] = []
    page.on("request", lambda req: polls.append(req.url) if "?v=" in req.url else None)
    page.wait_for_timeout(4_500)  # two poll periods (and Playwright delivers its events meanwhile)
    assert polls == [], "the page still polls a finished recording"


def test_stop_asks_first_by_mouse_and_keyboard(
    sized_page: Any, live_server: Any, browser_login: Callable[[Any, User], None], operator: User, room: Room
) -> None:
    from playwright.sync_api import expect

    page = sized_page
    session = starting_session(room)
    goes_live(session)
    browser_login(page, operator)
    page.goto(f"{live_server.url}/recordings/{session.pk}/")

    page.get_by_role("link", name="Stop recording…").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Stop recording Browser stage?")
    expect(dialog.locator("[data-elapsed]")).to_have_text(ELAPSED)
    expect(dialog).to_contain_text("What was recorded so far is kept")
    assert_inside_viewport(page, dialog)
    RecordingSession.objects.filter(pk=session.pk).update(last_error="CSS answered slowly.")
    expect(page.locator("#session-status")).to_contain_text(
        "CSS answered slowly.", timeout=SECTION_TIMEOUT_MS
    )
    expect(dialog).to_be_visible()  # a poll swapped the status under it: the dialog stays
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    assert RecordingSession.objects.get().state == S.RECORDING
    # The <dialog>'s close event (which gives the focus back) is a task queued after Escape closed it: wait for it.
    expect(page.locator(":focus")).to_have_text("Stop recording…")

    page.keyboard.press("Enter")  # the focus went back to the link: the keyboard opens it again
    expect(dialog).to_be_visible()
    assert page.evaluate("document.activeElement.textContent").strip() == "Keep recording"
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.textContent").strip() == "Stop the recording"
    page.keyboard.press("Enter")
    expect(page.locator('#session-status [data-state="stopping"]')).to_be_visible()
    session.refresh_from_db()
    assert session.state == S.STOPPING and session.stop_requested_at is not None


def test_stop_from_the_room_and_live_pages_asks_first_and_works_without_javascript(
    browser: Any, live_server: Any, browser_login: Callable[[Any, User], None], operator: User, room: Room
) -> None:
    from playwright.sync_api import expect

    session = starting_session(room)
    goes_live(session)
    context = browser.new_context(viewport=WIDTHS["phone"])
    page = context.new_page()
    browser_login(page, operator)
    for path in (f"/rooms/{room.pk}/", f"/live/sessions/{session.pk}/"):
        page.goto(f"{live_server.url}{path}")
        page.get_by_role("link", name="Stop recording…").click()
        expect(page.get_by_role("dialog")).to_contain_text("Stop recording Browser stage?")
        page.get_by_role("dialog").get_by_role("link", name="Keep recording").click()
        expect(page.get_by_role("dialog")).to_have_count(0)
    assert RecordingSession.objects.get().state == S.RECORDING
    context.close()

    plain = browser.new_context(viewport=WIDTHS["desktop"], java_script_enabled=False)
    page = plain.new_page()
    browser_login(page, operator)
    page.goto(f"{live_server.url}/rooms/{room.pk}/")
    page.get_by_role("link", name="Stop recording…").click()
    page.wait_for_url(f"{live_server.url}/recordings/{session.pk}/stop/")
    expect(page.locator("main")).to_contain_text("Stop recording Browser stage?")
    assert RecordingSession.objects.get().state == S.RECORDING
    page.get_by_role("button", name="Stop the recording").click()
    page.wait_for_url(f"{live_server.url}/recordings/{session.pk}/")
    assert RecordingSession.objects.get().state == S.STOPPING
    plain.close()


@pytest.mark.usefixtures("list_price_book")
def test_the_room_button_shows_the_estimate_before_anything_starts(
    sized_page: Any, live_server: Any, browser_login: Callable[[Any, User], None], operator: User, room: Room
) -> None:
    from playwright.sync_api import expect

    page = sized_page
    browser_login(page, operator)
    page.goto(f"{live_server.url}/rooms/{room.pk}/")
    page.fill("#room-recording input[name=duration_minutes]", "45")
    page.get_by_role("button", name="Record now…").click()
    page.wait_for_url(f"{live_server.url}/rooms/{room.pk}/record/?duration_minutes=45")
    assert RecordingSession.objects.count() == 0
    estimate = page.locator("#estimate")
    expect(estimate).to_contain_text("Estimate for 45 minutes")
    expect(estimate).to_contain_text("Month total")
    expect(estimate).to_contain_text("peak recording channels")
    expect(estimate).to_contain_text("Push rule")
    start = page.get_by_role("button", name="Start recording now")
    estimate_box, start_box = estimate.bounding_box(), start.bounding_box()
    assert estimate_box is not None and start_box is not None
    # Read first: left of the button on a desktop, above it on a phone.
    assert estimate_box["y"] + estimate_box["height"] <= start_box["y"] or estimate_box["x"] < start_box["x"]

    page.fill("#id_duration_minutes", "30")
    expect(estimate).to_contain_text("Estimate for 30 minutes")
    start.dblclick()  # a double click starts one recording (the form's idempotency key)
    page.wait_for_url(f"{live_server.url}/recordings/*/")
    session = RecordingSession.objects.get()
    assert session.planned_end - session.planned_start == timedelta(minutes=30)
    assert session.started_by == operator


def assert_inside_viewport(page: Any, locator: Any) -> None:
    box = locator.bounding_box()
    width = page.viewport_size["width"]
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
