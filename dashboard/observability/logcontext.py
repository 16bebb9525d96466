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


# RQ's own INFO lines that every job (or the worker's 15 s maintenance) writes however it went: the job taken
# ("default: recordings…tick() (id)"), "Job OK", "Successfully completed … job in …s" and the result's lifetime,
# and "cleaning registries for queue". With the 5 s tick they are most of a worker's log. Failures (ERROR
# "exception raised while executing", WARNING "job … failed"), retries (WARNING), repeats and the worker's start
# and stop lines are other messages and keep their level. Matched on RQ's format strings, which the logs test
# checks against a real worker: a new RQ that rewords one fails that test instead of flooding the logs.
RQ_ROUTINE_MESSAGES = frozenset(
    {
        "Worker %s: %s: %s (%s)",
        "Worker %s: %s: %s",
        "Successfully completed %s job in %ss on worker %s",
        "Successfully completed job %s in %ss on worker %s",
        "Worker %s: job %s result discarded immediately",
        "Worker %s: job %s result is kept for %s seconds",
        "Worker %s: job %s result will never expire, clean up result key manually",
        "Worker %s: cleaning registries for queue: %s",
    }
)


class RQJobLevelFilter(logging.Filter):
    """On the `rq.worker` logger: writes RQ's routine per-job INFO lines at `level` (RQ_JOB_LOG_LEVEL).

    RQ logs them with `info()` and has no setting for their level; the worker's --verbosity sets the level of
    the whole `rq.worker` logger, which would also hide failures' context and the worker's start and stop.
    """

    def __init__(self, level: str | int = "DEBUG") -> None:
        super().__init__()
        self.level = logging.getLevelName(level) if isinstance(level, str) else level
        if not isinstance(self.level, int):
            raise ValueError(f"RQ_JOB_LOG_LEVEL: unknown level {level!r}")

    def filter(self, record: logging.LogRecord) -> bool:
        if (
            record.levelno != logging.INFO
            or record.msg not in RQ_ROUTINE_MESSAGES
            or self.level == logging.INFO
        ):
            return True
        record.levelno, record.levelname = self.level, logging.getLevelName(self.level)
        # The logger let the line through at INFO; it goes on only if its level lets the new one through too.
        return logging.getLogger(record.name).isEnabledFor(self.level)


def logging_config(*, json_lines: bool, level: str, rq_job_level: str = "DEBUG") -> dict[str, Any]:
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
        "filters": {
            "context": {"()": "dashboard.observability.logcontext.ContextFilter"},
            "rq_job_level": {
                "()": "dashboard.observability.logcontext.RQJobLevelFilter",
                "level": rq_job_level,
            },
        },
        "formatters": {"console": formatter},
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": "console", "filters": ["context"]}
        },
        "root": {"handlers": ["console"], "level": level},
        # A filter of the logger itself (not of a handler): it runs before the line propagates to any handler.
        "loggers": {"rq.worker": {"filters": ["rq_job_level"]}},
    }
