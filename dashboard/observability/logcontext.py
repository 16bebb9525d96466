"""Fields bound to the current request or job and added to every log line written while they are bound.

Context variables, so concurrent requests and jobs never see each other's fields. The recording a Tencent call
belongs to is already known to `tencent.context` (the orchestrator sets it around every call it makes), so a
line written during a pass of the orchestrator names its recording without anyone binding it twice.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from pythonjsonlogger.core import RESERVED_ATTRS

from tencent.context import current_session_id

# The keys a log line may carry, in the order the text format shows them.
FIELDS = ("request_id", "user", "recording", "room", "job", "tencent_request_id")

_bound: ContextVar[dict[str, Any] | None] = ContextVar("log_context", default=None)


@contextmanager
def bound(**fields: Any) -> Iterator[None]:
    """Bind fields for the block (nested blocks add to, and on exit restore, the outer ones)."""
    token = _bound.set({**(_bound.get() or {}), **{k: v for k, v in fields.items() if v not in (None, "")}})
    try:
        yield
    finally:
        _bound.reset(token)


def bind(**fields: Any) -> None:
    """Add fields to the current request's or job's context until it ends (e.g. the last Tencent RequestId)."""
    current = _bound.get()
    if current is None:  # outside any request or job nothing is bound, so nothing lingers after it
        return
    current.update({k: v for k, v in fields.items() if v not in (None, "")})


def current() -> dict[str, Any]:
    fields = dict(_bound.get() or {})
    session_id = current_session_id()
    if session_id is not None:
        fields.setdefault("recording", session_id)
    return fields


class ContextFilter(logging.Filter):
    """Puts the bound fields on the record: as attributes (JSON) and as one ` key=value` string (text)."""

    def filter(self, record: logging.LogRecord) -> bool:
        fields = current()
        for key in FIELDS:
            if key in fields and not hasattr(record, key):
                setattr(record, key, fields[key])
        record.context = "".join(f" {key}={fields[key]}" for key in FIELDS if key in fields)
        return True


def logging_config(*, json_lines: bool, level: str) -> dict[str, Any]:
    """The LOGGING dict of the settings: one JSON object per line, or readable text, both with the context."""
    formatter: dict[str, Any]
    if json_lines:
        formatter = {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(levelname)s %(name)s %(message)s %(process)d",
            "rename_fields": {"levelname": "level", "name": "logger", "process": "pid"},
            "timestamp": "time",  # ISO 8601 in UTC
            # The text form of the context is for humans; JSON has each field on its own.
            "reserved_attrs": [*RESERVED_ATTRS, "taskName", "context"],
            "json_ensure_ascii": False,
        }
    else:
        formatter = {"format": "%(asctime)s %(levelname)s %(name)s %(message)s%(context)s"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": "dashboard.observability.logcontext.ContextFilter"}},
        "formatters": {"console": formatter},
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": "console", "filters": ["context"]}
        },
        "root": {"handlers": ["console"], "level": level},
    }
