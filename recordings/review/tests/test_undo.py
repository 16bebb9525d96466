"""Taking a verdict back: within `VERDICT_UNDO_WINDOW` its author restores the state before it (audited); later, or
by anyone else, it is refused. And a verdict given on a stale page (someone decided meanwhile) is refused."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from conftest import make_user
from dashboard.access import Role
from dashboard.models import AuditEntry
from recordings.models import Decision, ReviewClaim, ReviewStatus, ReviewVerdict
from recordings.review.services import review
from recordings.review.services.review import VERDICT_UNDO_WINDOW, ReviewError, VerdictInput
from recordings.review.tests.support import make_file

pytestmark = pytest.mark.django_db

APPROVE = VerdictInput(decision=Decision.APPROVE)


def test_undo_within_the_window_restores_the_pending_file_and_is_audited(moderator: Any) -> None:
    now = timezone.now()
    recording = make_file()
    review.review_claim(file_pk=recording.pk, actor=moderator, now=now)
    verdict = review.review_verdict(file_pk=recording.pk, verdict=APPROVE, actor=moderator, now=now)
    offer = review.verdict_undo_offer(recording, moderator, now + timedelta(seconds=1))
    assert offer is not None and offer.verdict == verdict and offer.remaining_ms == 4000

    restored = review.review_verdict_undo(
        file_pk=recording.pk,
        revision=1,
        actor=moderator,
        now=now + VERDICT_UNDO_WINDOW - timedelta(seconds=1),
    )

    assert restored is None
    recording.refresh_from_db()
    assert recording.review_status == ReviewStatus.PENDING
    assert not ReviewVerdict.objects.filter(file=recording).exists()
    assert ReviewClaim.objects.get(file=recording).moderator == moderator, "still the one reviewing it"
    entry = AuditEntry.objects.get(action="review.undo")
    assert entry.actor == moderator and entry.object_id == str(recording.pk)
    assert entry.changes == {
        "undone_revision": 1,
        "decision": "approve",
        "review_status": ["approved", "pending"],
        "current_revision": 0,
    }
    # The undone verdict is still on record, in the audit log.
    assert AuditEntry.objects.filter(action="review.verdict", object_id=str(recording.pk)).exists()


def test_undoing_a_revision_makes_the_one_before_current_again(moderator: Any) -> None:
    recording = make_file()
    review.review_verdict(file_pk=recording.pk, verdict=APPROVE, actor=moderator)
    review.review_verdict(
        file_pk=recording.pk,
        verdict=VerdictInput(decision=Decision.REJECT, reason_code="privacy", hide_from_outputs=True),
        actor=moderator,
    )
    restored = review.review_verdict_undo(file_pk=recording.pk, revision=2, actor=moderator)
    assert restored is not None and restored.revision == 1
    recording.refresh_from_db()
    assert recording.review_status == ReviewStatus.APPROVED
    rows = list(
        ReviewVerdict.objects.filter(file=recording).values_list("revision", "decision", "is_current")
    )
    assert rows == [(1, "approve", True)]
    assert not ReviewClaim.objects.exists(), "an approved file is not claimed"
    # The next verdict takes the freed revision number.
    again = review.review_verdict(file_pk=recording.pk, verdict=APPROVE, actor=moderator)
    assert again.revision == 2


def test_undo_after_the_window_is_refused_and_changes_nothing(moderator: Any) -> None:
    now = timezone.now()
    recording = make_file()
    review.review_verdict(file_pk=recording.pk, verdict=APPROVE, actor=moderator, now=now)
    late = now + VERDICT_UNDO_WINDOW + timedelta(milliseconds=1)
    assert review.verdict_undo_offer(recording, moderator, late) is None
    with pytest.raises(ReviewError, match="Too late to undo"):
        review.review_verdict_undo(file_pk=recording.pk, revision=1, actor=moderator, now=late)
    recording.refresh_from_db()
    assert recording.review_status == ReviewStatus.APPROVED
    assert ReviewVerdict.objects.get(file=recording).is_current
    assert not AuditEntry.objects.filter(action="review.undo").exists()


def test_only_the_author_undoes_and_only_the_current_revision(moderator: Any) -> None:
    other = make_user("otto", Role.MODERATOR)
    recording = make_file()
    review.review_verdict(file_pk=recording.pk, verdict=APPROVE, actor=moderator)
    assert review.verdict_undo_offer(recording, other) is None
    with pytest.raises(ReviewError, match="Only the moderator who gave"):
        review.review_verdict_undo(file_pk=recording.pk, revision=1, actor=other)
    review.review_verdict(file_pk=recording.pk, verdict=APPROVE, actor=other)
    with pytest.raises(ReviewError, match="changed meanwhile"):
        review.review_verdict_undo(file_pk=recording.pk, revision=1, actor=moderator)
    assert ReviewVerdict.objects.filter(file=recording).count() == 2


def test_a_verdict_on_a_stale_page_is_refused(moderator: Any) -> None:
    other = make_user("otto", Role.MODERATOR)
    recording = make_file()
    review.review_verdict(file_pk=recording.pk, verdict=APPROVE, actor=other)
    stale = VerdictInput(decision=Decision.REJECT, reason_code="privacy", expected_revision=0)
    with pytest.raises(ReviewError, match=r"otto made it approved \(revision 1\)"):
        review.review_verdict(file_pk=recording.pk, verdict=stale, actor=moderator)
    assert ReviewVerdict.objects.filter(file=recording).count() == 1
    fresh = VerdictInput(decision=Decision.REJECT, reason_code="privacy", expected_revision=1)
    assert review.review_verdict(file_pk=recording.pk, verdict=fresh, actor=moderator).revision == 2
