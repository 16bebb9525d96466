"""Storage of the recorded files, each file's cost for its whole retention.

Size per format = push bitrate x duration ÷ 8 (decimal GB); every format is a separate file of that size.
VOD bills GB x days x price per GB-day, where the days are at least the class's minimum storage duration
(IA 30, ARCHIVE 90, DEEP_ARCHIVE 180); COS bills GB x retention days ÷ 30 x price per GB-month.
A file is costed in the month its recording starts, so consecutive monthly reports count each file once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from billing.estimator.columns import StorageOption
from billing.estimator.prices import Prices
from billing.estimator.usage import BPS_MICROS_PER_GB, MonthUsage

DAYS_PER_STORAGE_MONTH = Decimal(30)


@dataclass(frozen=True)
class StorageItem:
    gb: Decimal
    billed_days: int
    unit_price: Decimal
    unit: str  # "GB-day" or "GB-month"
    cost: Decimal
    note: str


@dataclass(frozen=True)
class StorageTerms:
    """What a file's options alone decide: the billed days, the unit price and the wording."""

    billed_days: int
    unit_price: Decimal
    unit: str
    note: str

    def cost(self, gb: Decimal) -> Decimal:
        days, price = self.billed_days, self.unit_price
        return gb * days / DAYS_PER_STORAGE_MONTH * price if self.unit == "GB-month" else gb * days * price

    def item(self, gb: Decimal) -> StorageItem:
        return StorageItem(
            gb=gb,
            billed_days=self.billed_days,
            unit_price=self.unit_price,
            unit=self.unit,
            cost=self.cost(gb),
            note=self.note,
        )


def storage_terms(
    storage: str, storage_class: str, retention_days: int, prices: Prices, vod_area: str, cos_region: str
) -> StorageTerms:
    if storage == "cos":
        return StorageTerms(
            billed_days=retention_days,
            unit_price=prices.cos_storage[storage_class][cos_region],
            unit="GB-month",
            note=f"COS {storage_class} in {cos_region}, {retention_days} days",
        )
    vod = prices.vod_storage[storage_class]
    days = max(retention_days, vod.minimum_days)
    note = f"VOD {storage_class} ({vod_area}), {days} days"
    if days > retention_days:
        note += f" (class minimum {vod.minimum_days} days)"
    return StorageTerms(billed_days=days, unit_price=vod.usd_per_gb_day[vod_area], unit="GB-day", note=note)


@dataclass(frozen=True)
class StorageResult:
    terms: tuple[StorageTerms, ...]  # one per storage option
    group_gb: tuple[tuple[Decimal, ...], ...]  # option → per group: GB of files whose recording starts
    per_group: tuple[Decimal, ...]
    by_day: tuple[Decimal, ...]  # the cost of files by the day their recording starts
    gb: Decimal

    @property
    def cost(self) -> Decimal:
        return sum(self.per_group, Decimal(0))


def storage_cost(
    usage: MonthUsage, options: Sequence[StorageOption], prices: Prices, vod_area: str, cos_region: str
) -> StorageResult:
    terms = tuple(
        storage_terms(o.target, o.storage_class, o.retention_days, prices, vod_area, cos_region)
        for o in options
    )
    per_group = [Decimal(0)] * usage.group_count
    by_day = [Decimal(0)] * usage.days
    group_gb: list[tuple[Decimal, ...]] = []
    total_gb = Decimal(0)
    for option_terms, sizes, day_sizes in zip(terms, usage.stored, usage.stored_by_day, strict=True):
        gbs = tuple(Decimal(size) / BPS_MICROS_PER_GB for size in sizes)
        group_gb.append(gbs)
        total_gb += sum(gbs, Decimal(0))
        for group, gb in enumerate(gbs):
            if gb:
                per_group[group] += option_terms.cost(gb)
        for day, size in enumerate(day_sizes):
            if size:
                by_day[day] += option_terms.cost(Decimal(size) / BPS_MICROS_PER_GB)
    return StorageResult(
        terms=terms, group_gb=tuple(group_gb), per_group=tuple(per_group), by_day=tuple(by_day), gb=total_gb
    )
