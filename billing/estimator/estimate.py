"""The month's estimate: every component with its rule decisions, the total, and each recording's share.

Amounts stay exact `Decimal`s here; rounding to cents happens only when an estimate is shown or serialised
(`billing.estimator.output`). Every recording's attributed cost (CAR + push + recording + storage) plus the
playback traffic — which belongs to the viewers, not to any one recording — adds up to the total.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from billing.estimator.car import CarResult, car_cost
from billing.estimator.inputs import EstimateInput, PlannedRecording
from billing.estimator.prices import Prices
from billing.estimator.push import PushResult, push_cost
from billing.estimator.recording import RecordingFeeResult, recording_cost
from billing.estimator.storage import StorageItem, StoragePricer
from billing.estimator.timeline import Timeline


@dataclass(frozen=True)
class RecordingCost:
    recording: PlannedRecording
    car: Decimal
    push: Decimal
    recording_fee: Decimal
    storage: StorageItem | None  # None when the recording starts outside the month

    @property
    def storage_cost(self) -> Decimal:
        return self.storage.cost if self.storage else Decimal(0)

    @property
    def total(self) -> Decimal:
        return self.car + self.push + self.recording_fee + self.storage_cost


@dataclass(frozen=True)
class Estimate:
    plan: EstimateInput
    car: CarResult
    push: PushResult
    recording: RecordingFeeResult
    recordings: tuple[RecordingCost, ...]

    @property
    def playback_cost(self) -> Decimal:
        return self.push.playback_cost

    @property
    def storage_cost(self) -> Decimal:
        return sum((r.storage_cost for r in self.recordings), Decimal(0))

    @property
    def storage_gb(self) -> Decimal:
        return sum((r.storage.gb for r in self.recordings if r.storage), Decimal(0))

    @property
    def total(self) -> Decimal:
        return self.car.cost + self.push.cost + self.playback_cost + self.recording.cost + self.storage_cost


def estimate(plan: EstimateInput, prices: Prices) -> Estimate:
    if plan.car_region not in prices.car_packs:
        raise ValueError(f"car_region must be one of {', '.join(prices.car_packs)}")
    if plan.cos_region not in prices.cos_regions:
        raise ValueError(f"cos_region must be one of {', '.join(prices.cos_regions)}")
    days, recordings = plan.days, plan.recordings
    timeline = Timeline([r.span for r in recordings], days)
    car = car_cost(recordings, days, prices.car_packs[plan.car_region], timeline=timeline)
    push = push_cost(
        recordings,
        days,
        plan.downstream_gb_per_day,
        prices.css_tiers[plan.css_region],
        prices.push_max_ratio,
        prices.push_min_peak_mbps,
        timeline=timeline,
    )
    fee = recording_cost(
        recordings,
        days,
        prices.recording_usd_per_channel_month,
        prices.recording_cos_usd_per_channel_minute,
        timeline=timeline,
    )
    starts_at, ends_at = plan.starts_at, plan.ends_at
    stored = StoragePricer(prices, plan.vod_area, plan.cos_region)
    costs = tuple(
        RecordingCost(
            recording=r,
            car=car.per_recording[i],
            push=push.per_recording[i],
            recording_fee=fee.per_recording[i],
            storage=stored(r) if starts_at <= r.start < ends_at else None,
        )
        for i, r in enumerate(recordings)
    )
    return Estimate(plan=plan, car=car, push=push, recording=fee, recordings=costs)
