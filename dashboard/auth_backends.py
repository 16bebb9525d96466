"""The login-throttling backend: django-axes' check, minus its refusal of request-less authenticate() calls."""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.http import HttpRequest

from dashboard.audit import valid_ip
from dashboard.middleware import client_ip


class LoginThrottleBackend(AxesStandaloneBackend):
    """Refuses logins of a locked-out username or address (the next backend checks the password).

    Every login over HTTP (the login page, the admin) passes its request. Only code running inside the
    server calls authenticate() without one (the test client's login(), management commands); there is
    no address to count there and no attacker to throttle, so it is let through instead of raising.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)  # type: ignore[no-any-return]


def login_client_ip(request: HttpRequest) -> str | None:
    """The address django-axes counts failures for: the console's client address, when it is a real one."""
    return valid_ip(client_ip(request)) or valid_ip(request.META.get("REMOTE_ADDR"))
