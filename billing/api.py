"""POST /api/v1/estimates: the what-if calculator for the business backend (same inputs, same breakdown)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse

from billing.estimator.inputs import FORMATS, STORAGE_TARGETS
from billing.estimator.prices import CAR_REGIONS, CSS_REGIONS, SPECS, VOD_AREAS, VOD_CLASSES
from billing.forms import COS_REGIONS, MAX_DURATION_MINUTES, MAX_RECORDINGS, EstimateRequestForm
from billing.services import NoPriceBookError, estimate_plan
from dashboard.access import Capability
from dashboard.api import ApiError, api_operation, by_method, json_response

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
        "retention_days": {"type": "integer", "minimum": 1, "default": 30},
    },
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
        "recordings": {
            "type": "array",
            "description": "Each recording's attributed cost, in request order",
            "items": {
                "type": "object",
                "properties": {
                    "cost": MONEY,
                    "car": MONEY,
                    "push": MONEY,
                    "recording": MONEY,
                    "storage": MONEY,
                    "storage_gb": {"type": "number"},
                },
            },
        },
    },
}


@api_operation(
    path="/estimates",
    method="POST",
    capability=Capability.ESTIMATE,
    summary="Estimate a month's recording costs (what-if): CAR packs, push fees, playback, recording, storage",
    tag="costs",
    request_schema=REQUEST_SCHEMA,
    response_schema=RESPONSE_SCHEMA,
)
def estimate_create(request: HttpRequest, body: dict[str, Any]) -> HttpResponse:
    form = EstimateRequestForm(body)
    if not form.is_valid() or form.plan is None:
        raise ApiError(400, "The request body is invalid.", fields=form.errors)
    try:
        priced = estimate_plan(plan=form.plan)
    except NoPriceBookError as exc:
        raise ApiError(503, str(exc)) from exc
    return json_response(priced.as_dict())


estimates = by_method(POST=estimate_create)
