"""The webhooks API: CRUD, the secret answered once, rotation, test events, the log, redeliver, permissions."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from dashboard.openapi import openapi_document
from webhooks.models import EventType, WebhookDelivery, WebhookEndpoint, WebhookEvent

pytestmark = pytest.mark.django_db


def call(client: Client, method: str, url: str, body: Any = None) -> Any:
    data = json.dumps(body) if body is not None else None
    return getattr(client, method)(url, data=data, content_type="application/json")


@pytest.fixture
def api(api_token):  # type: ignore[no-untyped-def]
    return lambda user: Client(HTTP_AUTHORIZATION=f"Bearer {api_token(user)}")


def test_crud_and_secret_once(api, operator, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    client = api(operator)
    created = call(
        client, "post", "/api/v1/webhooks", {"url": "http://127.0.0.1:9/h", "events": ["file.created"]}
    )
    assert created.status_code == 201
    body = created.json()
    assert body["secret"].startswith("whsec_") and body["events"] == ["file.created"]
    pk = body["id"]
    read = call(client, "get", f"/api/v1/webhooks/{pk}").json()
    assert "secret" not in read and read["active"] is True
    assert [e["id"] for e in call(client, "get", "/api/v1/webhooks").json()["results"]] == [pk]
    patched = call(
        client, "patch", f"/api/v1/webhooks/{pk}", {"description": "backend", "rotate_secret": True}
    )
    assert patched.status_code == 200
    assert patched.json()["secret"] != body["secret"] and patched.json()["secret_rotated_until"]
    assert WebhookEndpoint.objects.get().previous_secret == body["secret"]
    assert call(client, "post", f"/api/v1/webhooks/{pk}/test").status_code == 202
    assert WebhookEvent.objects.get().type == EventType.TEST
    assert call(client, "delete", f"/api/v1/webhooks/{pk}").status_code == 200
    assert call(client, "get", f"/api/v1/webhooks/{pk}").status_code == 404


def test_bad_input_is_a_400(api, operator, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False
    client = api(operator)
    for body, field in [
        ({"url": "http://127.0.0.1/x"}, "url"),
        ({"url": "gopher://example.com/"}, "url"),
        ({"url": "https://example.com/", "events": ["nope"]}, "events"),
        ({"url": "https://example.com/", "client_app": 999999}, "client_app"),
        ({"url": "https://example.com/", "secret": "x"}, "secret"),
        ({}, "url"),
    ]:
        answer = call(client, "post", "/api/v1/webhooks", body)
        assert answer.status_code == 400, body
        assert field in answer.json()["error"]["fields"]
    assert WebhookEndpoint.objects.count() == 0


def test_deliveries_and_redeliver(api, operator, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    client = api(operator)
    pk = call(client, "post", "/api/v1/webhooks", {"url": "http://127.0.0.1:9/h"}).json()["id"]
    call(client, "post", f"/api/v1/webhooks/{pk}/test")
    from webhooks.delivery import dispatch_events

    dispatch_events()
    delivery = WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(state="failed", next_attempt_at=None)
    log = call(client, "get", f"/api/v1/webhooks/{pk}/deliveries").json()["results"]
    assert log[0]["webhook_id"] == delivery.event.uid and log[0]["state"] == "failed"
    again = call(client, "post", f"/api/v1/webhooks/deliveries/{delivery.pk}/redeliver")
    assert again.status_code == 202 and again.json()["state"] == "pending"
    assert again.json()["webhook_id"] == delivery.event.uid
    assert call(client, "get", f"/api/v1/webhooks/{pk}/deliveries?state=bogus").status_code == 400


def test_permissions(api, manager, operator):
    assert Client().get("/api/v1/webhooks").status_code == 401
    assert api(manager).get("/api/v1/webhooks").status_code == 403
    assert call(api(manager), "post", "/api/v1/webhooks", {"url": "https://example.com/"}).status_code == 403
    assert api(operator).get("/api/v1/webhooks").status_code == 200


def test_pages_need_the_capability(client, manager, operator):
    client.force_login(manager)
    assert client.get("/webhooks/").status_code == 403
    client.force_login(operator)
    assert client.get("/webhooks/").status_code == 200
    assert client.get("/webhooks/new/").status_code == 200


def test_openapi_documents_operations_and_payloads():
    document = openapi_document()
    assert set(document["paths"]["/api/v1/webhooks/{id}"]) == {"get", "patch", "delete"}
    assert "/api/v1/webhooks/deliveries/{id}/redeliver" in document["paths"]
    assert set(document["webhooks"]) == {t.value for t in EventType}
    completed = document["webhooks"]["recording.completed"]["post"]
    assert {p["name"] for p in completed["parameters"]} == {
        "webhook-id",
        "webhook-timestamp",
        "webhook-signature",
    }
