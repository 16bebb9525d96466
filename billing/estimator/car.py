"""CAR concurrency: the cheapest mix of monthly and daily packs covering every billing day's peak.

For one spec, with k monthly packs bought, day d still needs max(0, peak_d - k) daily packs, so the month costs
k·monthly + Σ_d max(0, peak_d - k)·daily. That function is evaluated for every k from 0 to the month's largest
peak — an exact optimum, not a heuristic (more than max-peak monthly packs can only cost more). Ties go to
fewer monthly packs. Each recording bears its spec's cost in proportion to its session-hours in the month.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from billing.estimator.inputs import PlannedRecording
from billing.estimator.prices import SPECS, PackPrice
from billing.estimator.timeline import Timeline, peak_count, seconds_in


@dataclass(frozen=True)
class SpecPacks:
    spec: str
    monthly_price: Decimal
    daily_price: Decimal
    day_peaks: tuple[int, ...]  # one per day of the month
    monthly_packs: int
    daily_packs: int  # pack-days summed over the month
    cost: Decimal
    all_daily_cost: Decimal  # what covering every peak with daily packs alone would cost, for comparison

    @property
    def busiest_day_peak(self) -> int:
        return max(self.day_peaks, default=0)


@dataclass(frozen=True)
class CarResult:
    specs: tuple[SpecPacks, ...]  # only the specs used
    cost: Decimal
    per_recording: tuple[Decimal, ...]

    @property
    def monthly_packs(self) -> int:
        return sum(s.monthly_packs for s in self.specs)

    @property
    def daily_packs(self) -> int:
        return sum(s.daily_packs for s in self.specs)


def pack_cost(peaks: Sequence[int], monthly_packs: int, price: PackPrice) -> Decimal:
    daily = sum(max(0, p - monthly_packs) for p in peaks)
    return monthly_packs * price.monthly + daily * price.daily


def cheapest_monthly_packs(peaks: Sequence[int], price: PackPrice) -> int:
    return min(range(max(peaks, default=0) + 1), key=lambda k: (pack_cost(peaks, k, price), k))


def car_cost(
    recordings: Sequence[PlannedRecording],
    days: Sequence[date],
    packs: Mapping[str, PackPrice],
    *,
    timeline: Timeline | None = None,
) -> CarResult:
    line = timeline or Timeline.of(((r.start, r.end) for r in recordings), days)
    per_recording = [Decimal(0)] * len(recordings)
    month_lo, month_hi = line.month
    seconds = [seconds_in(start, end, month_lo, month_hi) for start, end in line.spans]
    results: list[SpecPacks] = []
    # Each day's recordings sorted by spec once, rather than every spec filtering every day's recordings.
    by_spec: dict[str, list[list[int]]] = {spec: [[] for _ in line.by_day] for spec in SPECS}
    for index, on_day in enumerate(line.by_day):
        for i in on_day:
            by_spec[recordings[i].spec][index].append(i)
    for spec in SPECS:
        members = [i for i, r in enumerate(recordings) if r.spec == spec and seconds[i] > 0]
        if not members:
            continue
        price = packs[spec]
        spans = line.spans
        peaks = tuple(
            peak_count(((*spans[i], 1) for i in on_day), lo, hi)
            for (lo, hi), on_day in zip(line.bounds, by_spec[spec], strict=True)
        )
        k = cheapest_monthly_packs(peaks, price)
        cost = pack_cost(peaks, k, price)
        results.append(
            SpecPacks(
                spec=spec,
                monthly_price=price.monthly,
                daily_price=price.daily,
                day_peaks=peaks,
                monthly_packs=k,
                daily_packs=sum(max(0, p - k) for p in peaks),
                cost=cost,
                all_daily_cost=pack_cost(peaks, 0, price),
            )
        )
        spec_seconds = sum(seconds[i] for i in members)
        for i in members:
            per_recording[i] = cost * seconds[i] / spec_seconds
    return CarResult(tuple(results), sum((s.cost for s in results), Decimal(0)), tuple(per_recording))
