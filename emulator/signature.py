"""TC3-HMAC-SHA256 verification of Tencent Cloud API 3.0 requests, as the real gateway does it.

Canonical request = METHOD\\nURI\\nQUERY\\nheaders (lowercase `name:value` per signed header)\\nsigned header
names\\nsha256(payload); string to sign = algorithm\\ntimestamp\\nscope\\nsha256(canonical request); the key is the
HMAC chain "TC3"+SecretKey → date → service → "tc3_request".
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from emulator.envelope import ApiError

ALGORITHM = "TC3-HMAC-SHA256"
MAX_CLOCK_SKEW_S = 300
_AUTHORIZATION = re.compile(
    r"^TC3-HMAC-SHA256 Credential=(?P<credential>[^,\s]+),\s*SignedHeaders=(?P<signed>[^,\s]+),\s*"
    r"Signature=(?P<signature>[0-9a-fA-F]+)$"
)


@dataclass(frozen=True)
class VerifiedRequest:
    secret_id: str
    service: str
    date: str


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def sign(
    *,
    secret_key: str,
    service: str,
    timestamp: int,
    canonical_request: str,
) -> str:
    date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    scope = f"{date}/{service}/tc3_request"
    digest = hashlib.sha256(canonical_request.encode()).hexdigest()
    string_to_sign = f"{ALGORITHM}\n{timestamp}\n{scope}\n{digest}"
    key = _hmac(_hmac(_hmac(("TC3" + secret_key).encode(), date), service), "tc3_request")
    return hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()


def canonical_request(
    *, method: str, path: str, query: str, headers: Mapping[str, str], signed_headers: list[str], body: bytes
) -> str:
    canonical_headers = "".join(
        f"{name}:{headers.get(name, '').strip().lower()}\n" for name in signed_headers
    )
    payload_hash = (
        "UNSIGNED-PAYLOAD"
        if headers.get("x-tc-content-sha256") == "UNSIGNED-PAYLOAD"
        else hashlib.sha256(body if method != "GET" else b"").hexdigest()
    )
    return "\n".join([method, path, query, canonical_headers, ";".join(signed_headers), payload_hash])


def verify(
    *,
    method: str,
    path: str,
    query: str,
    headers: Mapping[str, str],
    body: bytes,
    credentials: Mapping[str, str],
    now: float | None = None,
) -> VerifiedRequest:
    """Check a request's Authorization header; `headers` must have lowercase names. Raises ApiError."""
    authorization = headers.get("authorization", "")
    match = _AUTHORIZATION.match(authorization.strip())
    if not match:
        raise ApiError(
            "AuthFailure.InvalidAuthorization", "The Authorization header is missing or malformed."
        )
    parts = match["credential"].split("/")
    if len(parts) != 4 or parts[3] != "tc3_request":
        raise ApiError(
            "AuthFailure.InvalidAuthorization", "Credential must be SecretId/Date/Service/tc3_request."
        )
    secret_id, date, service, _ = parts
    timestamp_raw = headers.get("x-tc-timestamp", "")
    if not timestamp_raw.isdigit():
        raise ApiError("MissingParameter", "The request is missing the X-TC-Timestamp header.")
    timestamp = int(timestamp_raw)
    current = time.time() if now is None else now
    if abs(current - timestamp) > MAX_CLOCK_SKEW_S:
        raise ApiError(
            "AuthFailure.SignatureExpire",
            f"Signature expired: the timestamp {timestamp} is more than {MAX_CLOCK_SKEW_S} s from the server time.",
        )
    secret_key = credentials.get(secret_id)
    if secret_key is None:
        raise ApiError("AuthFailure.SecretIdNotFound", "The SecretId is not found, please ensure it exists.")
    expected_date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    if date != expected_date:
        raise ApiError("AuthFailure.SignatureFailure", "The credential date does not match X-TC-Timestamp.")
    signed_headers = match["signed"].lower().split(";")
    if "content-type" not in signed_headers or "host" not in signed_headers:
        raise ApiError("AuthFailure.SignatureFailure", "SignedHeaders must include content-type and host.")
    canonical = canonical_request(
        method=method, path=path, query=query, headers=headers, signed_headers=signed_headers, body=body
    )
    expected = sign(secret_key=secret_key, service=service, timestamp=timestamp, canonical_request=canonical)
    if not hmac.compare_digest(expected, match["signature"].lower()):
        raise ApiError(
            "AuthFailure.SignatureFailure",
            "The provided credentials could not be validated. Please check your signature is correct.",
        )
    return VerifiedRequest(secret_id=secret_id, service=service, date=date)
