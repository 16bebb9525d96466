"""The review page's actions with htmx: each answers with the panels it changed (the target, the others out of
band) and never the player; refusals come back in place as a message (409/400), never as a 500. Without htmx
the same posts still redirect with a message."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import make_user
from dashboard.access import Role
from dashboard.models import AuditEntry
from recordings.models import Decision, RecordingFile, ReviewClaim, ReviewStatus, ReviewVerdict
from recordings.review.services import review
from recordings.review.services.review import VERDICT_UNDO_WINDOW, VerdictInput
from recordings.review.tests.support import make_file

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def post(client: Client, name: str, recording: RecordingFile, data: dict[str, str] | None = None) -> Any:
    return client.post(reverse(f"recordings:{name}", args=[recording.pk]), data or {}, headers=HTMX)


def oob_ids(html: str) -> list[str]:
    return re.findall(r'id="([\w-]+)"[^>]*hx-swap-oob=', html)


def no_page_and_no_player(html: str) -> bool:
    return "<html" not in html and "data-review-player" not in html and "<video" not in html


def test_claim_updates_the_claim_panel_and_says_so(client_as: Any, moderator: Any) -> None:
    recording = make_file()
    response = post(client_as(moderator), "review_claim", recording)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="review-claim"') and "Claimed by maya" in html
    assert "Release" in html and 'data-shortcut-form="c"' not in html
    assert oob_ids(html) == ["review-feedback"] and "Claimed until" in html
    assert no_page_and_no_player(html)
    assert ReviewClaim.objects.get(file=recording).moderator == moderator

    released = post(client_as(moderator), "review_release", recording)
    assert released.status_code == 200 and 'data-shortcut-form="c"' in released.content.decode()
    assert "Released" in released.content.decode()
    assert not ReviewClaim.objects.exists()

    # Without htmx: the plain forms redirect as before (claim back to the page, release to the queue).
    client = client_as(moderator)
    claimed = client.post(reverse("recordings:review_claim", args=[recording.pk]))
    assert claimed.status_code == 302 and claimed["Location"] == reverse(
        "recordings:review_file", args=[recording.pk]
    )
    plain = client.post(reverse("recordings:review_release", args=[recording.pk]))
    assert plain.status_code == 302 and plain["Location"] == reverse("recordings:review_queue")


def test_a_claim_held_by_someone_else_is_a_message_in_place(client_as: Any, moderator: Any) -> None:
    other = make_user("otto", Role.MODERATOR)
    recording = make_file()
    review.review_claim(file_pk=recording.pk, actor=other)
    response = post(client_as(moderator), "review_claim", recording)
    html = response.content.decode()
    assert response.status_code == 409
    assert "Claimed by otto" in html and 'data-shortcut-form="c"' not in html  # the panel shows who has it
    assert re.search(r'role="alert"[^>]*>\s*<span>otto is reviewing this file', html)
    assert ReviewClaim.objects.get(file=recording).moderator == other


def test_approve_updates_verdict_status_history_claim_and_offers_the_undo(
    client_as: Any, moderator: Any
) -> None:
    recording = make_file()
    review.review_claim(file_pk=recording.pk, actor=moderator)
    response = post(
        client_as(moderator), "review_verdict", recording, {"decision": "approve", "revision": "0"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="review-verdict"')
    assert oob_ids(html) == ["review-status", "review-claim", "review-history", "review-feedback"]
    assert re.search(r'id="review-status"[^>]*>Approved<', html)
    assert "rev. 1" in html and "Claimed by" not in html
    assert 'name="revision" value="1"' in html  # the next verdict is a revision of this one
    assert re.search(r'data-undo-form data-undo-ms="\d+"', html) and "Approved (revision 1)." in html
    assert no_page_and_no_player(html)
    recording.refresh_from_db()
    assert recording.review_status == ReviewStatus.APPROVED


def test_a_verdict_on_a_stale_page_is_refused_in_place_keeping_the_input(
    client_as: Any, moderator: Any
) -> None:
    other = make_user("otto", Role.MODERATOR)
    recording = make_file()
    review.review_verdict(file_pk=recording.pk, verdict=VerdictInput(decision=Decision.APPROVE), actor=other)
    response = post(
        client_as(moderator),
        "review_verdict",
        recording,
        {"decision": "reject", "reason": "privacy", "comment": "a face", "revision": "0"},
    )
    html = response.content.decode()
    assert response.status_code == 409
    assert "The verdict changed while you were reviewing: otto made it approved (revision 1)" in html
    assert "rev. 1" in html and "otto" in html  # the history shows what changed
    assert 'name="revision" value="1"' in html and "a face</textarea>" in html
    assert ReviewVerdict.objects.filter(file=recording).count() == 1


def test_an_invalid_verdict_is_a_form_error_in_place(client_as: Any, moderator: Any) -> None:
    recording = make_file()
    response = post(
        client_as(moderator), "review_verdict", recording, {"decision": "reject", "revision": "0"}
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert html.lstrip().startswith('<div id="review-verdict"') and "Choose a reason" in html
    assert no_page_and_no_player(html)
    assert not ReviewVerdict.objects.exists()


def test_undo_in_place_restores_pending_and_the_claim(client_as: Any, moderator: Any) -> None:
    recording = make_file()
    client = client_as(moderator)
    post(client, "review_verdict", recording, {"decision": "approve", "revision": "0"})
    response = post(client, "review_undo", recording, {"revision": "1"})
    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'id="review-status"[^>]*>Pending<', html)
    assert "No verdict yet" in html and "Claimed by maya" in html and "data-undo-form" not in html
    assert "Undone: the file is pending again." in html and 'name="revision" value="0"' in html
    recording.refresh_from_db()
    assert recording.review_status == ReviewStatus.PENDING
    assert AuditEntry.objects.filter(action="review.undo", actor=moderator).count() == 1

    again = post(client, "review_undo", recording, {"revision": "1"})
    assert again.status_code == 409 and "Nothing to undo" in again.content.decode()
    assert post(client, "review_undo", recording, {"revision": "x"}).status_code == 400


def test_undo_after_the_window_is_refused_in_place(client_as: Any, moderator: Any) -> None:
    recording = make_file()
    decided = timezone.now() - VERDICT_UNDO_WINDOW - timedelta(seconds=1)
    review.review_verdict(
        file_pk=recording.pk, verdict=VerdictInput(decision=Decision.APPROVE), actor=moderator, now=decided
    )
    response = post(client_as(moderator), "review_undo", recording, {"revision": "1"})
    assert response.status_code == 409 and "Too late to undo" in response.content.decode()
    recording.refresh_from_db()
    assert recording.review_status == ReviewStatus.APPROVED


def test_without_htmx_the_page_offers_the_undo_and_the_post_redirects(client_as: Any, moderator: Any) -> None:
    recording = make_file()
    client = client_as(moderator)
    url = reverse("recordings:review_file", args=[recording.pk])
    response = client.post(reverse("recordings:review_verdict", args=[recording.pk]), {"decision": "approve"})
    assert response.status_code == 302 and response["Location"] == url
    page = client.get(url).content.decode()
    assert "Approved (revision 1)." in page and "data-undo-form" in page  # a plain form: works without JS
    undone = client.post(
        reverse("recordings:review_undo", args=[recording.pk]), {"revision": "1"}, follow=True
    )
    assert "Undone: the file is pending again." in undone.content.decode()
    recording.refresh_from_db()
    assert recording.review_status == ReviewStatus.PENDING

    # Once the window has passed, the page no longer offers it.
    ReviewVerdict.objects.all().delete()
    review.review_verdict(
        file_pk=recording.pk,
        verdict=VerdictInput(decision=Decision.APPROVE),
        actor=moderator,
        now=timezone.now() - VERDICT_UNDO_WINDOW,
    )
    assert "data-undo-form" not in client.get(url).content.decode()


def test_note_renews_the_claim_shown_out_of_band(client_as: Any, moderator: Any) -> None:
    recording = make_file(duration_s=60)
    review.review_claim(file_pk=recording.pk, actor=moderator, now=timezone.now() - timedelta(minutes=20))
    response = post(client_as(moderator), "review_note_add", recording, {"position_s": "3", "text": "logo"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="notes">') and oob_ids(html) == ["review-claim"]
    claim = ReviewClaim.objects.get(file=recording)
    assert claim.expires_at > timezone.now() + timedelta(minutes=29)
    assert f"until {timezone.localtime(claim.expires_at):%H:%M}" in html
