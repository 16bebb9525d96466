"""The moderation workflow: claims and their expiry, verdicts, revisions, escalation, notes, permissions, audit."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import IntegrityError
from django.utils import timezone

from conftest import make_user
from dashboard.access import Role
from dashboard.models import AuditEntry
from recordings.models import (
    Decision,
    RejectReason,
    ReviewClaim,
    ReviewNote,
    ReviewStatus,
    ReviewVerdict,
    files_visible_to,
)
from recordings.review.models import CLAIM_TTL
from recordings.review.services import review
from recordings.review.services.review import ReviewError, VerdictInput
from recordings.review.tests.support import make_file, make_room

pytestmark = pytest.mark.django_db

APPROVE = VerdictInput(decision=Decision.APPROVE)


def reject(code: str = "technical", **kwargs: Any) -> VerdictInput:
    return VerdictInput(decision=Decision.REJECT, reason_code=code, **kwargs)


def test_reject_reasons_are_seeded_in_order() -> None:
    codes = list(RejectReason.objects.active().values_list("code", flat=True))
    assert codes[0] == "technical" and codes[-1] == "other" and len(codes) == 7


def test_every_new_file_is_pending() -> None:
    assert make_file().review_status == ReviewStatus.PENDING


def test_claim_blocks_other_moderators_until_it_expires(moderator: Any) -> None:
    other = make_user("otto", Role.MODERATOR)
    recording = make_file()
    now = timezone.now()
    claim = review.review_claim(file_pk=recording.pk, actor=moderator, now=now)
    assert claim.expires_at == now + CLAIM_TTL

    with pytest.raises(ReviewError, match="maya is reviewing this file"):
        review.review_claim(file_pk=recording.pk, actor=other, now=now + CLAIM_TTL - timedelta(seconds=1))
    with pytest.raises(ReviewError, match="maya is reviewing"):
        review.review_verdict(
            file_pk=recording.pk, verdict=APPROVE, actor=other, now=now + timedelta(minutes=1)
        )

    taken = review.review_claim(file_pk=recording.pk, actor=other, now=now + CLAIM_TTL + timedelta(seconds=1))
    assert taken.moderator == other
    assert ReviewClaim.objects.count() == 1


def test_renewing_own_claim_extends_it(moderator: Any) -> None:
    recording = make_file()
    now = timezone.now()
    review.review_claim(file_pk=recording.pk, actor=moderator, now=now)
    renewed = review.review_claim(file_pk=recording.pk, actor=moderator, now=now + timedelta(minutes=10))
    assert renewed.expires_at == now + timedelta(minutes=10) + CLAIM_TTL
    actions = list(AuditEntry.objects.filter(object_id=str(recording.pk)).values_list("action", flat=True))
    assert sorted(actions) == ["review.claim", "review.claim_renew"]


def test_release_frees_the_file(moderator: Any) -> None:
    recording = make_file()
    review.review_claim(file_pk=recording.pk, actor=moderator)
    review.review_release(file_pk=recording.pk, actor=moderator)
    assert not ReviewClaim.objects.exists()


def test_claim_next_takes_the_oldest_free_file_and_skips_claimed_ones(moderator: Any) -> None:
    other = make_user("otto", Role.MODERATOR)
    now = timezone.now()
    oldest = make_file(start=now - timedelta(hours=3))
    middle = make_file(start=now - timedelta(hours=2))
    newest = make_file(start=now - timedelta(hours=1))
    review.review_claim(file_pk=oldest.pk, actor=other, now=now)

    assert review.review_claim_next(actor=moderator, now=now) == middle
    # The moderator's own claim comes back first on the next "next".
    assert review.review_claim_next(actor=moderator, now=now) == middle
    review.review_verdict(file_pk=middle.pk, verdict=APPROVE, actor=moderator, now=now)
    assert review.review_claim_next(actor=moderator, now=now) == newest
    review.review_verdict(file_pk=newest.pk, verdict=APPROVE, actor=moderator, now=now)
    assert review.review_claim_next(actor=moderator, now=now) is None
    # Once the other moderator's claim lapses, their file is up for grabs.
    assert review.review_claim_next(actor=moderator, now=now + CLAIM_TTL + timedelta(seconds=1)) == oldest


def test_approve_then_revise_to_reject_keeps_history(moderator: Any) -> None:
    recording = make_file()
    review.review_claim(file_pk=recording.pk, actor=moderator)
    first = review.review_verdict(file_pk=recording.pk, verdict=APPROVE, actor=moderator)
    recording.refresh_from_db()
    assert recording.review_status == ReviewStatus.APPROVED
    assert not ReviewClaim.objects.exists(), "a verdict releases the claim"

    second = review.review_verdict(
        file_pk=recording.pk, verdict=reject("privacy", comment=" face of a bystander "), actor=moderator
    )
    recording.refresh_from_db()
    assert recording.review_status == ReviewStatus.REJECTED
    assert (first.revision, second.revision) == (1, 2)
    rows = list(ReviewVerdict.objects.filter(file=recording).order_by("revision"))
    assert [(v.decision, v.is_current) for v in rows] == [("approve", False), ("reject", True)]
    assert rows[1].reason is not None and rows[1].reason.code == "privacy"
    assert rows[1].comment == "face of a bystander"
    entries = AuditEntry.objects.filter(action__in=["review.verdict", "review.revise"]).order_by("id")
    assert [e.action for e in entries] == ["review.verdict", "review.revise"]
    assert entries[1].changes["review_status"] == ["approved", "rejected"]


def test_reject_needs_an_active_reason(moderator: Any) -> None:
    recording = make_file()
    with pytest.raises(ReviewError, match="reason"):
        review.review_verdict(file_pk=recording.pk, verdict=reject(""), actor=moderator)
    RejectReason.objects.filter(code="other").update(is_active=False)
    with pytest.raises(ReviewError, match="reason"):
        review.review_verdict(file_pk=recording.pk, verdict=reject("other"), actor=moderator)
    recording.refresh_from_db()
    assert recording.review_status == ReviewStatus.PENDING
    assert not ReviewVerdict.objects.exists()


def test_database_refuses_two_current_verdicts(moderator: Any) -> None:
    recording = make_file()
    review.review_verdict(file_pk=recording.pk, verdict=APPROVE, actor=moderator)
    with pytest.raises(IntegrityError):
        ReviewVerdict.objects.create(
            file=recording, revision=2, decision="approve", moderator=moderator, decided_at=timezone.now()
        )


def test_escalation_to_a_manager_lets_only_that_manager_decide(moderator: Any, manager: Any) -> None:
    other = make_user("otto", Role.MODERATOR)
    recording = make_file()
    review.review_claim(file_pk=recording.pk, actor=moderator)
    escalation = VerdictInput(decision=Decision.ESCALATE, escalate_to=manager.pk, comment="brand safety?")
    review.review_verdict(file_pk=recording.pk, verdict=escalation, actor=moderator)
    recording.refresh_from_db()
    assert recording.review_status == ReviewStatus.PENDING
    assert not ReviewClaim.objects.exists()

    with pytest.raises(ReviewError, match="escalated to mark"):
        review.review_claim(file_pk=recording.pk, actor=other)
    with pytest.raises(ReviewError, match="escalated to mark"):
        review.review_verdict(file_pk=recording.pk, verdict=APPROVE, actor=other)
    assert review.may_decide(manager, recording)

    verdict = review.review_verdict(file_pk=recording.pk, verdict=reject("inappropriate"), actor=manager)
    assert verdict.revision == 2 and verdict.moderator == manager
    recording.refresh_from_db()
    assert recording.review_status == ReviewStatus.REJECTED


def test_escalation_targets_are_moderators_and_managers_only(moderator: Any, operator: Any) -> None:
    recording = make_file()
    with pytest.raises(ReviewError, match="moderator or manager"):
        review.review_verdict(
            file_pk=recording.pk,
            verdict=VerdictInput(decision=Decision.ESCALATE, escalate_to=operator.pk),
            actor=moderator,
        )
    with pytest.raises(ReviewError, match="someone else"):
        review.review_verdict(
            file_pk=recording.pk,
            verdict=VerdictInput(decision=Decision.ESCALATE, escalate_to=moderator.pk),
            actor=moderator,
        )


@pytest.mark.parametrize("role", ["operator", "manager"])
def test_only_moderators_claim_and_decide(role_user: Any, role: str) -> None:
    user = role_user(role)
    recording = make_file()
    with pytest.raises(ReviewError):
        review.review_claim(file_pk=recording.pk, actor=user)
    with pytest.raises(ReviewError, match="may not"):
        review.review_verdict(file_pk=recording.pk, verdict=APPROVE, actor=user)
    with pytest.raises(ReviewError, match="may not"):
        review.review_note_add(file_pk=recording.pk, position_s=1, text="x", actor=user)


def test_deleted_and_decided_files_cannot_be_claimed(moderator: Any) -> None:
    gone = make_file(deleted_at=timezone.now())
    with pytest.raises(ReviewError, match="deleted"):
        review.review_claim(file_pk=gone.pk, actor=moderator)
    done = make_file()
    review.review_verdict(file_pk=done.pk, verdict=APPROVE, actor=moderator)
    with pytest.raises(ReviewError, match="already approved"):
        review.review_claim(file_pk=done.pk, actor=moderator)


def test_notes_are_pinned_to_a_time_inside_the_file_and_renew_the_claim(moderator: Any) -> None:
    recording = make_file(duration_s=60)
    now = timezone.now()
    review.review_claim(file_pk=recording.pk, actor=moderator, now=now)
    later = now + timedelta(minutes=20)
    note = review.review_note_add(
        file_pk=recording.pk, position_s=12.345, text=" logo ", actor=moderator, now=later
    )
    assert (note.position_s, note.text) == (12.35, "logo")
    assert ReviewClaim.objects.get().expires_at == later + CLAIM_TTL
    with pytest.raises(ReviewError, match="outside"):
        review.review_note_add(file_pk=recording.pk, position_s=120, text="late", actor=moderator)
    with pytest.raises(ReviewError, match="Write"):
        review.review_note_add(file_pk=recording.pk, position_s=3, text="  ", actor=moderator)
    assert ReviewNote.objects.count() == 1
    assert AuditEntry.objects.filter(action="review.note").count() == 1


def test_hidden_rejections_are_invisible_to_operators_only(
    moderator: Any, manager: Any, operator: Any
) -> None:
    shown = make_file()
    hidden = make_file()
    rejected_visible = make_file()
    review.review_verdict(file_pk=hidden.pk, verdict=reject(hide_from_outputs=True), actor=moderator)
    review.review_verdict(
        file_pk=rejected_visible.pk, verdict=reject(hide_from_outputs=False), actor=moderator
    )
    assert set(files_visible_to(operator)) == {shown, rejected_visible}
    assert set(files_visible_to(manager)) == {shown, hidden, rejected_visible}
    assert set(files_visible_to(moderator)) == {shown, hidden, rejected_visible}
    # Approving it on revision makes it visible again.
    review.review_verdict(file_pk=hidden.pk, verdict=APPROVE, actor=moderator)
    assert hidden in set(files_visible_to(operator))


def test_queue_filters_and_order(moderator: Any) -> None:
    now = timezone.now()
    sports = make_room(tags="sports")
    other = make_room()
    a = make_file(room=sports, start=now - timedelta(hours=5))
    b = make_file(room=other, start=now - timedelta(hours=4))
    c = make_file(room=sports, start=now - timedelta(hours=3))
    make_file(room=sports, deleted_at=now)
    decided = make_file(room=sports)
    review.review_verdict(file_pk=decided.pk, verdict=APPROVE, actor=moderator)
    review.review_claim(file_pk=c.pk, actor=moderator, now=now)

    queue = review.queue_files()
    assert list(queue) == [a, b, c]
    assert list(queue.with_room_tag("sports")) == [a, c]
    assert list(queue.unclaimed(now)) == [a, b]
    assert list(queue.claimed_by(moderator, now)) == [c]


def test_pending_age_oldest_and_median() -> None:
    now = timezone.now()
    for hours in (1, 2, 10):
        make_file(discovered_at=now - timedelta(hours=hours))
    age = review.pending_age(now=now)
    assert age.count == 3
    assert age.oldest == timedelta(hours=10)
    assert age.median == timedelta(hours=2)
    make_file(discovered_at=now - timedelta(hours=4))
    assert review.pending_age(now=now).median == timedelta(hours=3)


def test_reviewed_per_day_counts_each_moderator(moderator: Any) -> None:
    other = make_user("otto", Role.MODERATOR)
    today = timezone.localdate()
    for _ in range(2):
        review.review_verdict(file_pk=make_file().pk, verdict=APPROVE, actor=moderator)
    review.review_verdict(file_pk=make_file().pk, verdict=reject(), actor=other)
    rows = review.reviewed_per_day(since=today - timedelta(days=1))
    assert [(r["moderator"], r["total"], r["approved"], r["rejected"]) for r in rows] == [
        ("maya", 2, 2, 0),
        ("otto", 1, 0, 1),
    ]


@pytest.mark.django_db(transaction=True)
def test_two_moderators_claiming_at_once_get_one_claim() -> None:
    import threading

    from django.db import connection

    first, second = make_user("ann", Role.MODERATOR), make_user("ben", Role.MODERATOR)
    recording = make_file()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def claim(user: Any) -> None:
        try:
            barrier.wait(timeout=10)
            review.review_claim(file_pk=recording.pk, actor=user)
            outcomes.append("claimed")
        except ReviewError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(user,)) for user in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["claimed", "refused"]
    assert ReviewClaim.objects.count() == 1
