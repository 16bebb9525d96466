from __future__ import annotations

import json
from typing import Any

import pytest
from django.urls import reverse

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("list_price_book")]

EXAMPLE: dict[str, Any] = {
    "month": "2026-12",
    "car_region": "singapore",
    "css_region": "AP1",
    "vod_area": "outside",
    "cos_region": "singapore",
    "downstream_gb_per_day": 40.0,
    "recordings": [
        {
            "start": "2026-12-01T20:00:00+08:00",
            "duration_minutes": 120,
            "spec": "S",
            "push_mbps": 8,
            "formats": ["mp4", "hls"],
            "storage": "vod",
            "storage_class": "STANDARD",
            "retention_days": 30,
        }
    ],
}


def post(client, body, token=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.post(
        reverse("billing:api_estimates"), json.dumps(body), content_type="application/json", **headers
    )


def test_operator_gets_the_documented_breakdown(client, operator, api_token):
    response = post(client, EXAMPLE, api_token(operator))
    assert response.status_code == 200
    data = response.json()
    assert data["price_book"]["version"] == 1 and data["currency"] == "USD"
    assert data["car"] == {**data["car"], "cost": 40.0, "monthly_packs": 0, "daily_packs": 1}
    # 2 channels x 1/31 days x 5.2941; 14.4 GB x 30 days x 0.0009; 31 x 40 GB playback at 0.0748.
    assert data["recording"] == {
        **data["recording"],
        "cost": 0.34,
        "peak_channels": 2,
        "days_with_recording": 1,
    }
    assert data["storage"] == {"cost": 0.39, "gb": 14.4}
    assert data["playback"]["cost"] == 92.75
    assert data["push"]["cost"] == 0.0 and len(data["push"]["days"]) == 31
    first = data["push"]["days"][0]
    assert first == {
        **first,
        "date": "2026-12-01",
        "upstream_gb": 7.2,
        "downstream_gb": 40.0,
        "ratio": 5.56,
        "peak_upstream_mbps": 8.0,
        "billed": False,
        "cost": 0.0,
    }
    assert data["recordings"][0]["cost"] == 40.73
    assert data["total"] == 133.48


def test_manager_may_estimate_with_defaults_for_optional_recording_fields(client, manager, api_token):
    body = {**EXAMPLE, "recordings": [{"start": "2026-12-02T10:00:00+08:00", "duration_minutes": 60}]}
    response = post(client, body, api_token(manager))
    assert response.status_code == 200
    assert response.json()["recording"]["peak_channels"] == 1  # default format: mp4 only


def test_malformed_input_is_a_400_with_field_errors(client, operator, api_token):
    body = {
        **EXAMPLE,
        "month": "December",
        "css_region": "XX",
        "recordings": [
            {"start": "soon", "duration_minutes": 0},
            {**EXAMPLE["recordings"][0], "storage": "cos", "storage_class": "ARCHIVE", "formats": ["avi"]},
            "not an object",
        ],
    }
    response = post(client, body, api_token(operator))
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert set(fields) >= {
        "month",
        "css_region",
        "recordings[0].start",
        "recordings[0].duration_minutes",
        "recordings[1].formats",
        "recordings[1].storage_class",
        "recordings[2]",
    }


def test_recording_outside_the_month_is_a_field_error(client, operator, api_token):
    body = {**EXAMPLE, "recordings": [{**EXAMPLE["recordings"][0], "start": "2027-01-05T10:00:00+08:00"}]}
    response = post(client, body, api_token(operator))
    assert response.status_code == 400
    assert "recordings[0].start" in response.json()["error"]["fields"]


def test_recordings_must_be_a_list(client, operator, api_token):
    response = post(client, {**EXAMPLE, "recordings": {"start": "x"}}, api_token(operator))
    assert response.status_code == 400
    assert "recordings" in response.json()["error"]["fields"]


def test_without_token_401_and_moderator_403(client, moderator, api_token):
    assert post(client, EXAMPLE).status_code == 401
    assert post(client, EXAMPLE, api_token(moderator)).status_code == 403


def test_operation_is_in_the_openapi_document(client, operator):
    client.force_login(operator)  # the reference is behind login
    doc = client.get(reverse("openapi_json")).json()
    operation = doc["paths"]["/api/v1/estimates"]["post"]
    assert (
        "downstream_gb_per_day"
        in operation["requestBody"]["content"]["application/json"]["schema"]["properties"]
    )
    assert "push" in operation["responses"]["200"]["content"]["application/json"]["schema"]["properties"]


def test_without_any_price_book_the_api_says_so(client, operator, api_token):
    from billing.models import PriceBook

    PriceBook.objects.all().delete()
    response = post(client, EXAMPLE, api_token(operator))
    assert response.status_code == 503
    assert "price book" in response.json()["error"]["message"]
