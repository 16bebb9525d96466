"""Hotlink protection of CSS play/push URLs and VOD files.

CSS: `txTime` = expiry in UPPERCASE hex, `txSecret = md5(key + StreamName + txTime)`.
VOD key hotlink: `t` = expiry in lowercase hex, `sign = md5(KEY + Dir + t + exper + rlimit + us)` with Dir the
URL path up to and including its last `/`.
"""

from __future__ import annotations

import hashlib
import hmac


def tx_secret(key: str, stream_name: str, tx_time: str) -> str:
    return hashlib.md5(f"{key}{stream_name}{tx_time}".encode()).hexdigest()


def check_tx_secret(
    *, key: str, stream_name: str, tx_secret_value: str, tx_time: str, now: float
) -> str | None:
    """None when the txSecret/txTime pair is valid, else the reason it is not."""
    if not key:
        return None
    if not tx_secret_value or not tx_time:
        return "txSecret and txTime are required"
    if tx_time != tx_time.upper():
        return "txTime must be uppercase hex"
    try:
        expires = int(tx_time, 16)
    except ValueError:
        return "txTime is not hex"
    if expires < now:
        return "the URL has expired"
    if not hmac.compare_digest(tx_secret(key, stream_name, tx_time), tx_secret_value.lower()):
        return "txSecret does not match"
    return None


def vod_sign(*, key: str, directory: str, t: str, exper: str = "", rlimit: str = "", us: str = "") -> str:
    return hashlib.md5(f"{key}{directory}{t}{exper}{rlimit}{us}".encode()).hexdigest()
