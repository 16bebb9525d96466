"""Per-request context: the client IP for the audit log (without threading it through every service) and the
time zone times are shown in."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any
from zoneinfo import ZoneInfo

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from dashboard.models import Profile
from dashboard.timezones import is_valid_zone

current_ip: ContextVar[str | None] = ContextVar("current_ip", default=None)


def client_ip(request: HttpRequest) -> str | None:
    # Behind a trusted reverse proxy the left-most X-Forwarded-For entry is the client.
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded:
        return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = current_ip.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            current_ip.reset(token)


# The user's zone is copied into the session at login and when they change it, so that a page costs no query.
TIME_ZONE_SESSION_KEY = "console_time_zone"


def remember_time_zone(request: HttpRequest, name: str) -> None:
    request.session[TIME_ZONE_SESSION_KEY] = name


def remember_time_zone_at_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """user_logged_in receiver (connected in DashboardConfig.ready)."""
    if request is not None and hasattr(request, "session"):
        remember_time_zone(request, Profile.time_zone_of(user))


class TimeZoneMiddleware:
    """Activates the signed-in user's time zone for the request; otherwise the console's (TIME_ZONE) applies."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        name = self._zone_name(request)
        if name:
            timezone.activate(ZoneInfo(name))
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()

    @staticmethod
    def _zone_name(request: HttpRequest) -> str:
        session = getattr(request, "session", None)
        if session is None or not session.session_key:
            return ""
        name = session.get(TIME_ZONE_SESSION_KEY)
        if name is None and request.user.is_authenticated:  # a session from before profiles existed
            name = Profile.time_zone_of(request.user)
            remember_time_zone(request, name)
        return name if name and is_valid_zone(name) else ""
