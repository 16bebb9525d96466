"""Which recording session the current Tencent calls belong to, without the gateway importing `recordings`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_session_id: ContextVar[int | None] = ContextVar("tencent_api_call_session_id", default=None)


@contextmanager
def api_call_context(*, session_id: int | None) -> Iterator[None]:
    """Calls made inside are recorded with this session id (nested contexts restore the outer one on exit)."""
    token = _session_id.set(session_id)
    try:
        yield
    finally:
        _session_id.reset(token)


def current_session_id() -> int | None:
    return _session_id.get()
