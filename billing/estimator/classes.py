"""Storage priced by storage class over time: the one way the console prices a GB of stored recording.

A file spends spans of time in storage classes (STANDARD, then STANDARD_IA, ARCHIVE, DEEP_ARCHIVE) until it is
deleted or kept on. `spans_cost` prices the part of those spans inside a window at the class's price per
GB-day, and charges the early-deletion fee of every span that ends (moved colder, or deleted) inside the window
before its class's minimum duration (30 / 90 / 180 days): Tencent bills the remaining days at that class's price.
The estimator (a plan's retention policy), the lifecycle preview (a policy's next 30 days) and the cost report
(a month of each file's class history) all call it, so a GB-day has one price everywhere.

Prices per GB-day: VOD lists them per day; COS per month, spread over 30 days as Tencent bills it daily.
Stored sizes are in binary GB (1024³ bytes): VOD and COS both bill storage capacity that way.
Pure functions: no database, no clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from billing.estimator.prices import Prices

BYTES_PER_STORED_GB = Decimal(1024**3)
DAYS_PER_STORAGE_MONTH = Decimal(30)
SECONDS_PER_DAY = Decimal(86400)
STANDARD = "STANDARD"


def stored_gb(size_bytes: int) -> Decimal:
    return Decimal(size_bytes) / BYTES_PER_STORED_GB


@dataclass(frozen=True)
class Span:
    """Time a file spent (or will spend) in one class; `end` None = still there (kept on)."""

    storage_class: str
    start: datetime
    end: datetime | None


@dataclass(frozen=True)
class Where:
    """What besides the class decides a GB-day's price: VOD or COS, VOD's area, COS's region."""

    storage: str  # "vod" or "cos"
    vod_area: str
    cos_region: str


def class_price(prices: Prices, where: Where, storage_class: str) -> tuple[Decimal, Decimal] | None:
    """A class's listed price and the days it is for (VOD: per GB-day; COS: per GB-month of 30 days), or None
    when the price book has no price for it. Amounts are multiplied before the division, so exact sums stay
    exact (45 days of COS at 0.02 a month is 0.03, not 0.0299…)."""
    if where.storage == "cos":
        month = prices.cos_storage.get(storage_class, {}).get(where.cos_region)
        return None if month is None else (month, DAYS_PER_STORAGE_MONTH)
    vod = prices.vod_storage.get(storage_class)
    day = None if vod is None else vod.usd_per_gb_day.get(where.vod_area)
    return None if day is None else (day, Decimal(1))


def gb_day_price(prices: Prices, where: Where, storage_class: str) -> Decimal | None:
    """USD per GB-day of a class, or None when the price book has no price for it."""
    price = class_price(prices, where, storage_class)
    return None if price is None else price[0] / price[1]


def gb_days_cost(gb_days: Decimal, prices: Prices, where: Where, storage_class: str) -> Decimal | None:
    """USD of `gb_days` GB-days in a class (None when unpriced): every stored GB the console prices goes here."""
    listed = class_price(prices, where, storage_class)
    return None if listed is None else gb_days * listed[0] / listed[1]


def playback_price(prices: Prices, where: Where) -> Decimal | None:
    """USD per GB of playing recorded files back: VOD's CDN traffic by area, COS's internet egress by region."""
    if where.storage == "cos":
        return prices.playback_cos_usd_per_gb.get(where.cos_region)
    return prices.playback_vod_usd_per_gb.get(where.vod_area)


def minimum_days(prices: Prices, storage_class: str) -> int:
    """A class's minimum storage duration. The price book keeps them with VOD's prices; COS's are the same."""
    vod = prices.vod_storage.get(storage_class)
    return vod.minimum_days if vod else 0


def policy_spans(
    *,
    start: datetime,
    transitions: Sequence[tuple[int, str]],
    keep_days: int | None,
    initial_class: str = STANDARD,
) -> tuple[Span, ...]:
    """The spans a retention policy plans for a file stored at `start`: its initial class, then each move
    (days after `start`, warmest first) until it is deleted after `keep_days` (None = kept forever)."""
    marks = [(0, initial_class)] + [(days, cls) for days, cls in sorted(transitions) if days > 0]
    if keep_days is not None:
        marks = [(days, cls) for days, cls in marks if days < keep_days] or [(0, initial_class)]
    spans = []
    for index, (days, storage_class) in enumerate(marks):
        following = marks[index + 1][0] if index + 1 < len(marks) else keep_days
        end = None if following is None else start + timedelta(days=following)
        spans.append(Span(storage_class, start + timedelta(days=days), end))
    return tuple(spans)


@dataclass
class ClassCost:
    """What spans cost inside a window: GB-days and USD per class, early-deletion charges, unpriced classes."""

    gb_days: dict[str, Decimal] = field(default_factory=dict)
    storage: dict[str, Decimal] = field(default_factory=dict)
    early_deletion: Decimal = Decimal(0)
    unpriced: set[str] = field(default_factory=set)

    @property
    def total(self) -> Decimal:
        return sum(self.storage.values(), Decimal(0)) + self.early_deletion

    def add_gb_days(
        self, prices: Prices, where: Where, storage_class: str, *, stored: Decimal, early: Decimal
    ) -> None:
        """Price GB-days stored in a class, and GB-days billed for leaving it early."""
        if not stored and not early:
            return
        stored_cost = gb_days_cost(stored, prices, where, storage_class)
        early_cost = gb_days_cost(early, prices, where, storage_class)
        if stored_cost is None or early_cost is None:
            self.unpriced.add(f"{where.storage}:{storage_class}")
            stored_cost = early_cost = Decimal(0)
        if stored:
            self.gb_days[storage_class] = self.gb_days.get(storage_class, Decimal(0)) + stored
            self.storage[storage_class] = self.storage.get(storage_class, Decimal(0)) + stored_cost
        self.early_deletion += early_cost

    def add(self, other: ClassCost) -> None:
        for name, days in other.gb_days.items():
            self.gb_days[name] = self.gb_days.get(name, Decimal(0)) + days
        for name, cost in other.storage.items():
            self.storage[name] = self.storage.get(name, Decimal(0)) + cost
        self.early_deletion += other.early_deletion
        self.unpriced |= other.unpriced


def _days(delta: timedelta) -> Decimal:
    """Exact days of a timedelta (microseconds counted, no float)."""
    micros = (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds
    return Decimal(micros) / (SECONDS_PER_DAY * 1_000_000)


def spans_cost(
    *, gb: Decimal, spans: Sequence[Span], window: tuple[datetime, datetime], prices: Prices, where: Where
) -> ClassCost:
    """`gb` stored through `spans`, priced within [window start, window end)."""
    lo, hi = window
    cost = ClassCost()
    for span in spans:
        end = hi if span.end is None else min(span.end, hi)
        begin = max(span.start, lo)
        stored = gb * _days(end - begin) if end > begin else Decimal(0)
        early = Decimal(0)
        if span.end is not None and lo <= span.end < hi:
            short = span.start + timedelta(days=minimum_days(prices, span.storage_class)) - span.end
            early = gb * _days(short) if short > timedelta(0) else Decimal(0)
        cost.add_gb_days(prices, where, span.storage_class, stored=stored, early=early)
    return cost
