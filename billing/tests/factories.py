"""Builders for estimator inputs shared by the billing tests."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from billing.estimator import EstimateInput, PlannedRecording, Prices, estimate
from billing.estimator.storage import StorageItem
from billing.estimator.timeline import BILLING_TZ
from billing.list_prices import LIST_PRICES_2024

LIST_PRICES = Prices.from_document(LIST_PRICES_2024)
DECEMBER = date(2026, 12, 1)


def at(day: int, hour: int = 0, minute: int = 0, second: int = 0, month: date = DECEMBER) -> datetime:
    """A UTC+8 instant in the given month."""
    return datetime(month.year, month.month, day, hour, minute, second, tzinfo=BILLING_TZ)


def rec(start: datetime, minutes: float = 60, **extra: Any) -> PlannedRecording:
    return PlannedRecording(start=start, duration=timedelta(minutes=minutes), **extra)


def plan(*recordings: PlannedRecording, **extra: Any) -> EstimateInput:
    values: dict[str, Any] = {
        "month": DECEMBER,
        "car_region": "singapore",
        "css_region": "AP1",
        "vod_area": "outside",
        "cos_region": "singapore",
        "downstream_gb_per_day": Decimal(0),
        "recordings": recordings,
    }
    values.update(extra)
    return EstimateInput(**values)


def storage_item(
    recording: PlannedRecording, vod_area: str = "outside", cos_region: str = "singapore"
) -> StorageItem:
    """A recording's files as the estimator prices them, in the month the recording starts."""
    month = recording.start.astimezone(BILLING_TZ).date()
    priced = estimate(plan(recording, month=month, vod_area=vod_area, cos_region=cos_region), LIST_PRICES)
    item = priced.recordings[0].storage
    assert item is not None
    return item
