"""Capacity planning as pure functions: booked recording windows against the CAR concurrency owned, per
billing day and spec, and the cheapest pack mix for a month of bookings (the estimator's pack optimiser)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from billing.estimator import PlannedRecording
from billing.estimator.car import CarResult, car_cost
from billing.estimator.prices import SPECS, PackPrice
from billing.estimator.timeline import Timeline, peak_count


@dataclass(frozen=True)
class Booking:
    """A window that will hold one CAR concurrency: a scheduled session or a schedule's occurrence."""

    start: datetime
    end: datetime
    spec: str

    @property
    def priced_spec(self) -> str:
        # CPU specs have no list price; they are planned like S (as the actuals do).
        return self.spec if self.spec in SPECS else "S"


@dataclass(frozen=True)
class CapacityDay:
    day: date
    peaks: dict[str, int]  # spec → peak of simultaneous bookings that day
    peak: int  # all specs together (a concurrency is owned per project, whatever the spec)
    owned: int | None

    @property
    def over(self) -> bool:
        return self.excess > 0

    @property
    def excess(self) -> int:
        return 0 if self.owned is None else max(0, self.peak - self.owned)


def capacity_days(bookings: Sequence[Booking], days: Sequence[date], owned: int | None) -> list[CapacityDay]:
    """Each of the consecutive `days` with its peaks; a day is over capacity when its peak exceeds `owned`."""
    line = Timeline.of(((b.start, b.end) for b in bookings), days)
    result: list[CapacityDay] = []
    for day, (lo, hi), members in zip(days, line.bounds, line.by_day, strict=True):
        specs = {bookings[i].priced_spec for i in members}
        peaks = {
            spec: peak_count(
                ((*line.spans[i], 1) for i in members if bookings[i].priced_spec == spec), lo, hi
            )
            for spec in sorted(specs)
        }
        total = peak_count(((*line.spans[i], 1) for i in members), lo, hi)
        result.append(CapacityDay(day, peaks, total, owned))
    return result


def pack_recommendation(
    bookings: Sequence[Booking], days: Sequence[date], packs: Mapping[str, PackPrice]
) -> CarResult:
    """The cheapest monthly/daily pack mix per spec covering every day's peak of the bookings."""
    recordings = [
        PlannedRecording(start=b.start, duration=b.end - b.start, spec=b.priced_spec)
        for b in bookings
        if b.end > b.start
    ]
    return car_cost(recordings, days, packs)
