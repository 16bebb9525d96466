"""The unmodified Tencent SDK clients (CAR, CSS, VOD, COS) pointed at a running emulator, and plain HTTP
fetches of the media it serves."""

from __future__ import annotations

import hashlib
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from qcloud_cos import CosConfig, CosS3Client
from tencentcloud.car.v20220110 import car_client
from tencentcloud.common import credential
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.live.v20180801 import live_client
from tencentcloud.vod.v20180717 import vod_client

from emulator.testing import RunningEmulator

REGION = "ap-singapore"
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never via a proxy


def sdk_profile(endpoint: str) -> ClientProfile:
    return ClientProfile(httpProfile=HttpProfile(protocol="http", endpoint=endpoint, reqTimeout=30))


def sdk_credential(emu: RunningEmulator, secret_key: str | None = None) -> credential.Credential:
    secret_id, key = next(iter(emu.config.credentials.items()))
    return credential.Credential(secret_id, secret_key or key)


@dataclass
class Clients:
    car: Any
    live: Any
    vod: Any
    cos: Any


def make_clients(emu: RunningEmulator, *, secret_key: str | None = None) -> Clients:
    cred = sdk_credential(emu, secret_key)
    profile = sdk_profile(emu.endpoint)
    secret_id, key = next(iter(emu.config.credentials.items()))
    cos = CosS3Client(
        CosConfig(
            Region=emu.config.cos_region,
            SecretId=secret_id,
            SecretKey=secret_key or key,
            IP=emu.host,
            Port=emu.port,
            Scheme="http",
        )
    )
    return Clients(
        car=car_client.CarClient(cred, REGION, profile),
        live=live_client.LiveClient(cred, REGION, profile),
        vod=vod_client.VodClient(cred, REGION, profile),
        cos=cos,
    )


def call(client: Any, action: str, **params: Any) -> dict[str, Any]:
    """Call `action` through the SDK's typed request/response models; returns the response as a dict."""
    models = __import__(client.__module__.rsplit(".", 1)[0] + ".models", fromlist=["models"])
    request = getattr(models, f"{action}Request")()
    request.from_json_string(json.dumps(params))
    response = getattr(client, action)(request)
    return json.loads(response.to_json_string())


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """GET `url` → (status, headers, body), error statuses included."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with OPENER.open(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def signed(url: str, key: str, expires: float) -> str:
    """`url` with VOD key-hotlink parameters: t = lowercase hex expiry, sign = md5(key + Dir + t)."""
    path = url.split("://", 1)[1].split("/", 1)[1]
    directory = "/" + path[: path.rfind("/") + 1]
    t = format(int(expires), "x")
    return f"{url}?t={t}&sign={hashlib.md5(f'{key}{directory}{t}'.encode()).hexdigest()}"
