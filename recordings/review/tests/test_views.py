"""Moderation pages: who sees what, the queue page, the review page, verdict/note/claim posts, statistics, overview."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from recordings.models import Decision, QaFlag, ReviewClaim, ReviewNote, ReviewStatus, ReviewVerdict
from recordings.review.services import review
from recordings.review.services.review import VerdictInput
from recordings.review.tests.support import make_file, make_room

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "status"), [("moderator", 200), ("manager", 200), ("operator", 403), ("anonymous", 302)]
)
def test_queue_review_page_and_stats_are_for_moderators_and_managers(
    client_as: Any, role_user: Any, role: str, status: int
) -> None:
    recording = make_file()
    client = client_as(role_user(role))
    for url in (
        reverse("recordings:review_queue"),
        reverse("recordings:review_file", args=[recording.pk]),
        reverse("recordings:review_stats"),
    ):
        assert client.get(url).status_code == status, url


@pytest.mark.parametrize("role", ["manager", "operator"])
def test_claim_and_next_are_for_moderators_only(client_as: Any, role_user: Any, role: str) -> None:
    recording = make_file()
    client = client_as(role_user(role))
    assert client.post(reverse("recordings:review_claim", args=[recording.pk])).status_code == 403
    assert client.post(reverse("recordings:review_next")).status_code == 403
    assert not ReviewClaim.objects.exists()


def test_queue_lists_pending_files_oldest_first_with_flags_and_claims(client_as: Any, moderator: Any) -> None:
    now = timezone.now()
    room = make_room(name="Main stage")
    old = make_file(room=room, start=now - timedelta(hours=3))
    new = make_file(room=room, start=now - timedelta(hours=1))
    QaFlag.objects.create(file=new, kind="black", start_s=2, end_s=4)
    review.review_claim(file_pk=old.pk, actor=moderator)
    response = client_as(moderator).get(reverse("recordings:review_queue"))
    html = response.content.decode()
    assert html.index(f'data-file="{old.pk}"') < html.index(f'data-file="{new.pk}"')
    assert 'data-flag="black"' in html and "@2.0s" in html
    assert "maya" in html  # who has what


def test_queue_filters_by_flag_and_swaps_only_results_for_htmx(client_as: Any, moderator: Any) -> None:
    flagged, clean = make_file(), make_file()
    QaFlag.objects.create(file=flagged, kind="silence", start_s=0, end_s=3)
    response = client_as(moderator).get(
        reverse("recordings:review_queue"),
        {"flag": "silence"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="results",
    )
    html = response.content.decode()
    assert f'data-file="{flagged.pk}"' in html and f'data-file="{clean.pk}"' not in html
    assert "<html" not in html and "Who has what" not in html


def test_queue_query_count_does_not_grow_with_files(
    client_as: Any, moderator: Any, django_assert_max_num_queries: Any
) -> None:
    for _ in range(15):
        recording = make_file(room=make_room())
        QaFlag.objects.create(file=recording, kind="frozen", start_s=1, end_s=2)
        review.review_claim(file_pk=recording.pk, actor=moderator)
    client = client_as(moderator)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("recordings:review_queue")).status_code == 200


def test_review_page_shows_player_notes_flags_and_history(client_as: Any, moderator: Any) -> None:
    recording = make_file(duration_s=30)
    ReviewNote.objects.create(file=recording, author=moderator, position_s=7.5, text="logo visible")
    QaFlag.objects.create(file=recording, kind="black", start_s=2, end_s=4, detail="2.0 s black")
    review.review_verdict(
        file_pk=recording.pk, verdict=VerdictInput(decision=Decision.APPROVE), actor=moderator
    )
    html = client_as(moderator).get(reverse("recordings:review_file", args=[recording.pk])).content.decode()
    assert "data-review-player" in html and "t=" in html and "sign=" in html  # a signed VOD URL
    assert 'data-seek="7.500000"' in html and "logo visible" in html
    assert 'data-seek="2.000000" data-end="4.000000"' in html
    assert "rev. 1" in html and "js/review.js" in html


def test_manager_sees_the_page_without_verdict_form_unless_escalated(
    client_as: Any, moderator: Any, manager: Any
) -> None:
    recording = make_file()
    url = reverse("recordings:review_file", args=[recording.pk])
    assert "data-verdict-form" not in client_as(manager).get(url).content.decode()
    review.review_verdict(
        file_pk=recording.pk,
        verdict=VerdictInput(decision=Decision.ESCALATE, escalate_to=manager.pk),
        actor=moderator,
    )
    assert "data-verdict-form" in client_as(manager).get(url).content.decode()
    response = client_as(manager).post(
        reverse("recordings:review_verdict", args=[recording.pk]), {"decision": "approve"}
    )
    assert response.status_code == 302
    recording.refresh_from_db()
    assert recording.review_status == ReviewStatus.APPROVED


def test_reject_form_without_reason_is_a_form_error_and_changes_nothing(
    client_as: Any, moderator: Any
) -> None:
    recording = make_file()
    response = client_as(moderator).post(
        reverse("recordings:review_verdict", args=[recording.pk]), {"decision": "reject"}
    )
    assert response.status_code == 400
    assert "Choose a reason" in response.content.decode()
    assert not ReviewVerdict.objects.exists()


def test_reject_with_reason_and_hide(client_as: Any, moderator: Any) -> None:
    recording = make_file()
    response = client_as(moderator).post(
        reverse("recordings:review_verdict", args=[recording.pk]),
        {"decision": "reject", "reason": "copyright", "comment": "music", "hide_from_outputs": "on"},
        follow=True,
    )
    assert "Rejected (revision 1)" in response.content.decode()
    verdict = ReviewVerdict.objects.get()
    assert verdict.hide_from_outputs and verdict.reason is not None and verdict.reason.code == "copyright"


def test_claim_conflict_is_a_message_not_an_error(client_as: Any, moderator: Any) -> None:
    from conftest import make_user
    from dashboard.access import Role

    other = make_user("otto", Role.MODERATOR)
    recording = make_file()
    review.review_claim(file_pk=recording.pk, actor=other)
    response = client_as(moderator).post(reverse("recordings:review_claim", args=[recording.pk]), follow=True)
    assert "otto is reviewing this file" in response.content.decode()


def test_next_claims_and_opens_the_oldest_file(client_as: Any, moderator: Any) -> None:
    now = timezone.now()
    oldest = make_file(start=now - timedelta(hours=2))
    make_file(start=now - timedelta(hours=1))
    response = client_as(moderator).post(reverse("recordings:review_next"))
    assert response["Location"] == reverse("recordings:review_file", args=[oldest.pk])
    assert ReviewClaim.objects.get().file == oldest


def test_note_post_with_htmx_returns_only_the_notes(client_as: Any, moderator: Any) -> None:
    recording = make_file(duration_s=60)
    response = client_as(moderator).post(
        reverse("recordings:review_note_add", args=[recording.pk]),
        {"position_s": "12.5", "text": "crowd noise"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="notes",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="notes">') and "crowd noise" in html
    assert ReviewNote.objects.get().position_s == 12.5

    bad = client_as(moderator).post(
        reverse("recordings:review_note_add", args=[recording.pk]),
        {"position_s": "600", "text": "too late"},
        HTTP_HX_REQUEST="true",
    )
    # Refused (409), with the reason in the notes panel that review.js swaps in like a success.
    assert bad.status_code == 409 and 'data-testid="note-error">The note' in bad.content.decode()
    assert ReviewNote.objects.count() == 1


def test_stats_page_has_the_chart_and_pending_age(client_as: Any, moderator: Any, manager: Any) -> None:
    make_file(discovered_at=timezone.now() - timedelta(hours=2))
    review.review_verdict(
        file_pk=make_file().pk, verdict=VerdictInput(decision=Decision.APPROVE), actor=moderator
    )
    html = client_as(manager).get(reverse("recordings:review_stats")).content.decode()
    assert 'id="review-chart-data"' in html and "vendor/plotly/plotly.min.js" in html
    assert re.search(r'data-testid="pending-oldest">2:00:0\d<', html)  # rendering may take a second


def test_chart_is_a_stack_per_moderator() -> None:
    from datetime import date

    from recordings.review.chart import reviewed_per_day_figure

    rows = [
        {"day": date(2026, 1, 1), "moderator": "a", "total": 3},
        {"day": date(2026, 1, 2), "moderator": "b", "total": 1},
    ]
    figure = reviewed_per_day_figure(rows)
    assert figure["layout"]["barmode"] == "stack"
    assert [(t["name"], t["y"]) for t in figure["data"]] == [("a", [3, 0]), ("b", [0, 1])]


def test_overview_panel_counts_pending_and_my_claims(client_as: Any, moderator: Any, operator: Any) -> None:
    recording = make_file()
    make_file()
    review.review_claim(file_pk=recording.pk, actor=moderator)
    html = client_as(moderator).get("/").content.decode()
    assert 'data-testid="review-pending">2<' in html and 'data-testid="review-mine">1<' in html
    assert "review-pending" not in client_as(operator).get("/").content.decode()


def test_overview_panel_tells_a_manager_what_was_escalated_to_them(
    client_as: Any, moderator: Any, manager: Any
) -> None:
    recording = make_file()
    review.review_verdict(
        file_pk=recording.pk,
        verdict=VerdictInput(decision=Decision.ESCALATE, escalate_to=manager.pk),
        actor=moderator,
    )
    html = client_as(manager).get("/").content.decode()
    assert 'data-testid="review-escalated">1<' in html and "review-mine" not in html


def test_moderator_reruns_the_checks(
    client_as: Any, moderator: Any, django_capture_on_commit_callbacks: Any
) -> None:
    import django_rq

    from recordings.models import CheckState, QaCheck
    from recordings.review import enqueue as review_enqueue

    queue = django_rq.get_queue(review_enqueue.QUEUE)
    queue.empty()
    recording = make_file()
    QaCheck.objects.create(file=recording, state=CheckState.FAILED, error="timeout")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(moderator).post(reverse("recordings:review_checks", args=[recording.pk]))
    assert response.status_code == 302
    check = QaCheck.objects.get(file=recording)
    assert (check.state, check.error) == (CheckState.QUEUED, "")
    assert [job.args for job in queue.get_jobs()] == [(recording.pk,)]
    queue.empty()


def test_manager_cannot_add_notes_to_a_file_not_escalated_to_them(client_as: Any, manager: Any) -> None:
    recording = make_file()
    response = client_as(manager).post(
        reverse("recordings:review_note_add", args=[recording.pk]),
        {"position_s": "1", "text": "hm"},
        HTTP_HX_REQUEST="true",
    )
    assert "may not add notes" in response.content.decode()
    assert "data-note-form" not in response.content.decode()
    assert not ReviewNote.objects.exists()
