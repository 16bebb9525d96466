"""Strip secrets out of request parameters before they are stored in the call log.

Two kinds of leak are covered: a parameter whose *name* says it is secret (SecretKey, Token, Sign, …) and a
secret embedded in a *value* as a query parameter (PublishStreamArgs="txSecret=…&txTime=…", presigned URLs).
"""

from __future__ import annotations

import re
from typing import Any

REDACTED = "***"

_SECRET_NAME_PARTS = ("secret", "token", "password", "passwd", "signature", "credential", "authorization")
_SECRET_NAMES = frozenset({"sign", "q-sign-algorithm", "q-ak"})
_SECRET_IN_VALUE = re.compile(
    r"(?i)(?P<name>\b(?:txsecret|secret\w*|sign|signature|q-signature|q-key-time|token|\w*-token|password|key)=)"
    r"[^&\s\"']*"
)


def is_secret_name(name: str) -> bool:
    lowered = name.lower()
    if lowered in _SECRET_NAMES or any(part in lowered for part in _SECRET_NAME_PARTS):
        return True
    # PushKey, PlayKey, SecretKey, AuthKey… but not a COS object "Key" or "MaxKeys".
    return lowered.endswith("key") and lowered != "key"


def redact(value: Any) -> Any:
    """A JSON-safe copy of `value` with secret-named entries and embedded secrets replaced by "***"."""
    if isinstance(value, dict):
        return {
            str(key): REDACTED if is_secret_name(str(key)) and item not in (None, "") else redact(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact(item) for item in value]
    if isinstance(value, str):
        return _SECRET_IN_VALUE.sub(lambda match: match.group("name") + REDACTED, value)
    if value is None or isinstance(value, bool | int | float):
        return value
    return str(value)
