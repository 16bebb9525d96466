"""The business-backend JSON API toolkit: bearer-token auth, role checks, JSON errors and the OpenAPI document.

An API view is a plain function decorated with `api_operation(...)`, which authenticates the token, checks the
capability, parses the JSON body and registers the operation in the OpenAPI document served at
/api/v1/openapi.json. `by_method` joins the operations sharing one URL into one Django view.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import wraps
from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from dashboard.access import Capability, has_capability
from dashboard.models import ApiToken

ApiView = Callable[..., HttpResponse]


class ApiError(Exception):
    """Raised inside an API view to answer with a JSON error and change nothing."""

    def __init__(self, status: int, message: str, *, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.fields = fields or {}


def json_response(data: Any, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, encoder=DjangoJSONEncoder, safe=False)


def error_response(status: int, message: str, fields: dict[str, list[str]] | None = None) -> JsonResponse:
    body: dict[str, Any] = {"error": {"status": status, "message": message}}
    if fields:
        body["error"]["fields"] = fields
    return json_response(body, status=status)


def form_error(form: forms.Form) -> ApiError:
    fields = {name: [str(e) for e in errors] for name, errors in form.errors.items()}
    return ApiError(400, "The request body is invalid.", fields=fields)


def authenticate_token(request: HttpRequest) -> User | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    token = (
        ApiToken.objects.active()
        .select_related("user")
        .filter(key_hash=ApiToken.hash_secret(secret.strip()))
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def parse_json_body(request: HttpRequest) -> dict[str, Any]:
    if not request.body:
        return {}
    try:
        data = json.loads(request.body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, f"The body is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ApiError(400, "The body must be a JSON object.")
    return data


@dataclass
class Operation:
    path: str
    method: str
    capability: Capability
    summary: str
    tag: str
    request_schema: dict[str, Any] | None = None
    response_schema: dict[str, Any] | None = None
    success_status: int = 200
    parameters: list[dict[str, Any]] = field(default_factory=list)


OPERATIONS: list[Operation] = []


def api_operation(
    *,
    path: str,
    method: str,
    capability: Capability,
    summary: str,
    tag: str,
    request_schema: dict[str, Any] | None = None,
    response_schema: dict[str, Any] | None = None,
    success_status: int = 200,
    query: dict[str, str] | None = None,
) -> Callable[[ApiView], ApiView]:
    """Register an operation in the OpenAPI document and wrap its view with auth, role check and JSON errors.

    The wrapped view is called as view(request, body, **url_kwargs) and returns an HttpResponse.
    """
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in _path_params(path)
    ] + [
        {"name": name, "in": "query", "required": False, "schema": {"type": "string"}, "description": text}
        for name, text in (query or {}).items()
    ]
    operation = Operation(
        path,
        method.upper(),
        capability,
        summary,
        tag,
        request_schema,
        response_schema,
        success_status,
        parameters,
    )
    OPERATIONS.append(operation)

    def decorator(view: ApiView) -> ApiView:
        @wraps(view)
        def wrapper(request: HttpRequest, **kwargs: Any) -> HttpResponse:
            user = authenticate_token(request)
            if user is None:
                response = error_response(401, "Send a valid API token as 'Authorization: Bearer <token>'.")
                response["WWW-Authenticate"] = "Bearer"
                return response
            if not has_capability(user, capability):
                return error_response(403, f"This token's role may not: {capability.label.lower()}.")
            request.user = user
            try:
                body = parse_json_body(request) if request.method in {"POST", "PATCH", "PUT"} else {}
                return view(request, body, **kwargs)
            except ApiError as exc:
                return error_response(exc.status, exc.message, exc.fields)

        return wrapper

    return decorator


def by_method(**views: ApiView) -> ApiView:
    """One URL, several operations: dispatch on the HTTP method, 405 for the others."""

    @csrf_exempt
    def dispatch(request: HttpRequest, **kwargs: Any) -> HttpResponse:
        view = views.get(request.method or "")
        if view is None:
            response = error_response(405, f"Method {request.method} is not allowed here.")
            response["Allow"] = ", ".join(sorted(views))
            return response
        return view(request, **kwargs)

    return dispatch


def _path_params(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{") and part.endswith("}")]


def openapi_document() -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for op in sorted(OPERATIONS, key=lambda o: (o.path, o.method)):
        entry: dict[str, Any] = {
            "summary": op.summary,
            "tags": [op.tag],
            "parameters": op.parameters,
            "security": [{"bearerAuth": []}],
            "description": f"Requires a token whose role may: {op.capability.label.lower()}.",
            "responses": {
                str(op.success_status): {
                    "description": "Success",
                    "content": {"application/json": {"schema": op.response_schema or {"type": "object"}}},
                },
                "400": {"$ref": "#/components/responses/BadRequest"},
                "401": {"$ref": "#/components/responses/Unauthorized"},
                "403": {"$ref": "#/components/responses/Forbidden"},
                "404": {"$ref": "#/components/responses/NotFound"},
            },
        }
        if op.request_schema is not None:
            entry["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": op.request_schema}},
            }
        paths.setdefault("/api/v1" + op.path, {})[op.method.lower()] = entry
    error_schema = {"$ref": "#/components/schemas/Error"}

    def error_response_doc(text: str) -> dict[str, Any]:
        return {"description": text, "content": {"application/json": {"schema": error_schema}}}

    return {
        "openapi": "3.1.0",
        "info": {
            "title": "CNR Console API",
            "version": "1.0.0",
            "description": "Business-backend API of CNR Console: rooms, recordings, files and cost estimates.",
        },
        "paths": paths,
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {
                    "type": "object",
                    "properties": {
                        "error": {
                            "type": "object",
                            "properties": {
                                "status": {"type": "integer"},
                                "message": {"type": "string"},
                                "fields": {
                                    "type": "object",
                                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                                },
                            },
                            "required": ["status", "message"],
                        }
                    },
                }
            },
            "responses": {
                "BadRequest": error_response_doc("Malformed JSON or invalid fields; nothing was changed."),
                "Unauthorized": error_response_doc("Missing, unknown or revoked token."),
                "Forbidden": error_response_doc("The token's role may not do this."),
                "NotFound": error_response_doc("No such object."),
            },
        },
    }
