"""The month's estimate: every component with its rule decisions, the total, and each group's share.

`price_month` prices recordings given as columns (a cost report's month of sessions, grouped by room);
`estimate` prices a plan, each recording its own group, and lists what each recording costs.
Amounts stay exact `Decimal`s here; rounding to cents happens only when an estimate is shown or serialised
(`billing.estimator.output`). The groups' attributed costs (CAR + push + recording + storage) plus the
playback traffic — which belongs to the viewers, not to any one recording — add up to the total.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from billing.estimator.car import CarResult, car_cost
from billing.estimator.classes import Where, playback_price
from billing.estimator.columns import Columns
from billing.estimator.inputs import EstimateInput, PlannedRecording
from billing.estimator.prices import Prices
from billing.estimator.push import PushResult, push_cost
from billing.estimator.recording import RecordingFeeResult, recording_cost
from billing.estimator.storage import StorageItem, StorageResult, storage_cost
from billing.estimator.sweep import day_peaks
from billing.estimator.timeline import day_bounds, micros, month_days
from billing.estimator.usage import month_usage


@dataclass(frozen=True)
class PlanContext:
    """Where the recordings run and are kept, and the viewers' traffic: what prices them besides themselves."""

    car_region: str
    css_region: str
    vod_area: str
    cos_region: str
    # Recording-only pushes have few viewers; 0 GB is the conservative assumption for the push rule's ratio.
    downstream_gb_per_day: Decimal = Decimal(0)


@dataclass(frozen=True)
class RecordingCost:
    recording: PlannedRecording
    car: Decimal
    push: Decimal
    recording_fee: Decimal
    storage: StorageItem | None  # None when the recording starts outside the month
    # Its files' expected playback (VOD CDN traffic or COS egress), costed with its storage in its start month.
    playback: Decimal = Decimal(0)

    @property
    def storage_cost(self) -> Decimal:
        return self.storage.cost if self.storage else Decimal(0)

    @property
    def total(self) -> Decimal:
        return self.car + self.push + self.recording_fee + self.storage_cost + self.playback


@dataclass(frozen=True)
class MonthCosts:
    month: date  # the first day
    car: CarResult
    push: PushResult
    recording: RecordingFeeResult
    storage: StorageResult

    @property
    def days(self) -> list[date]:
        return month_days(self.month)

    @property
    def playback_cost(self) -> Decimal:
        return self.push.playback_cost

    @property
    def storage_cost(self) -> Decimal:
        return self.storage.cost

    @property
    def storage_gb(self) -> Decimal:
        return self.storage.gb

    @property
    def total(self) -> Decimal:
        return self.car.cost + self.push.cost + self.playback_cost + self.recording.cost + self.storage_cost

    def merged(self) -> MonthCosts:
        """The same month with all its groups as one: every figure and total unchanged, each per-group split a
        single share (what a page that shows no group's share needs keep)."""

        def one(shares: Sequence[Decimal]) -> tuple[Decimal, ...]:
            return (sum(shares, Decimal(0)),)

        storage = self.storage
        return replace(
            self,
            car=replace(self.car, per_group=one(self.car.per_group)),
            push=replace(self.push, per_group=one(self.push.per_group)),
            recording=replace(self.recording, per_group=one(self.recording.per_group)),
            storage=replace(
                storage, per_group=one(storage.per_group), group_gb=tuple(map(one, storage.group_gb))
            ),
        )


@dataclass(frozen=True)
class Estimate(MonthCosts):
    plan: EstimateInput
    recordings: tuple[RecordingCost, ...]

    @property
    def file_playback_cost(self) -> Decimal:
        """The recorded files' expected playback: each recording's, not shared (unlike live playback)."""
        return sum((r.playback for r in self.recordings), Decimal(0))

    @property
    def total(self) -> Decimal:
        return super().total + self.file_playback_cost


def price_month(columns: Columns, *, month: date, where: PlanContext, prices: Prices) -> MonthCosts:
    if where.car_region not in prices.car_packs:
        raise ValueError(f"car_region must be one of {', '.join(prices.car_packs)}")
    if where.cos_region not in prices.cos_regions:
        raise ValueError(f"cos_region must be one of {', '.join(prices.cos_regions)}")
    first = month.replace(day=1)
    days = month_days(first)
    origin = micros(day_bounds(first)[0])
    peaks = day_peaks(
        columns.starts,
        columns.ends,
        columns.specs,
        columns.bps,
        columns.channels,
        origin=origin,
        days=len(days),
    )
    usage = month_usage(columns, origin=origin, days=len(days))
    return MonthCosts(
        month=first,
        car=car_cost(
            peaks.by_spec,
            prices.car_packs[where.car_region],
            spec_micros=usage.spec_micros,
            group_count=columns.group_count,
        ),
        push=push_cost(
            usage,
            peaks.bps,
            days,
            where.downstream_gb_per_day,
            prices.css_tiers[where.css_region],
            prices.push_max_ratio,
            prices.push_min_peak_mbps,
        ),
        recording=recording_cost(
            usage,
            peaks.channels,
            peaks.sessions,
            prices.recording_usd_per_channel_month,
            prices.recording_cos_usd_per_channel_minute,
        ),
        storage=storage_cost(usage, columns.storage_options, prices, where.vod_area, where.cos_region),
    )


def _playback(recording: PlannedRecording, where: PlanContext, prices: Prices) -> Decimal:
    if not recording.playback_gb:
        return Decimal(0)
    price = playback_price(prices, Where(recording.storage, where.vod_area, where.cos_region))
    if price is None:
        raise ValueError("the price book has no playback price for recorded files; add one in a new version")
    return recording.playback_gb * price


def estimate(plan: EstimateInput, prices: Prices) -> Estimate:
    columns = Columns.of(plan.recordings)
    where = PlanContext(
        car_region=plan.car_region,
        css_region=plan.css_region,
        vod_area=plan.vod_area,
        cos_region=plan.cos_region,
        downstream_gb_per_day=plan.downstream_gb_per_day,
    )
    costs = price_month(columns, month=plan.month, where=where, prices=prices)
    storage = costs.storage
    recordings = tuple(
        RecordingCost(
            recording=r,
            car=costs.car.per_group[i],
            push=costs.push.per_group[i],
            recording_fee=costs.recording.per_group[i],
            storage=(
                storage.terms[option].item(storage.group_gb[option][i])
                if plan.starts_at <= r.start < plan.ends_at
                else None
            ),
            playback=_playback(r, where, prices) if plan.starts_at <= r.start < plan.ends_at else Decimal(0),
        )
        for i, (r, option) in enumerate(zip(plan.recordings, columns.storage, strict=True))
    )
    return Estimate(
        month=costs.month,
        car=costs.car,
        push=costs.push,
        recording=costs.recording,
        storage=costs.storage,
        plan=plan,
        recordings=recordings,
    )
