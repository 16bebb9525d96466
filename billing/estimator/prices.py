"""Prices as the estimator sees them: a plain, typed, immutable view of a price-book document.

A price book stores its prices as one JSON document (money as decimal strings, so nothing is lost to binary
floats). `Prices.from_document` validates such a document and builds the typed view; `to_document` is its
inverse. The estimator only ever receives a `Prices`, never a model.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

CAR_REGIONS = ("singapore", "tokyo", "seoul")
SPECS = ("S", "M", "L")
PRICE_OF_UNLISTED_SPEC = "S"
CSS_REGIONS = ("mainland", "AP1", "AP2", "AP3", "NA", "EU", "ME", "AF", "SA")
VOD_AREAS = ("mainland", "outside")
VOD_CLASSES = ("STANDARD", "STANDARD_IA", "ARCHIVE", "DEEP_ARCHIVE")
COS_CLASSES = ("STANDARD", "STANDARD_IA")
# Optional in a document (books before playback pricing lack them): COS's archive classes and the price of
# playing recorded files back (VOD's CDN traffic by area, COS's internet egress by region).
COS_ARCHIVE_CLASSES = ("ARCHIVE", "DEEP_ARCHIVE")


def priced_spec(spec: str) -> str:
    """The spec whose pack prices apply: CPU specs (CPU4/8/16) have no list price and are planned as S."""
    return spec if spec in SPECS else PRICE_OF_UNLISTED_SPEC


class PricesError(ValueError):
    """A price document is incomplete or malformed; `errors` lists every problem with its path."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class PackPrice:
    monthly: Decimal
    daily: Decimal


@dataclass(frozen=True)
class Tier:
    """USD per GB for the month's traffic up to `up_to_gb` (cumulative); None = no upper bound."""

    up_to_gb: Decimal | None
    usd_per_gb: Decimal


@dataclass(frozen=True)
class VodClassPrice:
    usd_per_gb_day: Mapping[str, Decimal]  # by VOD area
    minimum_days: int


@dataclass(frozen=True)
class Prices:
    car_packs: Mapping[str, Mapping[str, PackPrice]]  # CAR region → spec → pack prices
    css_tiers: Mapping[str, tuple[Tier, ...]]  # CSS region → ascending tiers
    push_max_ratio: Decimal  # upstream billed when downstream:upstream is below this…
    push_min_peak_mbps: Decimal  # …and the day's peak upstream exceeds this
    recording_usd_per_channel_month: Decimal
    recording_cos_usd_per_channel_minute: Decimal
    vod_storage: Mapping[str, VodClassPrice]  # VOD class → prices
    cos_storage: Mapping[str, Mapping[str, Decimal]]  # COS class → region → USD per GB-month
    mps_recognition_usd_per_minute: Mapping[str, Decimal]  # region → price
    mps_moderation_usd_per_minute: Decimal
    playback_vod_usd_per_gb: Mapping[str, Decimal] = field(default_factory=dict)  # VOD area → USD per GB
    playback_cos_usd_per_gb: Mapping[str, Decimal] = field(default_factory=dict)  # COS region → USD per GB

    @property
    def cos_regions(self) -> tuple[str, ...]:
        return tuple(self.cos_storage["STANDARD"])

    @classmethod
    def from_document(cls, doc: Any) -> Prices:
        return _Parser().prices(doc)

    def to_document(self) -> dict[str, Any]:
        return {
            "car_packs": {
                region: {
                    spec: {"monthly": str(p.monthly), "daily": str(p.daily)} for spec, p in specs.items()
                }
                for region, specs in self.car_packs.items()
            },
            "css_downstream_tiers": {
                region: [
                    {
                        "up_to_gb": None if t.up_to_gb is None else str(t.up_to_gb),
                        "usd_per_gb": str(t.usd_per_gb),
                    }
                    for t in tiers
                ]
                for region, tiers in self.css_tiers.items()
            },
            "push_rule": {
                "max_ratio": str(self.push_max_ratio),
                "min_peak_mbps": str(self.push_min_peak_mbps),
            },
            "recording": {
                "usd_per_channel_month": str(self.recording_usd_per_channel_month),
                "cos_usd_per_channel_minute": str(self.recording_cos_usd_per_channel_minute),
            },
            "vod_storage": {
                cls_: {
                    "usd_per_gb_day": {area: str(v) for area, v in p.usd_per_gb_day.items()},
                    "minimum_days": p.minimum_days,
                }
                for cls_, p in self.vod_storage.items()
            },
            "cos_storage_usd_per_gb_month": {
                cls_: {region: str(v) for region, v in regions.items()}
                for cls_, regions in self.cos_storage.items()
            },
            "mps_usd_per_minute": {
                "recognition": {r: str(v) for r, v in self.mps_recognition_usd_per_minute.items()},
                "moderation": str(self.mps_moderation_usd_per_minute),
            },
            **self._playback_document(),
        }

    def _playback_document(self) -> dict[str, Any]:
        if not (self.playback_vod_usd_per_gb or self.playback_cos_usd_per_gb):
            return {}
        return {
            "playback_usd_per_gb": {
                "vod": {area: str(v) for area, v in self.playback_vod_usd_per_gb.items()},
                "cos": {region: str(v) for region, v in self.playback_cos_usd_per_gb.items()},
            }
        }


