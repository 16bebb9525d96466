"""Webhook endpoints in the business-backend API, and the payloads of the OpenAPI document's `webhooks` section."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext

from dashboard.access import Capability, current_user
from dashboard.api import BAD_BODY_CODE, ApiError, ErrorDoc, Param, api_operation, by_method, json_response
from dashboard.openapi import document_webhook
from dashboard.params import query_int
from recordings.models import ClientApp
from webhooks import services
from webhooks.models import SUBSCRIBABLE, EventType, WebhookDelivery, WebhookEndpoint
from webhooks.payload_docs import PAYLOADS

ENDPOINT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "url": {"type": "string", "format": "uri"},
        "events": {
            "type": "array",
            "items": {"enum": [t.value for t in SUBSCRIBABLE]},
            "description": "Empty = all.",
        },
        "client_app": {
            "type": ["integer", "null"],
            "description": "Only events of this client app (null = all).",
        },
        "description": {"type": "string"},
        "active": {"type": "boolean"},
        "disabled_reason": {"type": "string", "description": "Why the console switched it off, if it did."},
        "secret_rotated_until": {
            "type": ["string", "null"],
            "format": "date-time",
            "description": "While set, the previous secret also signs (24 h after a rotation).",
        },
        "created_at": {"type": "string", "format": "date-time"},
    },
}
WRITE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "url": {"type": "string", "format": "uri", "maxLength": 500},
        "events": {"type": "array", "items": {"enum": [t.value for t in SUBSCRIBABLE]}},
        "client_app": {"type": ["integer", "null"]},
        "description": {"type": "string", "maxLength": 200},
        "active": {"type": "boolean"},
        "rotate_secret": {"type": "boolean", "description": "PATCH only: a new secret (answered once)."},
    },
    "additionalProperties": False,
}
CREATE_SCHEMA: dict[str, Any] = {
    **WRITE_SCHEMA,
    "properties": {k: v for k, v in WRITE_SCHEMA["properties"].items() if k != "rotate_secret"},
    "required": ["url"],
}
ENDPOINT_EXAMPLE: dict[str, Any] = {
    "id": 3,
    "url": "https://backend.example.com/hooks/cnr",
    "events": ["recording.completed", "recording.failed"],
    "client_app": None,
    "description": "Business backend",
    "active": True,
    "disabled_reason": "",
    "secret_rotated_until": None,
    "created_at": "2026-12-02T12:00:00Z",
}
SECRET_EXAMPLE = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
DELIVERY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "webhook_id": {"type": "string", "description": "The `webhook-id` header of every attempt."},
        "type": {"type": "string"},
        "state": {"enum": ["pending", "delivered", "failed"]},
        "attempts": {"type": "integer"},
        "next_attempt_at": {"type": ["string", "null"], "format": "date-time"},
        "delivered_at": {"type": ["string", "null"], "format": "date-time"},
        "attempt_log": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "at": {"type": "string", "format": "date-time"},
                    "duration_ms": {"type": "integer"},
                    "status_code": {"type": ["integer", "null"]},
                    "ok": {"type": "boolean"},
                    "response_start": {"type": "string"},
                    "error": {"type": "string"},
                },
            },
        },
    },
}
DELIVERY_EXAMPLE: dict[str, Any] = {
    "id": 91,
    "webhook_id": "msg_4b1f0c2d9e8a7b6c5d4e3f2a",
    "type": "recording.completed",
    "state": "delivered",
    "attempts": 2,
    "next_attempt_at": None,
    "delivered_at": "2026-12-02T12:21:12Z",
    "attempt_log": [
        {
            "at": "2026-12-02T12:21:12Z",
            "duration_ms": 48,
            "status_code": 204,
            "ok": True,
            "response_start": "",
            "error": "",
        },
        {
            "at": "2026-12-02T12:21:06Z",
            "duration_ms": 10002,
            "status_code": None,
            "ok": False,
            "response_start": "",
            "error": "Timed out.",
        },
    ],
}
NO_ENDPOINT = ErrorDoc("No webhook endpoint has this id.", "No webhook endpoint #42.")
BAD_ENDPOINT = ErrorDoc(
    "The body is invalid: a URL that is not http(s) or points at a private address, an unknown event type, …",
    "The request body is invalid.",
    {"url": ["The host “10.0.0.5” resolves to a loopback, private or link-local address (10.0.0.5)."]},
)


def endpoint_json(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {
        "id": endpoint.pk,
        "url": endpoint.url,
        "events": list(endpoint.events),
        "client_app": endpoint.client_app_id,
        "description": endpoint.description,
        "active": endpoint.active,
        "disabled_reason": endpoint.disabled_reason,
        "secret_rotated_until": endpoint.previous_secret_until if endpoint.previous_secret else None,
        "created_at": endpoint.created_at,
    }


def delivery_json(delivery: WebhookDelivery) -> dict[str, Any]:
    return {
        "id": delivery.pk,
        "webhook_id": delivery.event.uid,
        "type": delivery.event.type,
        "state": delivery.state,
        "attempts": delivery.attempts,
        "next_attempt_at": delivery.next_attempt_at,
        "delivered_at": delivery.delivered_at,
        "attempt_log": [
            {
                "at": a.at,
                "duration_ms": a.duration_ms,
                "status_code": a.status_code,
                "ok": a.ok,
                "response_start": a.response_start,
                "error": a.error,
            }
            for a in delivery.attempt_log.all()
        ],
    }


def find_endpoint(pk: int) -> WebhookEndpoint:
    endpoint = WebhookEndpoint.objects.filter(pk=pk).first()
    if endpoint is None:
        raise ApiError(404, gettext("No webhook endpoint #%(id)s.") % {"id": pk})
    return endpoint


def invalid(field: str, message: str) -> ApiError:
    return ApiError(
        400, gettext("The request body is invalid."), fields={field: [message]}, code=BAD_BODY_CODE
    )


def parse_input(body: dict[str, Any], current: WebhookEndpoint | None) -> services.EndpointInput:
    """The endpoint's input from a body its operation's schema has checked (fields, types, lengths)."""
    url = body.get("url", current.url if current else "")
    if not url.strip():
        raise invalid("url", "This field is required.")
    events = body.get("events", list(current.events) if current else [])
    app_id = body.get("client_app", current.client_app_id if current else None)
    client_app = None
    if app_id is not None:
        client_app = ClientApp.objects.filter(pk=app_id).first()
        if client_app is None:
            raise invalid("client_app", f"No client app #{app_id}.")
    description = body.get("description", current.description if current else "")
    active = body.get("active", current.active if current else True)
    return services.EndpointInput(url.strip(), events, client_app, description.strip(), active)


def save(call: Any, **kwargs: Any) -> WebhookEndpoint:
    try:
        endpoint: WebhookEndpoint = call(**kwargs)
    except services.EndpointInvalid as exc:
        raise invalid(exc.field, exc.message) from exc
    return endpoint


@api_operation(
    path="/webhooks",
    method="GET",
    capability=Capability.MANAGE_WEBHOOKS,
    summary="List webhook endpoints",
    tag="Webhooks",
    response_schema={
        "type": "object",
        "properties": {"results": {"type": "array", "items": ENDPOINT_SCHEMA}},
    },
    response_example={"results": [ENDPOINT_EXAMPLE]},
)
def endpoint_list(request: HttpRequest, body: dict[str, Any]) -> HttpResponse:
    return json_response({"results": [endpoint_json(e) for e in WebhookEndpoint.objects.all()]})


@api_operation(
    path="/webhooks",
    method="POST",
    capability=Capability.MANAGE_WEBHOOKS,
    summary="Add a webhook endpoint",
    tag="Webhooks",
    request_schema=CREATE_SCHEMA,
    response_schema={
        "type": "object",
        "properties": {
            **ENDPOINT_SCHEMA["properties"],
            "secret": {"type": "string", "description": "The signing secret, answered only now."},
        },
    },
    success_status=201,
    description=(
        "The answer carries the endpoint's signing secret (`whsec_…`) once; keep it to verify the "
        "`webhook-signature` header (Standard Webhooks). `events` empty = every event type."
    ),
    request_example={"url": "https://backend.example.com/hooks/cnr", "events": ["recording.completed"]},
    response_example={**ENDPOINT_EXAMPLE, "secret": SECRET_EXAMPLE},
    errors={400: BAD_ENDPOINT},
)
def endpoint_create(request: HttpRequest, body: dict[str, Any]) -> HttpResponse:
    data = parse_input(body, None)
    endpoint = save(services.endpoint_create, data=data, actor=current_user(request))
    return json_response({**endpoint_json(endpoint), "secret": endpoint.secret}, status=201)


@api_operation(
    path="/webhooks/{id}",
    method="GET",
    capability=Capability.MANAGE_WEBHOOKS,
    summary="Read a webhook endpoint",
    tag="Webhooks",
    response_schema=ENDPOINT_SCHEMA,
    response_example=ENDPOINT_EXAMPLE,
    errors={404: NO_ENDPOINT},
)
def endpoint_read(request: HttpRequest, body: dict[str, Any], id: int) -> HttpResponse:
    return json_response(endpoint_json(find_endpoint(id)))


@api_operation(
    path="/webhooks/{id}",
    method="PATCH",
    capability=Capability.MANAGE_WEBHOOKS,
    summary="Change a webhook endpoint or rotate its secret",
    tag="Webhooks",
    request_schema=WRITE_SCHEMA,
    response_schema={
        "type": "object",
        "properties": {
            **ENDPOINT_SCHEMA["properties"],
            "secret": {"type": "string", "description": "Only after rotate_secret."},
        },
    },
    description=(
        "Fields left out keep their value. `rotate_secret: true` answers a new secret once; the old secret "
        "keeps signing alongside it (two `v1,` signatures) for 24 hours so receivers can switch without loss. "
        "Setting `active` to true again re-enables an endpoint the console disabled and sends what waited."
    ),
    request_example={"events": [], "rotate_secret": True},
    response_example={
        **ENDPOINT_EXAMPLE,
        "secret_rotated_until": "2026-12-03T12:00:00Z",
        "secret": SECRET_EXAMPLE,
    },
    errors={400: BAD_ENDPOINT, 404: NO_ENDPOINT},
)
def endpoint_patch(request: HttpRequest, body: dict[str, Any], id: int) -> HttpResponse:
    endpoint = find_endpoint(id)
    rotate = body.get("rotate_secret", False)
    if not isinstance(rotate, bool):
        raise invalid("rotate_secret", "true or false.")
    data = parse_input(body, endpoint)
    actor = current_user(request)
    endpoint = save(services.endpoint_update, endpoint=endpoint, data=data, actor=actor)
    answer = endpoint_json(endpoint)
    if rotate:
        answer["secret"] = services.endpoint_rotate_secret(endpoint=endpoint, actor=actor)
        answer["secret_rotated_until"] = endpoint.previous_secret_until
    return json_response(answer)


@api_operation(
    path="/webhooks/{id}",
    method="DELETE",
    capability=Capability.MANAGE_WEBHOOKS,
    summary="Delete a webhook endpoint (and its delivery log)",
    tag="Webhooks",
    response_schema={"type": "object", "properties": {"deleted": {"type": "integer"}}},
    response_example={"deleted": 3},
    errors={404: NO_ENDPOINT},
)
def endpoint_delete(request: HttpRequest, body: dict[str, Any], id: int) -> HttpResponse:
    services.endpoint_delete(endpoint=find_endpoint(id), actor=current_user(request))
    return json_response({"deleted": id})


@api_operation(
    path="/webhooks/{id}/test",
    method="POST",
    capability=Capability.MANAGE_WEBHOOKS,
    summary="Send a test event to one endpoint",
    tag="Webhooks",
    success_status=202,
    response_schema={"type": "object", "properties": {"queued": {"type": "boolean"}}},
    description="Queues a `webhook.test` event for this endpoint only; its delivery shows in the log.",
    response_example={"queued": True},
    errors={404: NO_ENDPOINT},
)
def endpoint_test(request: HttpRequest, body: dict[str, Any], id: int) -> HttpResponse:
    services.endpoint_send_test(endpoint=find_endpoint(id), actor=current_user(request))
    return json_response({"queued": True}, status=202)


@api_operation(
    path="/webhooks/{id}/deliveries",
    method="GET",
    capability=Capability.MANAGE_WEBHOOKS,
    summary="The delivery log of an endpoint, newest first",
    tag="Webhooks",
    query={
        "state": Param("Only deliveries in this state.", {"enum": ["pending", "delivered", "failed"]}),
        "limit": Param(
            "Page size (default 50, at most 200).", {"type": "integer", "minimum": 0, "maximum": 200}
        ),
    },
    response_schema={
        "type": "object",
        "properties": {"results": {"type": "array", "items": DELIVERY_SCHEMA}},
    },
    response_example={"results": [DELIVERY_EXAMPLE]},
    errors={404: NO_ENDPOINT},
)
def endpoint_deliveries(request: HttpRequest, body: dict[str, Any], id: int) -> HttpResponse:
    endpoint = find_endpoint(id)
    deliveries = endpoint.deliveries.select_related("event").prefetch_related("attempt_log")
    state = request.GET.get("state")
    if state:  # pending, delivered or failed: the parameter's schema says so
        deliveries = deliveries.filter(state=state)
    limit = query_int(request.GET, "limit", default=50, maximum=200)
    return json_response({"results": [delivery_json(d) for d in deliveries[:limit]]})


@api_operation(
    path="/webhooks/deliveries/{id}/redeliver",
    method="POST",
    capability=Capability.MANAGE_WEBHOOKS,
    summary="Send a delivery again",
    tag="Webhooks",
    success_status=202,
    response_schema=DELIVERY_SCHEMA,
    description="The same event with the same `webhook-id`, with a fresh retry schedule.",
    response_example={**DELIVERY_EXAMPLE, "state": "pending", "delivered_at": None},
    errors={404: ErrorDoc("No delivery has this id.", "No webhook delivery #42.")},
)
def delivery_redeliver(request: HttpRequest, body: dict[str, Any], id: int) -> HttpResponse:
    delivery = WebhookDelivery.objects.select_related("event", "endpoint").filter(pk=id).first()
    if delivery is None:
        raise ApiError(404, gettext("No webhook delivery #%(id)s.") % {"id": id})
    delivery = services.delivery_redeliver(delivery=delivery, actor=current_user(request))
    return json_response(delivery_json(delivery), status=202)


for _name, _entry in PAYLOADS.items():
    document_webhook(_name, _entry)
assert set(PAYLOADS) == {t.value for t in EventType}

endpoints_collection = by_method(GET=endpoint_list, POST=endpoint_create)
endpoint_resource = by_method(GET=endpoint_read, PATCH=endpoint_patch, DELETE=endpoint_delete)
endpoint_test_view = by_method(POST=endpoint_test)
endpoint_deliveries_view = by_method(GET=endpoint_deliveries)
delivery_redeliver_view = by_method(POST=delivery_redeliver)
