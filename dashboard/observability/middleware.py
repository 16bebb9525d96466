"""Probes answered first, and the request id every log line of a request carries."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

from dashboard.observability import logcontext, views

PROBES: dict[str, Callable[[HttpRequest], HttpResponse]] = {
    "/healthz": views.healthz,
    "/readyz": views.readyz,
    "/metrics": views.metrics_view,
}

# An incoming id is kept when it is a plausible id (a proxy's or the caller's), never arbitrary text in logs.
REQUEST_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{7,127}$")
REQUEST_ID_HEADER = "X-Request-ID"


class ProbeMiddleware:
    """First in MIDDLEWARE: probes and scrapes skip host validation, the HTTPS redirect, sessions and logs."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        probe = PROBES.get(request.path_info.rstrip("/") or "/")
        if probe is not None and request.method in ("GET", "HEAD"):
            return probe(request)
        return self.get_response(request)


def request_id_of(request: HttpRequest) -> str:
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    return incoming if REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex


class RequestIdMiddleware:
    """Binds the request id (kept from X-Request-ID when sane, else new), the user and the room or recording of
    the URL to the request's log lines, and returns the id in the response's X-Request-ID header."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_of(request)
        request.request_id = request_id  # type: ignore[attr-defined]
        user = getattr(request, "user", None)
        username = user.get_username() if user is not None and user.is_authenticated else None
        with logcontext.bound(request_id=request_id, user=username):
            response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        return response

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: dict[str, Any]
    ) -> None:
        route = request.resolver_match.url_name if request.resolver_match else ""
        if "room_key" in kwargs:
            logcontext.bind(room=kwargs["room_key"])
        elif "room_pk" in kwargs:
            logcontext.bind(room=kwargs["room_pk"])
        elif route and "pk" in kwargs and route.startswith(("session_", "live_session")):
            logcontext.bind(recording=kwargs["pk"])
        elif route and "id" in kwargs and route.startswith("api_recording"):  # the API's /recordings/{id}/…
            logcontext.bind(recording=kwargs["id"])
        elif route and "pk" in kwargs and route.startswith(("room_", "live_room")):
            logcontext.bind(room=kwargs["pk"])
        return None
