"""Reading a JSON object from a request body without letting the body choose the failure.

Shared by the API toolkit and the CSS callback endpoint: a body too large for DATA_UPLOAD_MAX_MEMORY_SIZE, not
JSON, not an object, or nested deeper than any real payload (json.loads raises RecursionError near 1,000
levels, and PostgreSQL's jsonb has its own limit) becomes one `BadJsonBody` with a readable message.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest
from django.utils.translation import gettext

# No API body or CSS callback nests more than a few levels; 32 leaves room for callback_ext and the like.
MAX_DEPTH = 32


class BadJsonBody(ValueError):
    """The body cannot be read as a JSON object; the message says why."""


def request_body(request: HttpRequest) -> bytes:
    try:
        return request.body
    except RequestDataTooBig:
        raise BadJsonBody(
            gettext("The body is larger than the %(size)s bytes accepted.")
            % {"size": settings.DATA_UPLOAD_MAX_MEMORY_SIZE}
        ) from None


def loads_object(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except RecursionError:
        raise BadJsonBody(
            gettext("The body is nested deeper than %(depth)s levels.") % {"depth": MAX_DEPTH}
        ) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadJsonBody(gettext("The body is not valid JSON: %(reason)s") % {"reason": exc}) from exc
    if not isinstance(data, dict):
        raise BadJsonBody(gettext("The body must be a JSON object."))
    if _depth_exceeds(data, MAX_DEPTH):
        raise BadJsonBody(gettext("The body is nested deeper than %(depth)s levels.") % {"depth": MAX_DEPTH})
    return data


def _depth_exceeds(data: Any, limit: int) -> bool:
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > limit:
                return True
            children = value.values() if isinstance(value, dict) else value
            stack.extend((child, depth + 1) for child in children)
    return False
