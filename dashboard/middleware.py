"""Per-request context: the client IP for the audit log (without threading it through every service), the
time zone times are shown in and the language pages are written in."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.middleware.locale import LocaleMiddleware
from django.utils import timezone, translation

from dashboard.models import Profile
from dashboard.timezones import is_valid_zone

current_ip: ContextVar[str | None] = ContextVar("current_ip", default=None)


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT reverse proxies the X-Forwarded-For entry
    the outermost trusted proxy appended. Entries left of it were written by the client and are never believed
    (a forged header would otherwise dodge the login lockout or lock out someone else's address)."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        entries = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        entries = [entry for entry in entries if entry]
        if len(entries) >= proxies:
            return entries[-proxies]
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
        remember_language(request, Profile.language_of(user))


# Like the zone, the user's language is copied into the session at login and when they change it.
LANGUAGE_SESSION_KEY = "console_language"


def remember_language(request: HttpRequest, code: str) -> None:
    request.session[LANGUAGE_SESSION_KEY] = code


def supported_language(code: str | None) -> str:
    """`code` if settings.LANGUAGES offers it (or a variant of it), else ""."""
    if not code:
        return ""
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return ""


class ConsoleLocaleMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware (language cookie → Accept-Language → LANGUAGE_CODE, plus its Vary and
    Content-Language headers) with the signed-in user's own choice (Profile.language) taking precedence."""

    def process_request(self, request: HttpRequest) -> None:
        language = self._user_language(request) or translation.get_language_from_request(request)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        response = super().process_response(request, response)
        # Every response is rendered by now (the console streams none): the next request, job or test that
        # runs on this thread starts from LANGUAGE_CODE instead of inheriting this user's language.
        translation.deactivate()
        return response

    @staticmethod
    def _user_language(request: HttpRequest) -> str:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return ""
        session = request.session
        code = session.get(LANGUAGE_SESSION_KEY)
        if code is None:  # a session from before the language preference existed
            code = Profile.language_of(user)
            remember_language(request, code)
        return supported_language(code)


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
