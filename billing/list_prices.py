"""Tencent Cloud's international list prices (late 2024), from its public CSS, CAR, VOD and COS price pages.

This is the document of price book version 1, seeded by migration 0002. It is frozen: new prices are a new
price-book version created in the console, never an edit here (the migration and old reports depend on it).
"""

from __future__ import annotations

from typing import Any


def _tiers(*pairs: tuple[int | None, str]) -> list[dict[str, Any]]:
    return [
        {"up_to_gb": None if bound is None else str(bound), "usd_per_gb": price} for bound, price in pairs
    ]


def _overseas(t1: str, t2: str, t3: str, t4: str, t5: str) -> list[dict[str, Any]]:
    # Outside the mainland the tiers are 0-2 TB, 2-50 TB, 50-100 TB, 100 TB-1 PB, ≥ 1 PB (1 TB = 1000 GB).
    return _tiers((2_000, t1), (50_000, t2), (100_000, t3), (1_000_000, t4), (None, t5))


_COS_STANDARD = {
    "beijing": "0.024",
    "shanghai": "0.024",
    "guangzhou": "0.024",
    "chengdu": "0.02",
    "chongqing": "0.02",
    "hong-kong": "0.022",
    "singapore": "0.022",
    "tokyo": "0.02",
    "frankfurt": "0.02",
    "virginia": "0.02",
    "silicon-valley": "0.024",
    "mumbai": "0.024",
    "seoul": "0.024",
    "bangkok": "0.024",
}

# Playing recorded files back (added with issue #17, to version 1 too by migration 0005): the reference lists no
# VOD playback-traffic price, so VOD's CDN traffic is priced at CSS's first downstream tier (mainland 0.0423,
# AP1 0.0748 for "outside"); COS egress at the one internet-downstream price it gives (Singapore 0.072) in every
# region. Both are list-price stand-ins a manager corrects in a new price-book version.
PLAYBACK_PRICES_2024: dict[str, Any] = {
    "vod": {"mainland": "0.0423", "outside": "0.0748"},
    "cos": dict.fromkeys(_COS_STANDARD, "0.072"),
}

LIST_PRICES_2024: dict[str, Any] = {
    "car_packs": {
        "singapore": {
            "S": {"monthly": "398", "daily": "40"},
            "M": {"monthly": "612", "daily": "62"},
            "L": {"monthly": "1041", "daily": "105"},
        },
        "tokyo": {
            "S": {"monthly": "374", "daily": "38"},
            "M": {"monthly": "588", "daily": "59"},
            "L": {"monthly": "1016", "daily": "102"},
        },
        "seoul": {
            "S": {"monthly": "460", "daily": "46"},
            "M": {"monthly": "661", "daily": "67"},
            "L": {"monthly": "1064", "daily": "107"},
        },
    },
    "css_downstream_tiers": {
        "mainland": _tiers(
            (2_000, "0.0423"),
            (10_000, "0.0407"),
            (50_000, "0.0390"),
            (100_000, "0.0358"),
            (1_000_000, "0.0309"),
            (None, "0.0260"),
        ),
        "AP1": _overseas("0.0748", "0.0699", "0.0585", "0.0504", "0.0455"),
        "AP2": _overseas("0.1236", "0.1138", "0.1057", "0.0911", "0.0846"),
        "AP3": _overseas("0.1138", "0.1041", "0.0911", "0.0813", "0.0715"),
        "NA": _overseas("0.0715", "0.0634", "0.0504", "0.0325", "0.0260"),
        "EU": _overseas("0.0715", "0.0634", "0.0504", "0.0325", "0.0260"),
        "ME": _overseas("0.1951", "0.1789", "0.1675", "0.1545", "0.1382"),
        "AF": _overseas("0.1951", "0.1789", "0.1675", "0.1545", "0.1382"),
        "SA": _overseas("0.1675", "0.1593", "0.1463", "0.1382", "0.1301"),
    },
    "push_rule": {"max_ratio": "10", "min_peak_mbps": "100"},
    "recording": {"usd_per_channel_month": "5.2941", "cos_usd_per_channel_minute": "0.000096"},
    "vod_storage": {
        "STANDARD": {"usd_per_gb_day": {"mainland": "0.0006", "outside": "0.0009"}, "minimum_days": 0},
        "STANDARD_IA": {"usd_per_gb_day": {"mainland": "0.0004", "outside": "0.0006"}, "minimum_days": 30},
        "ARCHIVE": {"usd_per_gb_day": {"mainland": "0.0002", "outside": "0.0003"}, "minimum_days": 90},
        "DEEP_ARCHIVE": {"usd_per_gb_day": {"mainland": "0.00006", "outside": "0.0001"}, "minimum_days": 180},
    },
    "cos_storage_usd_per_gb_month": {
        "STANDARD": _COS_STANDARD,
        # The published STANDARD_IA range is 0.014-0.018 without a per-region table: the top of the range is
        # used everywhere so that estimates err on the high side.
        "STANDARD_IA": dict.fromkeys(_COS_STANDARD, "0.018"),
    },
    "mps_usd_per_minute": {
        "recognition": {
            "mainland": "0.0511",
            "singapore": "0.0562",
            "mumbai": "0.0562",
            "seoul": "0.0562",
            "bangkok": "0.0562",
            "hong-kong": "0.0572",
            "tokyo": "0.0572",
            "frankfurt": "0.0572",
            "silicon-valley": "0.0572",
            "virginia": "0.0572",
        },
        "moderation": "0.016",
    },
    "playback_usd_per_gb": PLAYBACK_PRICES_2024,
}
