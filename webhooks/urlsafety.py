"""SSRF guard: webhooks go only to http(s) URLs on public addresses.

Checked when an endpoint is saved and again at every connection (`GuardedPoolManager`): the host is resolved, every
address must be public, and the socket connects to the address that was checked, so a DNS answer that changes
between the check and the connection (rebinding) cannot reach the inside. WEBHOOKS_ALLOW_PRIVATE_URLS lifts the
address rule (the demo and the tests deliver to 127.0.0.1).
"""

from __future__ import annotations

import socket
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext
from urllib3 import HTTPConnectionPool, HTTPSConnectionPool, PoolManager
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.exceptions import NewConnectionError
from urllib3.util import connection

from dashboard.addresses import is_public_ip


class UnsafeUrl(ValueError):
    pass


def allow_private() -> bool:
    return bool(getattr(settings, "WEBHOOKS_ALLOW_PRIVATE_URLS", False))


def checked_addresses(host: str, port: int) -> list[str]:
    """The host's addresses, all of them public (UnsafeUrl otherwise, or when it does not resolve)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise UnsafeUrl(gettext("The host “%(host)s” does not resolve.") % {"host": host}) from exc
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not allow_private():
        refused = [a for a in addresses if not is_public_ip(a)]
        if refused:
            raise UnsafeUrl(
                gettext(
                    "The host “%(host)s” resolves to a loopback, private or link-local address (%(address)s)."
                )
                % {"host": host, "address": refused[0]}
            )
    return addresses


def check_url(url: str) -> None:
    """Refuse a URL that is not http(s) or whose host is not public; resolves the host."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"}:
        raise UnsafeUrl(gettext("Only http:// and https:// URLs are allowed."))
    if not parts.hostname:
        raise UnsafeUrl(gettext("The URL has no host."))
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise UnsafeUrl(gettext("The URL's port is invalid.")) from exc
    try:
        socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        return  # not resolvable now (a name not yet in DNS): every delivery resolves and checks it again
    checked_addresses(parts.hostname, port)


class _GuardedConnect:
    """Resolve, check, and connect to the checked address; TLS still verifies the certificate for the name."""

    def _new_conn(self: Any) -> socket.socket:
        try:
            addresses = checked_addresses(self._dns_host, self.port)
        except UnsafeUrl as exc:
            raise NewConnectionError(self, f"Refused: {exc}") from exc
        last: OSError | None = None
        for address in addresses:
            try:
                return connection.create_connection(
                    (address, self.port),
                    self.timeout,
                    source_address=self.source_address,
                    socket_options=self.socket_options,
                )
            except OSError as exc:
                last = exc
        raise NewConnectionError(self, f"Failed to establish a new connection: {last}")


class GuardedHTTPConnection(_GuardedConnect, HTTPConnection):
    pass


class GuardedHTTPSConnection(_GuardedConnect, HTTPSConnection):
    pass


class GuardedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = GuardedHTTPConnection


class GuardedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = GuardedHTTPSConnection


class GuardedPoolManager(PoolManager):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.pool_classes_by_scheme = {"http": GuardedHTTPConnectionPool, "https": GuardedHTTPSConnectionPool}
