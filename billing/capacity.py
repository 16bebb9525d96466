"""Capacity planning as pure functions: booked recording windows against the CAR concurrency owned, per
billing day and spec, and the cheapest pack mix for a month of bookings (the estimator's pack optimiser)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from billing.estimator.car import CarResult, car_cost
from billing.estimator.prices import PackPrice, priced_spec
from billing.estimator.sweep import DayPeaks, day_peaks
from billing.estimator.timeline import day_bounds, micros


@dataclass(frozen=True)
class Booking:
    """A window that will hold one CAR concurrency: a scheduled session or a schedule's occurrence."""

    start: datetime
    end: datetime
    spec: str

    @property
    def priced_spec(self) -> str:
        return priced_spec(self.spec)


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


def booked_peaks(bookings: Sequence[Booking], days: Sequence[date]) -> DayPeaks:
    """The peaks of each of the consecutive `days` (bookings have no bitrate or channels: those stay 0)."""
    nothing = [0] * len(bookings)
    return day_peaks(
        [micros(b.start) for b in bookings],
        [micros(b.end) for b in bookings],
        [b.priced_spec for b in bookings],
        nothing,
        nothing,
        origin=micros(day_bounds(days[0])[0]) if days else 0,
        days=len(days),
    )


def capacity_days(bookings: Sequence[Booking], days: Sequence[date], owned: int | None) -> list[CapacityDay]:
    """Each of the consecutive `days` with its peaks; a day is over capacity when its peak exceeds `owned`."""
    return days_from_peaks(booked_peaks(bookings, days), days, owned)


def days_from_peaks(peaks: DayPeaks, days: Sequence[date], owned: int | None) -> list[CapacityDay]:
    return [
        CapacityDay(
            day,
            {spec: by_day[index] for spec, by_day in sorted(peaks.by_spec.items()) if by_day[index]},
            peaks.sessions[index],
            owned,
        )
        for index, day in enumerate(days)
    ]


def pack_recommendation(
    bookings: Sequence[Booking], days: Sequence[date], packs: Mapping[str, PackPrice]
) -> CarResult:
    """The cheapest monthly/daily pack mix per spec covering every day's peak of the bookings."""
    return packs_for_peaks(booked_peaks(bookings, days), packs)


def packs_for_peaks(peaks: DayPeaks, packs: Mapping[str, PackPrice]) -> CarResult:
    return car_cost(peaks.by_spec, packs)
