"""Invariants of the estimator over generated plans (hypothesis)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from billing.estimator import estimate
from billing.estimator.car import cheapest_monthly_packs, pack_cost
from billing.estimator.prices import CSS_REGIONS, PackPrice
from billing.estimator.push import tiered_cost
from billing.tests.factories import LIST_PRICES, storage_item
from billing.tests.strategies import plans, recordings


@settings(max_examples=80, deadline=None)
@given(
    peaks=st.lists(st.integers(0, 40), min_size=28, max_size=31),
    monthly=st.integers(1, 2000),
    daily=st.integers(1, 300),
)
def test_pack_optimum_is_never_beaten_by_any_other_number_of_monthly_packs(peaks, monthly, daily):
    price = PackPrice(Decimal(monthly), Decimal(daily))
    best = pack_cost(peaks, cheapest_monthly_packs(peaks, price), price)
    assert all(best <= pack_cost(peaks, k, price) for k in range(max(peaks) + 5))


@settings(max_examples=60, deadline=None)
@given(base=plans, extra=recordings())
def test_more_recordings_never_cost_less(base, extra):
    before = estimate(base, LIST_PRICES)
    after = estimate(base.with_recordings((*base.recordings, extra)), LIST_PRICES)
    assert after.total >= before.total
    assert after.car.cost >= before.car.cost
    assert after.recording.cost >= before.recording.cost
    assert after.push.cost + after.playback_cost >= before.push.cost + before.playback_cost


@settings(max_examples=60, deadline=None)
@given(subject=plans)
def test_attributed_costs_plus_playback_sum_to_the_total(subject):
    result = estimate(subject, LIST_PRICES)
    attributed = sum((r.total for r in result.recordings), Decimal(0))
    assert abs(attributed + result.playback_cost - result.total) < Decimal("1e-9")
    assert all(r.total >= 0 for r in result.recordings)


@settings(max_examples=60, deadline=None)
@given(subject=plans)
def test_every_pack_mix_covers_every_days_peak(subject):
    result = estimate(subject, LIST_PRICES)
    for spec in result.car.specs:
        assert spec.cost <= spec.all_daily_cost
        assert spec.daily_packs == sum(max(0, p - spec.monthly_packs) for p in spec.day_peaks)


@settings(max_examples=60, deadline=None)
@given(subject=plans)
def test_push_is_billed_exactly_when_both_conditions_hold(subject):
    result = estimate(subject, LIST_PRICES)
    for day in result.push.days:
        expected = (
            day.upstream_gb > 0 and day.downstream_gb < 10 * day.upstream_gb and day.peak_upstream_mbps > 100
        )
        assert day.billed is expected
        assert (day.cost > 0) is (expected and day.upstream_gb > 0)


@settings(max_examples=80, deadline=None)
@given(
    region=st.sampled_from(CSS_REGIONS),
    first=st.decimals(0, 2_000_000, places=3),
    second=st.decimals(0, 2_000_000, places=3),
)
def test_progressive_tiers_split_anywhere_cost_the_same(region, first, second):
    tiers = LIST_PRICES.css_tiers[region]
    whole = tiered_cost(Decimal(0), first + second, tiers)
    assert whole == tiered_cost(Decimal(0), first, tiers) + tiered_cost(first, second, tiers)
    assert whole <= (first + second) * tiers[0].usd_per_gb  # never above the first tier's price


@settings(max_examples=60, deadline=None)
@given(subject=plans)
def test_recording_fee_follows_the_formula(subject):
    result = estimate(subject, LIST_PRICES).recording
    in_month = [r for r in subject.recordings if r.end > subject.starts_at and r.start < subject.ends_at]
    assert result.peak_channels >= max((len(r.formats) for r in in_month), default=0)
    assert result.peak_channels <= sum(len(r.formats) for r in in_month)
    assert 0 <= result.days_with_recording <= result.days_in_month == 31
    price = LIST_PRICES.recording_usd_per_channel_month
    assert result.channel_fee == result.peak_channels * Decimal(result.days_with_recording) / 31 * price


@settings(max_examples=80, deadline=None)
@given(recording=recordings(), extra_days=st.integers(0, 400))
def test_storage_never_falls_below_the_class_minimum_and_grows_with_retention(recording, extra_days):
    shorter = storage_item(recording)
    longer = storage_item(replace(recording, retention_days=recording.retention_days + extra_days))
    assert longer.cost >= shorter.cost
    if recording.storage == "vod":
        assert shorter.billed_days == max(
            recording.retention_days, LIST_PRICES.vod_storage[recording.storage_class].minimum_days
        )
    seconds = Decimal(recording.duration // timedelta(microseconds=1)) / 1_000_000
    assert shorter.gb == recording.push_mbps * seconds / 8000 * len(recording.formats)
