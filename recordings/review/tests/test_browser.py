"""In a real browser: a moderator reviews a real video with the keyboard, pins a note that then seeks the player,
jumps to a QA flag from the timeline, and approves."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from recordings.models import FlagKind, QaFlag, ReviewNote, ReviewStatus, ReviewVerdict
from recordings.review.tests.media import make_clip, serve_from_emulator
from recordings.review.tests.support import make_file

VIDEO = "#review-player video"


def current_time(page: Any) -> float:
    return float(page.eval_on_selector(VIDEO, "video => video.currentTime"))


def is_paused(page: Any) -> bool:
    return bool(page.eval_on_selector(VIDEO, "video => video.paused"))


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_moderator_reviews_with_the_keyboard_and_a_note_seeks_the_player(
    page: Any,
    live_server: Any,
    browser_login: Callable[[Any, User], None],
    moderator: User,
    emulator: Any,
    tmp_path: Path,
) -> None:
    clip = make_clip(tmp_path / "review.mp4", seconds=12)
    url = serve_from_emulator(emulator, clip, file_id="5285890000000101")
    recording = make_file(url=url, file_id="5285890000000101", duration_s=12)
    QaFlag.objects.create(file=recording, kind=FlagKind.BLACK, start_s=8, end_s=9, detail="1.0 s black")

    browser_login(page, moderator)
    page.goto(live_server.url + reverse("recordings:review_file", args=[recording.pk]))
    page.keyboard.press("c")  # claim
    page.wait_for_selector("[data-testid=claim]:has-text('maya')")
    page.wait_for_function(f"document.querySelector('{VIDEO}').readyState >= 1")
    page.wait_for_selector("[data-timeline] .review-marker-flag")

    # Play/pause with k (the player may have started by itself: toggle twice from whatever state it is in).
    before = is_paused(page)
    page.keyboard.press("k")
    page.wait_for_function(f"document.querySelector('{VIDEO}').paused === {str(not before).lower()}")
    if not is_paused(page):
        page.keyboard.press("k")
        page.wait_for_function(f"document.querySelector('{VIDEO}').paused")

    # ±5 s with j/l and the arrow keys, clamped at the start.
    page.keyboard.press("j")
    page.keyboard.press("ArrowLeft")
    assert current_time(page) == pytest.approx(0, abs=0.05)
    page.keyboard.press("l")
    page.keyboard.press("ArrowRight")
    assert current_time(page) == pytest.approx(10, abs=0.05)
    page.keyboard.press("j")
    assert current_time(page) == pytest.approx(5, abs=0.05)

    # m pins a note at the current time.
    page.keyboard.press("m")
    assert page.input_value("[data-note-position]") == "5.00"
    page.keyboard.type("logo visible")
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-testid=notes] li[data-kind=note]:has-text('logo visible')")
    note = ReviewNote.objects.get(file=recording)
    assert (note.position_s, note.author) == (5.0, moderator)
    page.wait_for_selector("[data-timeline] .review-marker-note")

    # Back to the start, then clicking the note seeks the player to it.
    page.keyboard.press("j")
    assert current_time(page) == pytest.approx(0, abs=0.05)
    page.click("[data-testid=notes] li[data-kind=note]")
    assert current_time(page) == pytest.approx(5, abs=0.05)
    # The flag's marker on the timeline seeks to the flagged stretch; the bar itself seeks proportionally.
    page.click("[data-timeline] .review-marker-flag")
    assert current_time(page) == pytest.approx(8, abs=0.05)
    box = page.locator("[data-timeline]").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.25, box["y"] + 2)
    assert current_time(page) == pytest.approx(3, abs=0.2)
    page.wait_for_function(f"document.querySelector('{VIDEO}').readyState >= 2")

    # a approves; the page comes back with the verdict in its history.
    page.keyboard.press("a")
    page.wait_for_selector("[data-testid=review-status]:has-text('Approved')")
    assert "Approved" in page.inner_text("[data-testid=history]")
    recording.refresh_from_db()
    assert recording.review_status == ReviewStatus.APPROVED
    assert ReviewVerdict.objects.get(file=recording).moderator == moderator

    # n claims the next file: there is none, so it lands on the queue.
    page.keyboard.press("n")
    page.wait_for_selector("text=Nothing is waiting for review.")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_moderator_rejects_without_the_mouse(
    page: Any,
    live_server: Any,
    browser_login: Callable[[Any, User], None],
    moderator: User,
    emulator: Any,
    tmp_path: Path,
) -> None:
    clip = make_clip(tmp_path / "reject.mp4", seconds=4)
    url = serve_from_emulator(emulator, clip, file_id="5285890000000102")
    recording = make_file(url=url, file_id="5285890000000102", duration_s=4)
    ReviewNote.objects.create(file=recording, author=moderator, position_s=1, text="banner of a sponsor")
    ReviewNote.objects.create(file=recording, author=moderator, position_s=2, text="swearing")

    browser_login(page, moderator)
    page.goto(live_server.url + reverse("recordings:review_file", args=[recording.pk]))
    page.wait_for_selector("[data-review-player][data-review-ready]")
    # The search narrows notes, markers and transcript lines to the matching ones.
    page.fill("[data-review-search]", "sponsor")
    assert page.locator("[data-testid=notes] li:visible").all_inner_texts() == [
        "0:01 banner of a sponsor maya"
    ]
    page.keyboard.press("Escape")
    page.keyboard.press("r")
    assert page.evaluate("document.activeElement.name") == "reason"
    page.keyboard.press("ArrowDown")  # the first reason of the list
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-testid=review-status]:has-text('Rejected')")
    verdict = ReviewVerdict.objects.get(file=recording)
    assert verdict.decision == "reject" and verdict.reason is not None and verdict.reason.code == "technical"
