"""In a real browser, at desktop and phone width: claiming, a note and verdicts (button and `a` key) update the
page in place — the <video> element is the very same one and its position is where it was — and a verdict can be
undone for a few seconds (button or `u`), after which it stands. Refusals show in place as messages."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from conftest import make_user
from dashboard.access import Role
from dashboard.models import AuditEntry
from recordings.models import Decision, RecordingFile, ReviewNote, ReviewStatus, ReviewVerdict
from recordings.review.services import review
from recordings.review.services.review import VerdictInput
from recordings.review.tests.media import make_clip, serve_from_emulator
from recordings.review.tests.support import make_file

VIDEO = "#review-player video"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1360, "height": 900}


class Player:
    """Watches the page's <video>: marked with a JS property, so a reload (or a replaced element) loses the mark."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.navigations: list[str] = []
        page.on("framenavigated", lambda frame: self.navigations.append(frame.url))
        page.eval_on_selector(VIDEO, "video => { video.reviewTestMark = 'kept'; }")
        self.position = self.current_time()

    def current_time(self) -> float:
        return float(self.page.eval_on_selector(VIDEO, "video => video.currentTime"))

    def assert_kept(self) -> None:
        assert self.page.eval_on_selector(VIDEO, "video => video.reviewTestMark") == "kept", (
            "the player was replaced"
        )
        assert self.current_time() == pytest.approx(self.position, abs=0.01), "the playback position moved"
        assert not self.navigations, "the page was reloaded"


def open_review(page: Any, live_server: Any, recording: RecordingFile) -> Player:
    page.goto(live_server.url + reverse("recordings:review_file", args=[recording.pk]))
    page.wait_for_selector("[data-review-player][data-review-ready]")
    page.wait_for_function(f"document.querySelector('{VIDEO}').readyState >= 2")
    # Play to some position, then pause there so "not reset" is exact.
    page.eval_on_selector(VIDEO, "video => { video.muted = true; return video.play(); }")
    page.wait_for_function(f"document.querySelector('{VIDEO}').currentTime > 1.5")
    page.eval_on_selector(VIDEO, "video => video.pause()")
    return Player(page)


def playable_file(emulator: Any, tmp_path: Path, file_id: str) -> RecordingFile:
    clip = make_clip(tmp_path / f"{file_id}.mp4", seconds=12)
    return make_file(url=serve_from_emulator(emulator, clip, file_id=file_id), file_id=file_id, duration_s=12)


