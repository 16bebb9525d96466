"""The CSS callback endpoint's lean path: CSS's POSTs are answered before the console's browser middleware.

A callback is a machine-to-machine POST authenticated by its t/sign (verified by the view, unchanged): sessions,
the user, CSRF (the view is exempt), messages, htmx, the user's time zone, django-axes, the Content-Security-Policy
and frame headers, WhiteNoise and the client-IP context of audit rows do nothing for it, yet ran on every callback
(about a third of the request's CPU, measured by bench/callbacks.py). What still applies to it is kept here: the
host check (ALLOWED_HOSTS), the HTTPS redirect (a plain-HTTP callback when SECURE_SSL_REDIRECT is on takes the
ordinary path, which redirects it), and the request id on its log lines and in X-Request-ID.

Placed right after ProbeMiddleware in MIDDLEWARE.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from dashboard.observability import logcontext
from dashboard.observability.middleware import REQUEST_ID_HEADER, request_id_of
from recordings.media.views.callbacks import css_callback


class CssCallbackMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.path = ""  # resolved on the first request: the URLconf may not be importable yet

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not self.path:
            self.path = reverse("recordings:css_callback")
        if request.method != "POST" or request.path_info != self.path or not self._direct(request):
            return self.get_response(request)
        request_id = request_id_of(request)
        with logcontext.bound(request_id=request_id):
            response = css_callback(request)
        response[REQUEST_ID_HEADER] = request_id
        # What CommonMiddleware would add: without it gunicorn answers HTTP/1.1 with a chunked body.
        response["Content-Length"] = str(len(response.content))
        return response

    @staticmethod
    def _direct(request: HttpRequest) -> bool:
        """Whether the lean path may answer: otherwise the ordinary middleware answers (400, the redirect)."""
        try:
            request.get_host()
        except DisallowedHost:
            return False
        return request.is_secure() or not settings.SECURE_SSL_REDIRECT
