"""The business-backend JSON API toolkit: bearer-token auth, role checks, JSON errors and the OpenAPI document.

An API view is a plain function decorated with `api_operation(...)`, which authenticates the token, checks the
capability, parses the JSON body, checks it and the query parameters against the declared schemas
(dashboard/apischema.py) and registers the operation (with its schemas, examples and the errors it can answer)
for the OpenAPI document that dashboard/openapi.py builds. `by_method` joins the operations sharing one URL into
one Django view, and `api_route` gives that view its URL pattern from the path the operations declare: each path
is written once, in its `api_operation`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import wraps
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib.auth.models import User
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt

from dashboard.access import Capability, has_capability
from dashboard.apischema import body_errors, compile_schema, null_character_errors, query_errors
from dashboard.jsonbody import BadJsonBody, loads_object, request_body
from dashboard.models import ApiToken
from dashboard.params import QueryError

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

ApiView = Callable[..., HttpResponse]


class ApiError(Exception):
    """Raised inside an API view to answer with a JSON error and change nothing.

    `message` is for people: pass it translated (gettext, or a lazy string) and it answers in the request's
    language (Accept-Language; API requests have no session). Clients branch on the status, never on the words.
    """

    def __init__(
        self, status: int, message: str, *, fields: dict[str, list[str]] | None = None, code: str = ""
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.fields = fields or {}
        self.code = code or status_code(status)


# An error's `code` is for programs and never translated (the `message` is for people, in their language): the
# status's meaning unless the raiser names a finer one (invalid_body, invalid_query).
STATUS_CODES = {
    400: "invalid",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "gone",
    413: "too_large",
    429: "rate_limited",
    503: "unavailable",
}


def status_code(status: int) -> str:
    return STATUS_CODES.get(status, "error")


def json_response(data: Any, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, encoder=DjangoJSONEncoder, safe=False)


def error_response(
    status: int, message: StrOrPromise, fields: dict[str, list[str]] | None = None, *, code: str = ""
) -> JsonResponse:
    # str(): a lazy message is translated here, in the language LocaleMiddleware activated for this request.
    body: dict[str, Any] = {
        "error": {"status": status, "code": code or status_code(status), "message": str(message)}
    }
    if fields:
        body["error"]["fields"] = {name: [str(text) for text in texts] for name, texts in fields.items()}
    return json_response(body, status=status)


def form_error(form: forms.Form) -> ApiError:
    fields = {name: [str(e) for e in errors] for name, errors in form.errors.items()}
    return ApiError(400, gettext("The request body is invalid."), fields=fields, code=BAD_BODY_CODE)


UNAUTHORIZED_MESSAGE = _("Send a valid API token as 'Authorization: Bearer <token>'.")


def forbidden_message(capability: Capability) -> str:
    return gettext("This token's role may not: %(capability)s.") % {
        "capability": str(capability.label).lower()
    }


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
    try:
        body = request_body(request)
        return loads_object(body) if body else {}
    except BadJsonBody as exc:
        raise ApiError(400, str(exc), code=BAD_BODY_CODE) from exc


@dataclass(frozen=True)
class Param:
    """A documented query parameter: what it does, its schema and an example value."""

    description: str
    schema: dict[str, Any] = field(default_factory=lambda: {"type": "string"})
    example: Any = None


@dataclass(frozen=True)
class ErrorDoc:
    """An error answer an operation can give: when, and an example of its message (and field errors)."""

    when: str
    message: StrOrPromise
    fields: dict[str, list[str]] | None = None
    code: str = ""  # the status's code (STATUS_CODES) when empty


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
    query: dict[str, Param] = field(default_factory=dict)
    description: str = ""
    request_example: Any = None
    response_example: Any = None
    # Error answers beyond the ones every operation of its kind can give (see dashboard/openapi.py).
    errors: dict[int, ErrorDoc] = field(default_factory=dict)
    # Other success statuses with the same body, e.g. 200 for a repeated idempotent create.
    other_success: dict[int, str] = field(default_factory=dict)
    view: ApiView | None = None

    @property
    def path_params(self) -> list[str]:
        return _path_params(self.path)

    @property
    def reads_body(self) -> bool:
        return self.method in {"POST", "PATCH", "PUT"}


OPERATIONS: list[Operation] = []
BAD_BODY_MESSAGE = _("The request body is invalid.")
BAD_QUERY_MESSAGE = _("Invalid query parameter.")
BAD_BODY_CODE, BAD_QUERY_CODE = "invalid_body", "invalid_query"


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
    query: dict[str, str | Param] | None = None,
    description: str = "",
    request_example: Any = None,
    response_example: Any = None,
    errors: dict[int, ErrorDoc] | None = None,
    other_success: dict[int, str] | None = None,
) -> Callable[[ApiView], ApiView]:
    """Register an operation in the OpenAPI document and wrap its view with auth, role check and JSON errors.

    The wrapped view is called as view(request, body, **url_kwargs) and returns an HttpResponse.
    """
    operation = Operation(
        path,
        method.upper(),
        capability,
        summary,
        tag,
        request_schema,
        response_schema,
        success_status,
        {name: Param(value) if isinstance(value, str) else value for name, value in (query or {}).items()},
        description,
        request_example,
        response_example,
        errors or {},
        other_success or {},
    )
    OPERATIONS.append(operation)
    body_schema = compile_schema(request_schema) if request_schema is not None else None
    query_schemas = {name: compile_schema(param.schema) for name, param in operation.query.items()}

    def decorator(view: ApiView) -> ApiView:
        operation.view = view

        @wraps(view)
        def wrapper(request: HttpRequest, **kwargs: Any) -> HttpResponse:
            user = authenticate_token(request)
            if user is None:
                response = error_response(401, UNAUTHORIZED_MESSAGE)
                response["WWW-Authenticate"] = "Bearer"
                return response
            if not has_capability(user, capability):
                return error_response(403, forbidden_message(capability))
            request.user = user
            try:
                body = parse_json_body(request) if request.method in {"POST", "PATCH", "PUT"} else {}
                if fields := null_character_errors(body):
                    return error_response(400, BAD_BODY_MESSAGE, fields, code=BAD_BODY_CODE)
                if body_schema is not None and (fields := body_errors(body_schema, body)):
                    return error_response(400, BAD_BODY_MESSAGE, fields, code=BAD_BODY_CODE)
                if fields := query_errors(request.GET, query_schemas):
                    return error_response(400, BAD_QUERY_MESSAGE, fields, code=BAD_QUERY_CODE)
                return view(request, body, **kwargs)
            except ApiError as exc:
                return error_response(exc.status, exc.message, exc.fields, code=exc.code)
            except QueryError as exc:
                return error_response(400, BAD_QUERY_MESSAGE, {exc.field: [exc.message]}, code=BAD_QUERY_CODE)

        wrapper.api_operation = operation  # type: ignore[attr-defined]  # read by by_method and api_route
        return wrapper

    return decorator


def by_method(**views: ApiView) -> ApiView:
    """One URL, several operations: dispatch on the HTTP method, 405 for the others."""

    @csrf_exempt
    def dispatch(request: HttpRequest, **kwargs: Any) -> HttpResponse:
        view = views.get(request.method or "")
        if view is None:
            response = error_response(
                405, gettext("Method %(method)s is not allowed here.") % {"method": request.method}
            )
            response["Allow"] = ", ".join(sorted(views))
            return response
        return view(request, **kwargs)

    dispatch.api_methods = sorted(views)  # type: ignore[attr-defined]  # the reference test checks them
    dispatch.api_paths = sorted({view.api_operation.path for view in views.values()})  # type: ignore[attr-defined]
    return dispatch


# A path parameter's URL converter: ids are whole numbers (anything else is the API's JSON 404), keys are text.
CONVERTERS = {"id": "int"}


def api_route(view: ApiView, *, name: str) -> URLPattern:
    """The URL pattern serving a `by_method` view at the path its operations declare (under /api/v1)."""
    paths: list[str] = getattr(view, "api_paths", [])
    if len(paths) != 1:
        raise ValueError(f"{name}: the operations of one URL must declare one path, not {paths}")
    route = re.sub(r"\{(\w+)\}", lambda m: f"<{CONVERTERS.get(m[1], 'str')}:{m[1]}>", "api/v1" + paths[0])
    return path(route, view, name=name)


@csrf_exempt
def api_not_found(request: HttpRequest) -> HttpResponse:
    return error_response(404, gettext("No API operation has this path (an id must be a whole number)."))


def _path_params(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{") and part.endswith("}")]