class _Parser:
    """Walks a document collecting every error (with its path) instead of stopping at the first."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def prices(self, doc: Any) -> Prices:
        root = self.mapping(doc, "prices")
        car = self.mapping(root.get("car_packs"), "car_packs")
        self.check_regions(car, "car_packs")
        car_packs = {
            region: {spec: self.pack(car, region, spec) for spec in SPECS}
            for region in CAR_REGIONS
            if region in car
        }
        for region in CAR_REGIONS:
            if region not in car:
                self.errors.append(f"car_packs.{region}: missing")
        tiers_doc = self.mapping(root.get("css_downstream_tiers"), "css_downstream_tiers")
        css_tiers = {
            region: self.tiers(tiers_doc.get(region), f"css_downstream_tiers.{region}")
            for region in CSS_REGIONS
        }
        push = self.mapping(root.get("push_rule"), "push_rule")
        recording = self.mapping(root.get("recording"), "recording")
        vod = self.mapping(root.get("vod_storage"), "vod_storage")
        vod_storage = {cls_: self.vod_class(vod.get(cls_), f"vod_storage.{cls_}") for cls_ in VOD_CLASSES}
        cos = self.mapping(root.get("cos_storage_usd_per_gb_month"), "cos_storage_usd_per_gb_month")
        cos_storage = {
            cls_: self.money_map(cos.get(cls_), f"cos_storage_usd_per_gb_month.{cls_}")
            for cls_ in COS_CLASSES
        }
        for cls_ in COS_ARCHIVE_CLASSES:
            if cls_ in cos:
                cos_storage[cls_] = self.money_map(cos.get(cls_), f"cos_storage_usd_per_gb_month.{cls_}")
        playback = self.mapping(root.get("playback_usd_per_gb", {}), "playback_usd_per_gb")
        playback_vod = (
            {
                area: self.money(
                    self.mapping(playback.get("vod"), "playback_usd_per_gb.vod").get(area),
                    f"playback_usd_per_gb.vod.{area}",
                )
                for area in VOD_AREAS
            }
            if playback
            else {}
        )
        playback_cos = self.money_map(playback.get("cos"), "playback_usd_per_gb.cos") if playback else {}
        if set(cos_storage["STANDARD"]) != set(cos_storage["STANDARD_IA"]):
            self.errors.append(
                "cos_storage_usd_per_gb_month: STANDARD and STANDARD_IA must list the same regions"
            )
        mps = self.mapping(root.get("mps_usd_per_minute"), "mps_usd_per_minute")
        prices = Prices(
            car_packs=car_packs,
            css_tiers=css_tiers,
            push_max_ratio=self.money(push.get("max_ratio"), "push_rule.max_ratio"),
            push_min_peak_mbps=self.money(push.get("min_peak_mbps"), "push_rule.min_peak_mbps"),
            recording_usd_per_channel_month=self.money(
                recording.get("usd_per_channel_month"), "recording.usd_per_channel_month"
            ),
            recording_cos_usd_per_channel_minute=self.money(
                recording.get("cos_usd_per_channel_minute"), "recording.cos_usd_per_channel_minute"
            ),
            vod_storage=vod_storage,
            cos_storage=cos_storage,
            mps_recognition_usd_per_minute=self.money_map(
                mps.get("recognition"), "mps_usd_per_minute.recognition"
            ),
            mps_moderation_usd_per_minute=self.money(mps.get("moderation"), "mps_usd_per_minute.moderation"),
            playback_vod_usd_per_gb=playback_vod,
            playback_cos_usd_per_gb=playback_cos,
        )
        if self.errors:
            raise PricesError(self.errors)
        return prices

    def mapping(self, value: Any, path: str) -> Mapping[str, Any]:
        if isinstance(value, Mapping):
            return value
        self.errors.append(f"{path}: expected an object")
        return {}

    def check_regions(self, value: Mapping[str, Any], path: str) -> None:
        for key in value:
            if key not in CAR_REGIONS:
                self.errors.append(f"{path}.{key}: unknown region (one of {', '.join(CAR_REGIONS)})")

    def money(self, value: Any, path: str) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.errors.append(f"{path}: expected a decimal number")
            return Decimal(0)
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            self.errors.append(f"{path}: {value!r} is not a number")
            return Decimal(0)
        if not amount.is_finite() or amount < 0:
            self.errors.append(f"{path}: must be a finite number ≥ 0")
            return Decimal(0)
        return amount

    def money_map(self, value: Any, path: str) -> dict[str, Decimal]:
        items = self.mapping(value, path)
        if not items and isinstance(value, Mapping):
            self.errors.append(f"{path}: lists no region")
        # Sorted: JSON columns do not keep key order, and pages should list regions the same way every time.
        return {str(key): self.money(items[key], f"{path}.{key}") for key in sorted(items)}

    def pack(self, car: Mapping[str, Any], region: str, spec: str) -> PackPrice:
        path = f"car_packs.{region}.{spec}"
        doc = self.mapping(self.mapping(car.get(region), f"car_packs.{region}").get(spec), path)
        return PackPrice(
            self.money(doc.get("monthly"), f"{path}.monthly"), self.money(doc.get("daily"), f"{path}.daily")
        )

    def tiers(self, value: Any, path: str) -> tuple[Tier, ...]:
        if not isinstance(value, list) or not value:
            self.errors.append(f"{path}: expected a non-empty list of tiers")
            return (Tier(None, Decimal(0)),)
        tiers: list[Tier] = []
        for index, item in enumerate(value):
            doc = self.mapping(item, f"{path}[{index}]")
            bound = doc.get("up_to_gb")
            up_to = None if bound is None else self.money(bound, f"{path}[{index}].up_to_gb")
            tiers.append(Tier(up_to, self.money(doc.get("usd_per_gb"), f"{path}[{index}].usd_per_gb")))
        bounds = [t.up_to_gb for t in tiers]
        if bounds[-1] is not None or None in bounds[:-1]:
            self.errors.append(f"{path}: only the last tier may (and must) have no upper bound")
        finite = [b for b in bounds if b is not None]
        if any(b <= a for a, b in itertools.pairwise(finite)) or (finite and finite[0] <= 0):
            self.errors.append(f"{path}: tier bounds must be positive and ascending")
        return tuple(tiers)

    def vod_class(self, value: Any, path: str) -> VodClassPrice:
        doc = self.mapping(value, path)
        per_day = self.mapping(doc.get("usd_per_gb_day"), f"{path}.usd_per_gb_day")
        prices = {area: self.money(per_day.get(area), f"{path}.usd_per_gb_day.{area}") for area in VOD_AREAS}
        minimum = doc.get("minimum_days", 0)
        if isinstance(minimum, bool) or not isinstance(minimum, int) or minimum < 0:
            self.errors.append(f"{path}.minimum_days: expected a whole number ≥ 0")
            minimum = 0
        return VodClassPrice(prices, minimum)
