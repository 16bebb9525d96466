"""Tencent Cloud API 3.0 response envelopes and the error every handler raises.

Success: `{"Response": {...fields, "RequestId": uuid}}`; error: `{"Response": {"Error": {"Code", "Message"},
"RequestId": uuid}}` — both with HTTP 200 and `Content-Type: application/json` exactly (the SDK only looks for an
error envelope with that exact content type).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

CONTENT_TYPE = "application/json"


class ApiError(Exception):
    """A Tencent error answer: raised anywhere in a handler, turned into the error envelope by the server."""

    def __init__(self, code: str, message: str = "") -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message or code


def new_request_id() -> str:
    return str(uuid.uuid4())


def success(fields: dict[str, Any], request_id: str) -> bytes:
    return _encode({**fields, "RequestId": request_id})


def error(code: str, message: str, request_id: str) -> bytes:
    return _encode({"Error": {"Code": code, "Message": message}, "RequestId": request_id})


def _encode(response: dict[str, Any]) -> bytes:
    return json.dumps({"Response": response}, ensure_ascii=False).encode()
