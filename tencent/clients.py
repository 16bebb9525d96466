"""The SDK clients, built from settings and cached per process (and per configuration, so tests that point the
settings at a fresh emulator get fresh clients).

With TENCENT_API_ENDPOINT set (the emulator, or a private gateway) every service is reached at that one
host:port; otherwise each service uses its public host <service>.<TENCENT_ROOT_DOMAIN>.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from ipaddress import ip_address
from types import ModuleType
from typing import Any

from django.conf import settings
from qcloud_cos import CosConfig, CosS3Client
from tencentcloud.car.v20220110 import car_client
from tencentcloud.car.v20220110 import models as car_models
from tencentcloud.common import credential
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.live.v20180801 import live_client
from tencentcloud.live.v20180801 import models as live_models
from tencentcloud.vod.v20180717 import models as vod_models
from tencentcloud.vod.v20180717 import vod_client

# The COS SDK logs every request at INFO; the gateway's call log already records each one.
logging.getLogger("qcloud_cos").setLevel(logging.WARNING)

REQUEST_TIMEOUT_SECONDS = 30  # CAR documents 20 s for ApplyConcurrent, the slowest call we make


@dataclass(frozen=True)
class Service:
    name: str
    client_class: type
    models: ModuleType


CAR = Service("car", car_client.CarClient, car_models)
LIVE = Service("live", live_client.LiveClient, live_models)
VOD = Service("vod", vod_client.VodClient, vod_models)

# name → (fingerprint of the settings it was built from + pid, client). A changed configuration (or a fork,
# whose inherited sockets must not be shared) replaces the client instead of piling up new ones.
_cache: dict[str, tuple[tuple[Any, ...], Any]] = {}
_lock = threading.Lock()


def _cached(name: str, fingerprint: tuple[Any, ...], build: Callable[[], Any]) -> Any:
    key = (os.getpid(), *fingerprint)
    with _lock:
        entry = _cache.get(name)
        if entry is None or entry[0] != key:
            entry = _cache[name] = (key, build())
        return entry[1]


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def bypass_proxy_for(endpoint: str) -> None:
    """Make sure a loopback endpoint is never sent through HTTP(S)_PROXY.

    The Tencent SDK compares the *whole* "host:port" against NO_PROXY with a substring test, so "127.0.0.1" in
    NO_PROXY does not cover "127.0.0.1:8765"; requests (used by COS) compares the bare host. Both forms are added.
    """
    host = endpoint.rsplit(":", 1)[0] if endpoint.count(":") == 1 else endpoint
    if not _is_loopback(host):
        return
    for name in ("NO_PROXY", "no_proxy"):
        entries = [item for item in os.environ.get(name, "").split(",") if item]
        missing = [item for item in (host, endpoint) if item not in entries]
        if missing:
            os.environ[name] = ",".join([*entries, *missing])


def _api_config() -> tuple[str, ...]:
    return (
        settings.TENCENT_SECRET_ID,
        settings.TENCENT_SECRET_KEY,
        settings.TENCENT_REGION,
        settings.TENCENT_API_ENDPOINT,
        settings.TENCENT_API_SCHEME,
        settings.TENCENT_ROOT_DOMAIN,
    )


def api_client(service: Service) -> Any:
    """The SDK client of `service` for the current settings (one per process, shared by threads)."""
    config = _api_config()
    secret_id, secret_key, region, endpoint, scheme, root_domain = config

    def build() -> Any:
        if endpoint:
            bypass_proxy_for(endpoint)
        http = HttpProfile(
            protocol=scheme or "https",
            endpoint=endpoint or None,
            rootDomain=root_domain,
            reqTimeout=REQUEST_TIMEOUT_SECONDS,
        )
        # The SDK's own retryer stays off: the gateway retries, so that every attempt is recorded.
        profile = ClientProfile(httpProfile=http, language="en-US")
        return service.client_class(credential.Credential(secret_id, secret_key), region, profile)

    return _cached(service.name, config, build)


def cos_client() -> CosS3Client:
    """The COS client for the current settings. With COS_ENDPOINT ("host:port") it talks plain HTTP to that
    address while still sending the bucket's real Host header (which is how the emulator recognises COS)."""
    fingerprint = (
        settings.TENCENT_SECRET_ID,
        settings.TENCENT_SECRET_KEY,
        settings.COS_REGION,
        settings.COS_ENDPOINT,
    )

    def build() -> CosS3Client:
        common = {
            "Region": settings.COS_REGION,
            "SecretId": settings.TENCENT_SECRET_ID,
            "SecretKey": settings.TENCENT_SECRET_KEY,
            "Timeout": REQUEST_TIMEOUT_SECONDS,
        }
        if settings.COS_ENDPOINT:
            bypass_proxy_for(settings.COS_ENDPOINT)
            host, _, port = settings.COS_ENDPOINT.partition(":")
            config = CosConfig(IP=host, Port=int(port) if port else None, Scheme="http", **common)
        else:
            config = CosConfig(Scheme="https", **common)
        # retry=0: the gateway retries itself and records every attempt.
        return CosS3Client(config, retry=0)

    client: CosS3Client = _cached("cos", fingerprint, build)
    return client
