"""Worked examples for every pricing rule, computed by hand from pricing.md."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from billing.estimator import EstimateInput, PlannedRecording, Prices, PricesError, estimate
from billing.estimator.car import CarResult, cheapest_monthly_packs, pack_cost
from billing.estimator.output import as_dict, cents
from billing.estimator.prices import PackPrice
from billing.estimator.push import push_decision, tiered_cost
from billing.list_prices import LIST_PRICES_2024
from billing.tests.factories import DECEMBER, LIST_PRICES, at, plan, rec, storage_item

SG_S = LIST_PRICES.car_packs["singapore"]["S"]
AP1 = LIST_PRICES.css_tiers["AP1"]


# --- CAR packs -------------------------------------------------------------------------------------------


def test_nine_days_of_one_session_buy_daily_packs_ten_days_a_monthly_pack():
    assert cheapest_monthly_packs([1] * 9 + [0] * 22, SG_S) == 0  # 9 x 40 = 360 < 398
    assert cheapest_monthly_packs([1] * 10 + [0] * 21, SG_S) == 1  # 10 x 40 = 400 > 398


def test_mixed_peaks_take_one_monthly_pack_and_daily_packs_on_top():
    peaks = [2] * 5 + [1] * 20 + [0] * 6
    assert pack_cost(peaks, 0, SG_S) == 1200
    assert pack_cost(peaks, 1, SG_S) == 398 + 5 * 40
    assert pack_cost(peaks, 2, SG_S) == 796
    assert cheapest_monthly_packs(peaks, SG_S) == 1


def test_tie_prefers_fewer_monthly_packs():
    assert cheapest_monthly_packs([1] * 10, PackPrice(Decimal(400), Decimal(40))) == 0


def test_recording_across_midnight_utc8_needs_a_pack_on_both_days():
    result = car_of(rec(at(3, 23), 120))
    assert result.specs[0].day_peaks[2:4] == (1, 1)
    assert result.daily_packs == 2 and result.cost == 80


def test_midnight_is_utc8_not_utc():
    # 15:30-16:30 UTC is 23:30-00:30 in UTC+8: two billing days although it is one UTC day.
    start = datetime(2026, 12, 5, 15, 30, tzinfo=UTC)
    result = car_of(PlannedRecording(start=start, duration=timedelta(hours=1)))
    assert result.daily_packs == 2


def test_back_to_back_sessions_do_not_overlap_but_overlapping_ones_do():
    back_to_back = car_of(rec(at(1, 10), 60), rec(at(1, 11), 60))
    overlapping = car_of(rec(at(1, 10), 61), rec(at(1, 11), 60))
    assert back_to_back.specs[0].day_peaks[0] == 1
    assert overlapping.specs[0].day_peaks[0] == 2


def test_specs_are_packed_separately_and_cost_is_shared_by_session_hours():
    recordings = [rec(at(1, 10), 60), rec(at(1, 12), 180), rec(at(2, 10), 60, spec="L")]
    result = car_of(*recordings)
    assert [s.spec for s in result.specs] == ["S", "L"]
    assert result.cost == 40 + 105
    assert result.per_group == (Decimal(10), Decimal(30), Decimal(105))


def test_car_region_prices_apply():
    result = estimate(plan(rec(at(1, 10)), car_region="seoul"), LIST_PRICES)
    assert result.car.cost == 46


def test_recordings_outside_the_month_cost_nothing():
    november = rec(at(30, 10, month=date(2026, 11, 1)))
    result = estimate(plan(november), LIST_PRICES)
    assert result.total == 0
    assert result.recordings[0].storage is None


def car_of(*recordings: PlannedRecording) -> CarResult:
    """The CAR component of a December plan in Singapore."""
    return estimate(plan(*recordings), LIST_PRICES).car


# --- Push rule and playback tiers --------------------------------------------------------------------------


def test_documented_example_9_gb_down_1_gb_up_ap1_101_mbps_costs_0_748():
    billed, reason = push_decision(Decimal(9), Decimal(1), Decimal(101), Decimal(10), Decimal(100))
    assert billed and reason.startswith("billed")
    assert tiered_cost(Decimal(0), Decimal(10), AP1) == Decimal("0.748")


def test_documented_example_through_the_estimator():
    # 100 Mbps for 72 s = 0.9 GB plus 1 Mbps for 800 s = 0.1 GB overlapping it: 1 GB up, 101 Mbps peak.
    first = rec(at(1, 12), 1.2, push_mbps=100)
    second = rec(at(1, 11, 59), 800 / 60, push_mbps=1)
    result = estimate(plan(first, second, downstream_gb_per_day=Decimal(9)), LIST_PRICES)
    day = result.push.days[0]
    assert day.upstream_gb == 1 and day.peak_upstream_mbps == 101 and day.ratio == 9
    assert day.billed
    assert day.cost + day.playback_cost == Decimal("0.748")
    assert not any(d.billed for d in result.push.days[1:])
    assert result.push.per_group == (
        Decimal("0.0748") * Decimal("0.9"),
        Decimal("0.0748") * Decimal("0.1"),
    )


@pytest.mark.parametrize(
    ("down", "up", "peak", "billed", "why"),
    [
        (Decimal(9), Decimal(1), Decimal(100), False, "peak 100 Mbps ≤ 100 Mbps"),
        (Decimal(10), Decimal(1), Decimal(500), False, "ratio 10.00 : 1 ≥ 10 : 1"),
        (Decimal(0), Decimal(1), Decimal(101), True, "ratio 0.00 : 1 < 10 : 1"),
        (Decimal(9), Decimal(0), Decimal(0), False, "no upstream"),
    ],
)
def test_push_rule_boundaries_are_strict(down, up, peak, billed, why):
    decided, reason = push_decision(down, up, peak, Decimal(10), Decimal(100))
    assert decided is billed
    assert why in reason


def test_peak_is_the_busiest_instant_not_the_day_sum():
    # 13 pushes at 8 Mbps never overlap: the peak stays 8 Mbps however much the day pushes.
    sequential = [rec(at(2, h), 60) for h in range(13)]
    parallel = [rec(at(2, 10), 60) for _ in range(13)]
    seq_day = estimate(plan(*sequential), LIST_PRICES).push.days[1]
    par_day = estimate(plan(*parallel), LIST_PRICES).push.days[1]
    assert seq_day.peak_upstream_mbps == 8 and not seq_day.billed
    assert par_day.peak_upstream_mbps == 104 and par_day.billed
    assert seq_day.upstream_gb == par_day.upstream_gb == Decimal("46.8")
    assert par_day.cost == Decimal("46.8") * Decimal("0.0748")


def test_a_push_across_midnight_pays_its_share_of_both_billed_days():
    # 13 x 8 Mbps from 23:00 to 01:00 peak at 104 Mbps on both days: both billed, each push pays 1/13.
    result = estimate(plan(*[rec(at(2, 23), 120) for _ in range(13)]), LIST_PRICES)
    assert [d.billed for d in result.push.days[1:3]] == [True, True]
    assert result.push.cost == 2 * Decimal("46.8") * Decimal("0.0748")  # 46.8 GB each day
    assert [r.push for r in result.recordings] == [result.push.cost / 13] * 13


def test_tiers_are_progressive_by_the_months_cumulative_traffic():
    assert tiered_cost(Decimal(1999), Decimal(2), AP1) == Decimal("0.0748") + Decimal("0.0699")
    assert tiered_cost(Decimal(0), Decimal(2000), AP1) == Decimal(2000) * Decimal("0.0748")
    huge = tiered_cost(Decimal(0), Decimal(2_000_000), AP1)
    assert huge == (
        2000 * Decimal("0.0748")
        + 48_000 * Decimal("0.0699")
        + 50_000 * Decimal("0.0585")
        + 900_000 * Decimal("0.0504")
        + 1_000_000 * Decimal("0.0455")
    )


def test_playback_is_priced_by_the_month_total_and_separately_from_push():
    result = estimate(plan(downstream_gb_per_day=Decimal(100), css_region="mainland"), LIST_PRICES)
    # 31 x 100 GB = 3100 GB: 2000 at 0.0423, 1100 at 0.0407.
    assert result.playback_cost == 2000 * Decimal("0.0423") + 1100 * Decimal("0.0407")
    assert result.push.cost == 0


# --- Recording fee -----------------------------------------------------------------------------------------


def test_recording_fee_uses_peak_channels_prorated_by_days_with_recording():
    recordings = [rec(at(1, 10), 120, formats=("mp4", "hls")), rec(at(1, 11), 120), rec(at(5, 10), 60)]
    result = estimate(plan(*recordings), LIST_PRICES)
    assert result.recording.peak_channels == 3
    assert result.recording.days_with_recording == 2
    assert result.recording.channel_fee == 3 * Decimal(2) / Decimal(31) * Decimal("5.2941")
    # Shares by channel-minutes: 240, 120, 60.
    fee = result.recording.channel_fee
    shares = [fee * 240 / 420, fee * 120 / 420, fee * 60 / 420]
    assert [r.recording_fee for r in result.recordings] == pytest.approx(shares, rel=Decimal("1e-25"))


def test_recording_to_cos_adds_the_per_minute_fee_per_format():
    result = estimate(plan(rec(at(1, 10), 120, formats=("mp4", "hls"), storage="cos")), LIST_PRICES)
    assert result.recording.cos_fee == 240 * Decimal("0.000096")
    assert result.recording.cost == result.recording.channel_fee + 240 * Decimal("0.000096")


# --- Storage -----------------------------------------------------------------------------------------------


def test_two_hours_at_6_mbps_is_5_4_gb_per_format():
    item = storage_item(rec(at(1), 120, push_mbps=6), "outside", "singapore")
    assert item.gb == Decimal("5.4")
    assert item.cost == Decimal("5.4") * 30 * Decimal("0.0009")


@pytest.mark.parametrize(
    ("storage_class", "retention", "billed_days", "price"),
    [
        ("STANDARD", 7, 7, "0.0006"),
        ("STANDARD_IA", 10, 30, "0.0004"),
        ("STANDARD_IA", 45, 45, "0.0004"),
        ("ARCHIVE", 30, 90, "0.0002"),
        ("DEEP_ARCHIVE", 30, 180, "0.00006"),
    ],
)
def test_vod_storage_respects_class_minimum_days(storage_class, retention, billed_days, price):
    recording = rec(at(1), 120, push_mbps=6, storage_class=storage_class, retention_days=retention)
    item = storage_item(recording, "mainland", "singapore")
    assert item.billed_days == billed_days
    assert item.cost == Decimal("5.4") * billed_days * Decimal(price)


def test_cos_storage_is_per_gb_month_of_the_region():
    recording = rec(at(1), 120, push_mbps=6, formats=("mp4", "hls"), storage="cos", retention_days=45)
    item = storage_item(recording, "outside", "tokyo")
    assert item.gb == Decimal("10.8")
    assert item.cost == Decimal("10.8") * 45 / 30 * Decimal("0.02")


# --- Inputs, prices and output -----------------------------------------------------------------------------


def test_planned_recording_rejects_bad_values():
    with pytest.raises(ValueError, match="start"):
        PlannedRecording(start=datetime(2026, 12, 1), duration=timedelta(hours=1))
    with pytest.raises(ValueError, match="storage_class"):
        rec(at(1), storage="cos", storage_class="ARCHIVE")
    with pytest.raises(ValueError, match="formats"):
        rec(at(1), formats=("mp4", "mp4"))
    with pytest.raises(ValueError, match="push_mbps: must be a whole number of bits per second"):
        rec(at(1), push_mbps=Decimal("0.0000005"))


def test_estimate_rejects_unknown_regions():
    with pytest.raises(ValueError, match="car_region"):
        estimate(plan(car_region="mars"), LIST_PRICES)
    with pytest.raises(ValueError, match="css_region"):
        EstimateInput(DECEMBER, "singapore", "XX", "outside", "singapore", Decimal(0))


def test_list_prices_round_trip_and_bad_documents_name_every_problem():
    assert Prices.from_document(LIST_PRICES.to_document()) == LIST_PRICES
    broken = LIST_PRICES.to_document()
    broken["car_packs"]["tokyo"]["S"]["daily"] = "-1"
    broken["css_downstream_tiers"]["AP1"][0]["up_to_gb"] = None
    del broken["recording"]["usd_per_channel_month"]
    with pytest.raises(PricesError) as caught:
        Prices.from_document(broken)
    assert any("car_packs.tokyo.S.daily" in e for e in caught.value.errors)
    assert any("css_downstream_tiers.AP1" in e for e in caught.value.errors)
    assert any("recording.usd_per_channel_month" in e for e in caught.value.errors)
    assert LIST_PRICES_2024["push_rule"] == {"max_ratio": "10", "min_peak_mbps": "100"}


def test_output_rounds_to_cents_only_at_the_end():
    recordings = [rec(at(1, 10), 61, formats=("mp4", "hls")) for _ in range(3)]
    result = estimate(plan(*recordings, downstream_gb_per_day=Decimal("0.3333")), LIST_PRICES)
    data = as_dict(result, price_book={"version": 1})
    assert data["total"] == float(cents(result.total))
    assert data["car"] == {**data["car"], "cost": 120.0, "monthly_packs": 0, "daily_packs": 3}
    assert len(data["push"]["days"]) == 31 and data["recordings"][0]["cost"] > 40
