"""CAR concurrency: the cheapest mix of monthly and daily packs covering every billing day's peak.

For one spec, with k monthly packs bought, day d still needs max(0, peak_d - k) daily packs, so the month costs
k·monthly + Σ_d max(0, peak_d - k)·daily. That function is evaluated for every k from 0 to the month's largest
peak — an exact optimum, not a heuristic (more than max-peak monthly packs can only cost more). Ties go to
fewer monthly packs. Each group bears its spec's cost in proportion to its session time in the month.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from billing.estimator.prices import SPECS, PackPrice


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
    per_group: tuple[Decimal, ...]

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


def spec_packs(spec: str, peaks: tuple[int, ...], price: PackPrice) -> SpecPacks:
    k = cheapest_monthly_packs(peaks, price)
    return SpecPacks(
        spec=spec,
        monthly_price=price.monthly,
        daily_price=price.daily,
        day_peaks=peaks,
        monthly_packs=k,
        daily_packs=sum(max(0, p - k) for p in peaks),
        cost=pack_cost(peaks, k, price),
        all_daily_cost=pack_cost(peaks, 0, price),
    )


def car_cost(
    day_peaks: Mapping[str, tuple[int, ...]],
    packs: Mapping[str, PackPrice],
    *,
    spec_micros: Mapping[str, Sequence[int]] | None = None,
    group_count: int = 0,
) -> CarResult:
    """Packs for each spec with a peak in the month; `spec_micros` (each group's session time per spec, in
    the month) splits each spec's cost between the groups."""
    per_group = [Decimal(0)] * group_count
    results: list[SpecPacks] = []
    for spec in SPECS:
        if spec not in day_peaks:
            continue
        packed = spec_packs(spec, day_peaks[spec], packs[spec])
        results.append(packed)
        used = (spec_micros or {}).get(spec, ())
        total = sum(used)
        for group, spent in enumerate(used):
            if spent:
                per_group[group] += packed.cost * spent / total
    return CarResult(tuple(results), sum((s.cost for s in results), Decimal(0)), tuple(per_group))
