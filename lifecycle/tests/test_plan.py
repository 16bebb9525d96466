"""What a retention policy wants for a file at a given moment (lifecycle.plan.wanted)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from lifecycle.models import RetentionPolicy
from lifecycle.plan import wanted

END = datetime(2026, 1, 1, tzinfo=UTC)


def policy(**days: int | None) -> RetentionPolicy:
    return RetentionPolicy(**days)


def at(days: float) -> datetime:
    return END + timedelta(days=days)


def test_no_policy_keeps_everything_as_it_is() -> None:
    want = wanted(
        policy=None, recorded_end=END, rejected=False, held=False, current_class="STANDARD_IA", now=at(900)
    )
    assert (want.storage_class, want.expire_at, want.delete_now) == ("STANDARD_IA", None, False)


def test_keep_days_sets_the_expiry_and_deletes_when_due() -> None:
    rule = policy(keep_days=30)
    before = wanted(
        policy=rule, recorded_end=END, rejected=False, held=False, current_class="STANDARD", now=at(29)
    )
    assert (before.expire_at, before.delete_now) == (at(30), False)
    due = wanted(
        policy=rule, recorded_end=END, rejected=False, held=False, current_class="STANDARD", now=at(30)
    )
    assert due.delete_now
    forever = wanted(
        policy=policy(keep_days=None),
        recorded_end=END,
        rejected=False,
        held=False,
        current_class="STANDARD",
        now=at(9999),
    )
    assert (forever.expire_at, forever.delete_now) == (None, False)


def test_rejected_files_may_go_sooner_never_later() -> None:
    rule = policy(keep_days=30, rejected_keep_days=7)
    assert wanted(
        policy=rule, recorded_end=END, rejected=True, held=False, current_class="STANDARD", now=at(1)
    ).expire_at == at(7)
    longer = policy(keep_days=30, rejected_keep_days=90)
    assert wanted(
        policy=longer, recorded_end=END, rejected=True, held=False, current_class="STANDARD", now=at(1)
    ).expire_at == at(30)
    only_rejected = policy(rejected_keep_days=7)
    assert (
        wanted(
            policy=only_rejected,
            recorded_end=END,
            rejected=False,
            held=False,
            current_class="STANDARD",
            now=at(1),
        ).expire_at
        is None
    )


def test_transitions_happen_in_order_and_only_colder() -> None:
    rule = policy(standard_ia_after_days=30, archive_after_days=90, deep_archive_after_days=180)

    def cls(days: float, current: str = "STANDARD") -> str:
        return wanted(
            policy=rule, recorded_end=END, rejected=False, held=False, current_class=current, now=at(days)
        ).storage_class

    assert [cls(10), cls(30), cls(100), cls(200)] == ["STANDARD", "STANDARD_IA", "ARCHIVE", "DEEP_ARCHIVE"]
    # Out of ARCHIVE Tencent moves only to STANDARD (a paid retrieval): a policy never asks for it.
    assert cls(200, current="ARCHIVE") == "ARCHIVE"
    assert cls(10, current="STANDARD_IA") == "STANDARD_IA"  # never warmer than the file is


def test_a_held_file_keeps_no_expiry_and_stays_playable() -> None:
    rule = policy(keep_days=60, standard_ia_after_days=30, archive_after_days=40)
    want = wanted(
        policy=rule, recorded_end=END, rejected=False, held=True, current_class="STANDARD", now=at(100)
    )
    assert (want.storage_class, want.expire_at, want.delete_now) == ("STANDARD_IA", None, False)
