"""Storage of the recorded files, each recording's own cost for its whole retention.

Size per format = push bitrate x duration ÷ 8 (decimal GB); every format is a separate file of that size.
VOD bills GB x days x price per GB-day, where the days are at least the class's minimum storage duration
(IA 30, ARCHIVE 90, DEEP_ARCHIVE 180); COS bills GB x retention days ÷ 30 x price per GB-month.
A file is costed in the month its recording starts, so consecutive monthly reports count each file once.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from billing.estimator.inputs import PlannedRecording
from billing.estimator.prices import Prices
from billing.estimator.push import upstream_gb

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

    def item(self, gb: Decimal) -> StorageItem:
        days, price = self.billed_days, self.unit_price
        cost = gb * days / DAYS_PER_STORAGE_MONTH * price if self.unit == "GB-month" else gb * days * price
        return StorageItem(
            gb=gb, billed_days=days, unit_price=price, unit=self.unit, cost=cost, note=self.note
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


def file_gb(recording: PlannedRecording) -> Decimal:
    return upstream_gb(recording.push_mbps, recording.seconds) * len(recording.formats)


def storage_cost(recording: PlannedRecording, prices: Prices, vod_area: str, cos_region: str) -> StorageItem:
    terms = storage_terms(
        recording.storage, recording.storage_class, recording.retention_days, prices, vod_area, cos_region
    )
    return terms.item(file_gb(recording))


class StoragePricer:
    """`storage_cost` for a month's many recordings: a month has a handful of option combinations, so their
    terms (price look-ups and notes) are worked out once each instead of once per recording."""

    def __init__(self, prices: Prices, vod_area: str, cos_region: str) -> None:
        self.prices, self.vod_area, self.cos_region = prices, vod_area, cos_region
        self.terms: dict[tuple[str, str, int], StorageTerms] = {}

    def __call__(self, recording: PlannedRecording) -> StorageItem:
        key = (recording.storage, recording.storage_class, recording.retention_days)
        terms = self.terms.get(key)
        if terms is None:
            terms = self.terms[key] = storage_terms(*key, self.prices, self.vod_area, self.cos_region)
        return terms.item(file_gb(recording))
