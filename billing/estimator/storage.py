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


def storage_cost(recording: PlannedRecording, prices: Prices, vod_area: str, cos_region: str) -> StorageItem:
    gb = upstream_gb(recording.push_mbps, recording.seconds) * len(recording.formats)
    if recording.storage == "cos":
        price = prices.cos_storage[recording.storage_class][cos_region]
        days = recording.retention_days
        return StorageItem(
            gb=gb,
            billed_days=days,
            unit_price=price,
            unit="GB-month",
            cost=gb * days / DAYS_PER_STORAGE_MONTH * price,
            note=f"COS {recording.storage_class} in {cos_region}, {days} days",
        )
    vod = prices.vod_storage[recording.storage_class]
    days = max(recording.retention_days, vod.minimum_days)
    note = f"VOD {recording.storage_class} ({vod_area}), {days} days"
    if days > recording.retention_days:
        note += f" (class minimum {vod.minimum_days} days)"
    price = vod.usd_per_gb_day[vod_area]
    return StorageItem(
        gb=gb, billed_days=days, unit_price=price, unit="GB-day", cost=gb * days * price, note=note
    )
