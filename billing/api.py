"""POST /api/v1/estimates: the what-if calculator for the business backend (same inputs, same breakdown)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext

from billing.estimator.inputs import FORMATS, STORAGE_TARGETS
from billing.estimator.prices import CAR_REGIONS, COS_CLASSES, CSS_REGIONS, SPECS, VOD_AREAS, VOD_CLASSES
from billing.forms import COS_REGIONS, MAX_DURATION_MINUTES, MAX_RECORDINGS, EstimateRequestForm
from billing.services import NoPriceBookError, estimate_plan
from dashboard.access import Capability
from dashboard.api import ApiError, ErrorDoc, api_operation, by_method, json_response

MONEY = {"type": "number", "description": "USD, rounded to cents"}

RECORDING_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["start", "duration_minutes"],
    "properties": {
        "start": {"type": "string", "format": "date-time", "example": "2026-12-01T20:00:00+08:00"},
        "duration_minutes": {"type": "integer", "minimum": 1, "maximum": MAX_DURATION_MINUTES},
        "spec": {"enum": list(SPECS), "default": "S", "description": "CAR concurrency spec"},
        "push_mbps": {"type": "number", "exclusiveMinimum": 0, "default": 8},
        "formats": {
            "type": "array",
            "items": {"enum": list(FORMATS)},
            "default": ["mp4"],
            "uniqueItems": True,
        },
        "storage": {"enum": list(STORAGE_TARGETS), "default": "vod"},
        "storage_class": {
            "enum": list(VOD_CLASSES),
            "default": "STANDARD",
            "description": "COS accepts STANDARD or STANDARD_IA",
        },
        "retention_days": {
            "type": ["integer", "null"],
            "minimum": 1,
            "default": 30,
            "description": "Days until the files are deleted; null: kept forever (the first year is priced)",
        },
        "standard_ia_after_days": {"type": ["integer", "null"], "minimum": 1, "description": "Policy: to IA"},
        "archive_after_days": {
            "type": ["integer", "null"],
            "minimum": 1,
            "description": "Policy: to ARCHIVE",
        },
        "deep_archive_after_days": {
            "type": ["integer", "null"],
            "minimum": 1,
            "description": "Policy: to DEEP_ARCHIVE",
        },
        "playback_gb": {
            "type": "number",
            "minimum": 0,
            "default": 0,
            "description": "Expected playback traffic of the files (VOD CDN or COS egress), priced per GB",
        },
    },
    # COS keeps recordings only in its standard classes (the calculator form says the same).
    "if": {"properties": {"storage": {"const": "cos"}}, "required": ["storage"]},
    "then": {"properties": {"storage_class": {"enum": list(COS_CLASSES)}}},
}

REQUEST_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["month", "car_region", "css_region", "vod_area", "cos_region", "downstream_gb_per_day"],
    "properties": {
        "month": {"type": "string", "pattern": r"^\d{4}-\d{2}$", "example": "2026-12"},
        "car_region": {"enum": list(CAR_REGIONS)},
        "css_region": {"enum": list(CSS_REGIONS)},
        "vod_area": {"enum": list(VOD_AREAS)},
        "cos_region": {"enum": list(COS_REGIONS)},
        "downstream_gb_per_day": {"type": "number", "minimum": 0},
        "recordings": {"type": "array", "items": RECORDING_SCHEMA, "maxItems": MAX_RECORDINGS},
    },
}

PUSH_DAY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "date": {"type": "string", "format": "date"},
        "upstream_gb": {"type": "number"},
        "downstream_gb": {"type": "number"},
        "ratio": {"type": ["number", "null"], "description": "downstream ÷ upstream; null without upstream"},
        "peak_upstream_mbps": {"type": "number"},
        "billed": {"type": "boolean"},
        "reason": {"type": "string"},
        "cost": MONEY,
    },
}

RESPONSE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "price_book": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "name": {"type": "string"},
                "version": {"type": "integer"},
                "effective_from": {"type": "string", "format": "date"},
            },
        },
        "currency": {"const": "USD"},
        "month": {"type": "string"},
        "total": MONEY,
        "car": {
            "type": "object",
            "properties": {
                "cost": MONEY,
                "monthly_packs": {"type": "integer"},
                "daily_packs": {"type": "integer", "description": "pack-days over the month"},
                "specs": {"type": "array", "items": {"type": "object"}},
            },
        },
        "push": {
            "type": "object",
            "properties": {
                "cost": MONEY,
                "billed_days": {"type": "integer"},
                "days": {"type": "array", "items": PUSH_DAY_SCHEMA},
            },
        },
        "playback": {"type": "object", "properties": {"cost": MONEY, "downstream_gb": {"type": "number"}}},
        "recording": {
            "type": "object",
            "properties": {
                "cost": MONEY,
                "peak_channels": {"type": "integer"},
                "days_with_recording": {"type": "integer"},
                "days_in_month": {"type": "integer"},
                "channel_fee": MONEY,
                "cos_fee": MONEY,
            },
        },
        "storage": {"type": "object", "properties": {"cost": MONEY, "gb": {"type": "number"}}},
        "file_playback": {
            "type": "object",
            "description": "The recorded files' expected playback (each recording's playback_gb), priced",
            "properties": {"cost": MONEY, "gb": {"type": "number"}},
        },
        "recordings": {
            "type": "array",
            "description": "Each recording's attributed cost, in request order",
            "items": {
                "type": "object",
                "properties": {
                    "label": {"type": "string"},
                    "start": {"type": "string", "format": "date-time"},
                    "cost": MONEY,
                    "car": MONEY,
                    "push": MONEY,
                    "recording": MONEY,
                    "storage": MONEY,
                    "storage_gb": {"type": "number"},
                    "storage_note": {"type": "string", "description": "Where and how long it is stored"},
                    "playback": MONEY,
                },
            },
        },
    },
}

REQUEST_EXAMPLE: dict[str, Any] = {
    "month": "2026-12",
    "car_region": "singapore",
    "css_region": "AP1",
    "vod_area": "outside",
    "cos_region": "singapore",
    "downstream_gb_per_day": 5,
    "recordings": [{"start": "2026-12-01T20:00:00+08:00", "duration_minutes": 120}],
}
# The answer to REQUEST_EXAMPLE with the list prices of the demo, its per-day lists shortened.
RESPONSE_EXAMPLE: dict[str, Any] = {
    "price_book": {
        "id": 1,
        "name": "Tencent Cloud international list prices",
        "version": 1,
        "effective_from": "2024-10-01",
    },
    "currency": "USD",
    "month": "2026-12",
    "total": 51.96,
    "car": {
        "cost": 40.0,
        "monthly_packs": 0,
        "daily_packs": 1,
        "specs": [
            {
                "spec": "S",
                "monthly_packs": 0,
                "daily_packs": 1,
                "monthly_price": 398.0,
                "daily_price": 40.0,
                "day_peaks": [1, 0, 0],
                "cost": 40.0,
                "all_daily_cost": 40.0,
            }
        ],
    },
    "push": {
        "cost": 0.0,
        "billed_days": 0,
        "days": [
            {
                "date": "2026-12-01",
                "upstream_gb": 7.2,
                "downstream_gb": 5.0,
                "ratio": 0.69,
                "peak_upstream_mbps": 8.0,
                "billed": False,
                "reason": "not billed: peak 8 Mbps ≤ 100 Mbps",
                "cost": 0.0,
            }
        ],
    },
    "playback": {"cost": 11.59, "downstream_gb": 155.0},
    "recording": {
        "cost": 0.17,
        "peak_channels": 1,
        "days_with_recording": 1,
        "days_in_month": 31,
        "channel_fee": 0.17,
        "cos_fee": 0.0,
    },
    "storage": {"cost": 0.19, "gb": 7.2},
    "file_playback": {"cost": 0.0, "gb": 0.0},
    "recordings": [
        {
            "label": "",
            "start": "2026-12-01T20:00:00+08:00",
            "cost": 40.37,
            "car": 40.0,
            "push": 0.0,
            "recording": 0.17,
            "storage": 0.19,
            "storage_gb": 7.2,
            "storage_note": "VOD STANDARD (Outside the mainland), 30 days",
            "playback": 0.0,
        }
    ],
}


@api_operation(
    path="/estimates",
    method="POST",
    capability=Capability.ESTIMATE,
    summary="Estimate a month's recording costs (what-if): CAR packs, push fees, playback, recording, storage",
    tag="Costs",
    request_schema=REQUEST_SCHEMA,
    response_schema=RESPONSE_SCHEMA,
    description=(
        "The same inputs and breakdown as the console's what-if calculator, priced with the price book in "
        "effect for the month. Nothing is stored."
    ),
    request_example=REQUEST_EXAMPLE,
    response_example=RESPONSE_EXAMPLE,
    errors={
        400: ErrorDoc(
            "The body is invalid (see `fields`).",
            "The request body is invalid.",
            {"car_region": ["Select a valid choice. ap-singapore is not one of the available choices."]},
        ),
        503: ErrorDoc(
            "No price book exists yet (the migrations seed the list prices); nothing can be priced.",
            "No price book exists yet: run the migrations (they seed the list prices).",
        ),
    },
)
def estimate_create(request: HttpRequest, body: dict[str, Any]) -> HttpResponse:
    form = EstimateRequestForm(body)
    if not form.is_valid() or form.plan is None:
        raise ApiError(400, gettext("The request body is invalid."), fields=form.errors)
    try:
        priced = estimate_plan(plan=form.plan)
    except NoPriceBookError as exc:
        raise ApiError(503, str(exc)) from exc
    return json_response(priced.as_dict())


estimates = by_method(POST=estimate_create)
