"""Storage priced by class over time (pure): a retention policy in an estimate, class history in a report month,
early deletion, and the expected playback of recorded files. List prices, VOD outside the mainland (STANDARD
0.0009, STANDARD_IA 0.0006, ARCHIVE 0.0003 USD per GB-day; minimums 30 / 90 days), COS Singapore 0.022/GB-month."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from billing.estimator import Estimate, PlanContext, PlannedRecording, estimate
from billing.estimator.classes import Span, Where, policy_spans, spans_cost
from billing.estimator.timeline import DAY_MICROS, micros
from billing.report_storage import PolicyTerms, StoredFile, WholeMonth, as_planned, month_storage
from billing.tests.factories import LIST_PRICES, at, plan, rec, storage_item

VOD = Where("vod", "outside", "singapore")
CONTEXT = PlanContext(car_region="singapore", css_region="AP1", vod_area="outside", cos_region="singapore")
GIB = 1024**3


def test_a_policy_plans_its_classes_until_the_deletion():
    spans = policy_spans(start=at(1), transitions=[(30, "STANDARD_IA"), (60, "ARCHIVE")], keep_days=200)
    assert spans == (
        Span("STANDARD", at(1), at(1) + timedelta(days=30)),
        Span("STANDARD_IA", at(1) + timedelta(days=30), at(1) + timedelta(days=60)),
        Span("ARCHIVE", at(1) + timedelta(days=60), at(1) + timedelta(days=200)),
    )
    assert policy_spans(start=at(1), transitions=[(30, "STANDARD_IA")], keep_days=None)[-1].end is None


def test_leaving_a_class_before_its_minimum_bills_the_remaining_days():
    # 10 days in IA, then deleted: 10 days stored + the 20 left of IA's 30-day minimum, at 0.0006.
    spans = [Span("STANDARD_IA", at(1), at(11))]
    cost = spans_cost(gb=Decimal(2), spans=spans, window=(at(1), at(31)), prices=LIST_PRICES, where=VOD)
    assert cost.storage == {"STANDARD_IA": 2 * 10 * Decimal("0.0006")}
    assert cost.early_deletion == 2 * 20 * Decimal("0.0006")
    # A window that ends before the file leaves bills no early deletion yet.
    early = spans_cost(gb=Decimal(2), spans=spans, window=(at(1), at(5)), prices=LIST_PRICES, where=VOD)
    assert early.early_deletion == 0 and early.total == 2 * 4 * Decimal("0.0006")


def test_an_estimate_prices_the_policys_classes_over_the_retention():
    moved = rec(at(1), 120, push_mbps=6, retention_days=90, transitions=((30, "STANDARD_IA"),))
    item = storage_item(moved)
    assert item.gb == Decimal("5.4")
    assert item.cost == Decimal("5.4") * (30 * Decimal("0.0009") + 60 * Decimal("0.0006"))
    assert "STANDARD_IA after 30 d" in item.note
    # Moved to ARCHIVE after 30 days and deleted at 60: 30 of ARCHIVE's 90 days stored, 60 billed early.
    archived = rec(at(1), 120, push_mbps=6, retention_days=60, transitions=((30, "ARCHIVE"),))
    assert storage_item(archived).cost == Decimal("5.4") * (30 * Decimal("0.0009") + 90 * Decimal("0.0003"))
    assert storage_item(archived).billed_days == 120


def test_kept_forever_prices_the_first_year_and_says_so():
    item = storage_item(rec(at(1), 120, push_mbps=6, retention_days=None))
    assert item.cost == Decimal("5.4") * 365 * Decimal("0.0009")
    assert "kept forever" in item.note


def test_a_policy_must_move_colder_and_before_the_deletion():
    with pytest.raises(ValueError, match="colder"):
        rec(at(1), transitions=((30, "ARCHIVE"), (60, "STANDARD_IA")), retention_days=90)
    with pytest.raises(ValueError, match="before the file is deleted"):
        rec(at(1), transitions=((30, "STANDARD_IA"),), retention_days=30)


def test_expected_playback_is_priced_at_the_traffic_price_of_where_files_are():
    vod = rec(at(1), 60, playback_gb=100)
    cos = rec(at(2), 60, storage="cos", playback_gb=100)
    result = plan_estimate(vod, cos)
    assert [r.playback for r in result.recordings] == [100 * Decimal("0.0748"), 100 * Decimal("0.072")]
    assert (
        result.total
        == result.car.cost
        + result.push.cost
        + result.recording.cost
        + result.storage_cost
        + (Decimal("14.68"))
    )


def plan_estimate(*recordings: PlannedRecording) -> Estimate:
    return estimate(plan(*recordings, vod_area="outside", cos_region="singapore"), LIST_PRICES)


def test_a_report_month_prices_each_day_in_the_class_the_file_was_in():
    # Stored Nov 20 in STANDARD, moved to IA on Dec 11, deleted Dec 21 (10 days into IA's 30-day minimum).
    moved, deleted = micros(at(11)), micros(at(21))
    stored = StoredFile(
        room_id=7,
        storage="vod",
        size_bytes=3 * GIB,
        stored_at=micros(at(20) - timedelta(days=30)),
        deleted_at=deleted,
        changes=((moved, "STANDARD_IA"),),
    )
    kept = StoredFile(room_id=8, storage="cos", size_bytes=GIB, stored_at=micros(at(16)), deleted_at=None)
    result = month_storage(
        [stored, kept],
        origin=micros(at(1)),
        days=31,
        group_of={7: 0, 8: 1},
        prices=LIST_PRICES,
        context=CONTEXT,
    )
    first = 3 * 10 * Decimal("0.0009") + 3 * 10 * Decimal("0.0006") + 3 * 20 * Decimal("0.0006")
    assert result.per_group[0] == first
    assert result.per_group[1] == 16 * Decimal("0.022") / 30  # Dec 16 to the month's end, still stored
    assert sum(result.by_day) == pytest.approx(result.cost)
    # The early deletion falls on Dec 21, beside that day of the COS file.
    assert result.by_day[20] == 3 * 20 * Decimal("0.0006") + Decimal("0.022") / 30
    assert (deleted - micros(at(1))) // DAY_MICROS == 20


def test_the_reports_estimate_plans_each_file_by_its_policy():
    policy = PolicyTerms(keep_days=90, rejected_keep_days=20, transitions=((30, "STANDARD_IA"),))
    stored = StoredFile(room_id=1, storage="vod", size_bytes=GIB, stored_at=micros(at(1)), deleted_at=None)
    planned = as_planned(stored, policy)
    assert planned.changes == ((micros(at(31)), "STANDARD_IA"),)
    assert planned.deleted_at == micros(at(1)) + 90 * DAY_MICROS
    rejected = as_planned(replace(stored, rejected=True), policy)
    assert rejected.changes == () and rejected.deleted_at == micros(at(21))  # the shorter retention first
    assert as_planned(replace(stored, changes=((micros(at(5)), "ARCHIVE"),)), None).changes == ()


def test_a_class_without_a_price_is_named_not_silently_free():
    # The list prices have no COS ARCHIVE price: such a file's archived days count 0 and are named.
    archived = StoredFile(
        room_id=1,
        storage="cos",
        size_bytes=GIB,
        stored_at=micros(at(1)),
        deleted_at=None,
        changes=((micros(at(11)), "ARCHIVE"),),
    )
    result = month_storage(
        [archived], origin=micros(at(1)), days=31, group_of={1: 0}, prices=LIST_PRICES, context=CONTEXT
    )
    assert result.unpriced == ("cos:ARCHIVE",)
    assert result.cost == 10 * Decimal("0.022") / 30  # the ten STANDARD days only


def test_files_summed_by_the_database_price_as_the_same_files_row_by_row():
    rows = [
        StoredFile(
            room_id=room,
            storage=storage,
            size_bytes=size,
            stored_at=micros(at(1)) - DAY_MICROS,
            deleted_at=None,
        )
        for room, storage, size in ((1, "vod", 3 * GIB), (1, "vod", GIB), (2, "cos", 5 * GIB))
    ]
    summed = [WholeMonth(1, "vod", 4 * GIB), WholeMonth(2, "cos", 5 * GIB)]
    common: dict[str, Any] = {
        "origin": micros(at(1)),
        "days": 31,
        "group_of": {1: 0, 2: 1},
        "prices": LIST_PRICES,
        "context": CONTEXT,
    }
    one_by_one, together = month_storage(rows, **common), month_storage([], whole_month=summed, **common)
    assert (together.per_group, together.by_day, together.gb) == (
        one_by_one.per_group,
        one_by_one.by_day,
        one_by_one.gb,
    )


def test_a_file_summed_from_its_first_day_prices_as_its_row():
    row = StoredFile(
        room_id=1, storage="vod", size_bytes=3 * GIB, stored_at=micros(at(5, 6)), deleted_at=None
    )
    summed = WholeMonth(1, "vod", 3 * GIB, first_day=4, head=3 * GIB * 18 * 3600 * 1_000_000)
    common: dict[str, Any] = {
        "origin": micros(at(1)),
        "days": 31,
        "group_of": {1: 0},
        "prices": LIST_PRICES,
        "context": CONTEXT,
    }
    one, together = month_storage([row], **common), month_storage([], whole_month=[summed], **common)
    assert (together.per_group, together.by_day) == (one.per_group, one.by_day)
