"""Hotlink and callback signatures of CSS and VOD: pure functions, no SDK, no network.

CSS push/play URLs: txTime = expiry as UPPERCASE hex unix seconds, txSecret = md5(key + StreamName + txTime).
CSS callbacks: t = expiry (unix seconds), sign = md5(callback key + str(t)).
VOD key hotlink: t = expiry as lowercase hex, sign = md5(KEY + Dir + t), Dir = the path up to the last "/".
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.utils import timezone

from tencent.results import PlayUrls
from tencent.timefmt import to_unix


class CallbackRejected(Exception):
    """A CSS callback whose signature is missing, wrong or expired."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


def _md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest()


def tx_time_hex(expires_at: datetime) -> str:
    return f"{to_unix(expires_at):X}"


def tx_secret(*, key: str, stream_name: str, tx_time_hex: str) -> str:
    return _md5(key + stream_name + tx_time_hex)


def _signed_path(*, key: str, app_name: str, stream_name: str, expires_at: datetime, suffix: str = "") -> str:
    tx_time = tx_time_hex(expires_at)
    query = urlencode(
        {"txSecret": tx_secret(key=key, stream_name=stream_name, tx_time_hex=tx_time), "txTime": tx_time}
    )
    return f"/{quote(app_name)}/{quote(stream_name)}{suffix}?{query}"


def css_push_url(
    *, stream_name: str, expires_at: datetime, domain: str | None = None, app_name: str | None = None
) -> str:
    path = _signed_path(
        key=settings.CSS_PUSH_KEY,
        app_name=app_name or settings.CSS_APP_NAME,
        stream_name=stream_name,
        expires_at=expires_at,
    )
    return f"rtmp://{domain or settings.CSS_PUSH_DOMAIN}{path}"


def css_play_urls(*, stream_name: str, expires_at: datetime, app_name: str | None = None) -> PlayUrls:
    """Signed play URLs. HLS/FLV go to CSS_PLAY_BASE_URL when set (the emulator serves them itself)."""
    app = app_name or settings.CSS_APP_NAME
    http_base = (settings.CSS_PLAY_BASE_URL or f"https://{settings.CSS_PLAY_DOMAIN}").rstrip("/")

    def signed(suffix: str = "") -> str:
        return _signed_path(
            key=settings.CSS_PLAY_KEY,
            app_name=app,
            stream_name=stream_name,
            expires_at=expires_at,
            suffix=suffix,
        )

    return PlayUrls(
        hls=http_base + signed(".m3u8"),
        flv=http_base + signed(".flv"),
        rtmp=f"rtmp://{settings.CSS_PLAY_DOMAIN}{signed()}",
        webrtc=f"webrtc://{settings.CSS_PLAY_DOMAIN}{signed()}",
        expires_at=expires_at,
    )


def callback_sign(*, key: str, t: int) -> str:
    return _md5(key + str(t))


# CSS signs a callback with t = send time + 600 s ("the default validity period of a callback notification from
# Tencent Cloud is 10 minutes", CSS callback docs, common parameters t/sign), re-signed on every retry. A t further
# ahead than that (plus a minute of clock skew between Tencent and us) was not made by CSS: with t = 10**30 a
# leaked (t, sign) pair would never expire.
CALLBACK_VALIDITY_SECONDS = 600
CALLBACK_CLOCK_SKEW_SECONDS = 60


def verify_css_callback(
    *, payload: dict[str, Any], key: str | None = None, now: datetime | None = None
) -> None:
    """Raise CallbackRejected unless `payload` carries a valid, unexpired t/sign for the callback key.

    An empty key refuses everything: md5("" + t) is computable by anyone.
    """
    key = settings.CSS_CALLBACK_KEY if key is None else key
    if not key:
        raise CallbackRejected("no callback key is configured (CSS_CALLBACK_KEY)")
    sign, raw_t = payload.get("sign"), payload.get("t")
    if not isinstance(sign, str) or not sign or raw_t in (None, ""):
        raise CallbackRejected("missing t or sign")
    try:
        t = int(str(raw_t))
    except ValueError:
        raise CallbackRejected("t is not a unix time") from None
    expected = callback_sign(key=key, t=t)
    if not hmac.compare_digest(expected, sign.lower()):
        raise CallbackRejected("bad sign")
    current = to_unix(now or timezone.now())
    if t < current:
        raise CallbackRejected("expired t")
    if t > current + CALLBACK_VALIDITY_SECONDS + CALLBACK_CLOCK_SKEW_SECONDS:
        raise CallbackRejected("t is further ahead than CSS's 10-minute signature validity")


def vod_hotlink_url(*, url: str, expires_at: datetime, key: str | None = None) -> str:
    """`url` with VOD key-hotlink parameters t and sign added; unchanged when no key is configured."""
    play_key = settings.VOD_PLAY_KEY if key is None else key
    if not play_key:
        return url
    parts = urlsplit(url)
    directory = parts.path[: parts.path.rfind("/") + 1] or "/"
    t = f"{to_unix(expires_at):x}"
    query = [
        (name, value)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
        if name not in ("t", "sign")
    ]
    query += [("t", t), ("sign", _md5(play_key + directory + t))]
    return urlunsplit(parts._replace(query=urlencode(query)))