def fits_the_viewport(page: Any, selector: str) -> bool:
    return bool(
        page.eval_on_selector(
            selector,
            """element => {
              const box = element.getBoundingClientRect();
              return box.left >= 0 && box.right <= window.innerWidth && box.bottom <= window.innerHeight
                && document.documentElement.scrollWidth <= window.innerWidth;
            }""",
        )
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_claim_note_and_verdicts_update_in_place_and_a_verdict_can_be_undone(
    viewport: dict[str, int],
    page: Any,
    live_server: Any,
    browser_login: Callable[[Any, User], None],
    moderator: User,
    emulator: Any,
    tmp_path: Path,
) -> None:
    page.set_viewport_size(viewport)
    recording = playable_file(emulator, tmp_path, "5285890000000111")
    browser_login(page, moderator)
    player = open_review(page, live_server, recording)

    page.click("#review-claim button:has-text('Claim')")
    page.wait_for_selector("[data-testid=claim]:has-text('maya')")
    page.wait_for_selector("[data-testid=review-feedback]:has-text('Claimed until')")
    player.assert_kept()

    # The note takes the playback position; its marker appears on the timeline.
    page.fill("[data-note-text]", "logo visible")
    page.press("[data-note-text]", "Enter")
    page.wait_for_selector("[data-testid=notes] li[data-kind=note]:has-text('logo visible')")
    page.wait_for_selector("[data-timeline] .review-marker-note")
    assert ReviewNote.objects.get(file=recording).position_s == pytest.approx(player.position, abs=0.01)
    player.assert_kept()

    # Approve with the button: status, history and claim change in place, with an undo for a few seconds.
    page.click("[data-verdict-form] button[value=approve]")
    page.wait_for_selector("[data-testid=review-status]:has-text('Approved')")
    page.wait_for_selector("[data-testid=undo]:has-text('Approved (revision 1)')")
    assert "Approved" in page.inner_text("[data-testid=history]")
    assert page.locator("[data-testid=claim]").count() == 0
    assert fits_the_viewport(page, "[data-testid=undo]")
    player.assert_kept()
    page.click("[data-testid=undo] button")
    page.wait_for_selector("[data-testid=review-status]:has-text('Pending')")
    page.wait_for_selector("[data-testid=review-feedback]:has-text('Undone: the file is pending again.')")
    page.wait_for_selector("[data-testid=claim]:has-text('maya')")
    assert page.locator("[data-testid=undo]").count() == 0
    assert not ReviewVerdict.objects.filter(file=recording).exists()
    player.assert_kept()

    # The `a` key approves at once; `u` undoes it.
    page.keyboard.press("a")
    page.wait_for_selector("[data-testid=review-status]:has-text('Approved')")
    page.wait_for_selector("[data-testid=undo]")
    player.assert_kept()
    page.keyboard.press("u")
    page.wait_for_selector("[data-testid=review-status]:has-text('Pending')")
    player.assert_kept()
    recording.refresh_from_db()
    assert recording.review_status == ReviewStatus.PENDING
    assert AuditEntry.objects.filter(action="review.undo", object_id=str(recording.pk)).count() == 2

    # Approved again and left alone: the undo goes away by itself and the verdict stands.
    page.keyboard.press("a")
    page.wait_for_selector("[data-testid=undo]")
    page.wait_for_selector("[data-testid=undo]", state="detached", timeout=8000)
    page.keyboard.press("u")  # nothing to undo any more
    page.wait_for_timeout(300)
    assert page.inner_text("[data-testid=review-status]") == "Approved"
    recording.refresh_from_db()
    assert recording.review_status == ReviewStatus.APPROVED
    assert list(ReviewVerdict.objects.filter(file=recording).values_list("revision", "decision")) == [
        (1, "approve")
    ]
    player.assert_kept()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_refusals_show_in_place(
    viewport: dict[str, int],
    page: Any,
    live_server: Any,
    browser_login: Callable[[Any, User], None],
    moderator: User,
    emulator: Any,
    tmp_path: Path,
) -> None:
    page.set_viewport_size(viewport)
    other = make_user("otto", Role.MODERATOR)
    recording = playable_file(emulator, tmp_path, "5285890000000112")
    browser_login(page, moderator)
    player = open_review(page, live_server, recording)

    review.review_claim(file_pk=recording.pk, actor=other)  # meanwhile, in another browser
    page.keyboard.press("c")
    page.wait_for_selector("[role=alert]:has-text('otto is reviewing this file')")
    page.wait_for_selector("[data-testid=claim]:has-text('otto')")
    assert fits_the_viewport(page, "#review-feedback [role=alert]")
    player.assert_kept()

    review.review_verdict(file_pk=recording.pk, verdict=VerdictInput(decision=Decision.APPROVE), actor=other)
    page.keyboard.press("a")
    page.wait_for_selector("[role=alert]:has-text('The verdict changed while you were reviewing')")
    page.wait_for_selector("[data-testid=history]:has-text('otto')")
    assert page.inner_text("[data-testid=review-status]") == "Approved"
    assert page.locator("text=The request failed").count() == 0  # not the generic error of a failed request
    assert ReviewVerdict.objects.filter(file=recording).count() == 1
    page.click("#review-feedback [data-dismiss]")
    assert page.locator("#review-feedback [role=alert]").count() == 0
    player.assert_kept()
