"""An estimate as plain JSON-ready data: money rounded to cents (half up) here and only here."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.translation import gettext

from billing.estimator.estimate import Estimate

CENT = Decimal("0.01")


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def _number(amount: Decimal, places: str = "0.001") -> float:
    return float(amount.quantize(Decimal(places), rounding=ROUND_HALF_UP))


def _money(amount: Decimal) -> float:
    return float(cents(amount))


def as_dict(result: Estimate, *, price_book: dict[str, Any], currency: str = "USD") -> dict[str, Any]:
    plan = result.plan
    return {
        "price_book": price_book,
        "currency": currency,
        "month": plan.month.strftime("%Y-%m"),
        "total": _money(result.total),
        "car": {
            "cost": _money(result.car.cost),
            "monthly_packs": result.car.monthly_packs,
            "daily_packs": result.car.daily_packs,
            "specs": [
                {
                    "spec": s.spec,
                    "monthly_packs": s.monthly_packs,
                    "daily_packs": s.daily_packs,
                    "monthly_price": _money(s.monthly_price),
                    "daily_price": _money(s.daily_price),
                    "day_peaks": list(s.day_peaks),
                    "cost": _money(s.cost),
                    "all_daily_cost": _money(s.all_daily_cost),
                }
                for s in result.car.specs
            ],
        },
        "push": {
            "cost": _money(result.push.cost),
            "billed_days": result.push.billed_days,
            "days": [
                {
                    "date": d.day.isoformat(),
                    "upstream_gb": _number(d.upstream_gb),
                    "downstream_gb": _number(d.downstream_gb),
                    "ratio": None if d.ratio is None else _number(d.ratio, "0.01"),
                    "peak_upstream_mbps": _number(d.peak_upstream_mbps),
                    "billed": d.billed,
                    "reason": d.reason,
                    "cost": _money(d.cost),
                }
                for d in result.push.days
            ],
        },
        "playback": {
            "cost": _money(result.playback_cost),
            "downstream_gb": _number(sum((d.downstream_gb for d in result.push.days), Decimal(0))),
        },
        "recording": {
            "cost": _money(result.recording.cost),
            "peak_channels": result.recording.peak_channels,
            "days_with_recording": result.recording.days_with_recording,
            "days_in_month": result.recording.days_in_month,
            "channel_fee": _money(result.recording.channel_fee),
            "cos_fee": _money(result.recording.cos_fee),
        },
        "storage": {"cost": _money(result.storage_cost), "gb": _number(result.storage_gb)},
        "file_playback": {
            "cost": _money(result.file_playback_cost),
            "gb": _number(sum((r.recording.playback_gb for r in result.recordings), Decimal(0))),
        },
        "recordings": [
            {
                "label": r.recording.label,
                "start": r.recording.start.isoformat(),
                "cost": _money(r.total),
                "car": _money(r.car),
                "push": _money(r.push),
                "recording": _money(r.recording_fee),
                "storage": _money(r.storage_cost),
                "storage_gb": _number(r.storage.gb) if r.storage else 0.0,
                "storage_note": r.storage.note if r.storage else gettext("stored in the month it starts"),
                "playback": _money(r.playback),
            }
            for r in result.recordings
        ],
    }
