"""Counters and histograms incremented in code, where an event happens: Tencent calls and callback ingest.

Everything the database or Redis already knows (recordings by state, queues, the review queue, …) is read at
scrape time instead (`collectors`), so the hot paths carry only these few one-line calls.

With PROMETHEUS_MULTIPROC_DIR set (production: gunicorn workers and RQ workers on one host share the
directory, emptied before they start), prometheus-client keeps each process's values in a file there and
/metrics adds them up, dead processes included, so a counter never drops when a worker is killed. An RQ worker
forks a work horse per job; every horse of one worker writes the worker's file (`rq_worker.MetricsWorker` names
it), so the directory holds one file per process, not one per job. Without the variable (the demo) the values
live in the process, and /metrics shows those of the web process that answers.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

from prometheus_client import Counter, Histogram, disable_created_metrics, values
from prometheus_client.values import MultiProcessValue

from dashboard.observability import logcontext

calls_log = logging.getLogger("tencent.calls")
# Creation-time series double the output and no dashboard here uses them.
disable_created_metrics()

MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))

# The name of this process's values file; RQ work horses use their worker's (see rq_worker).
_process_name: str | None = None


def _process_identifier() -> str:
    return _process_name or str(os.getpid())


def use_process_name(name: str | None) -> None:
    global _process_name
    _process_name = name


if MULTIPROCESS:
    values.ValueClass = MultiProcessValue(process_identifier=_process_identifier)  # type: ignore[no-untyped-call]

# Registered nowhere: /metrics builds a registry per scrape (views.metrics_registry).
TENCENT_CALLS = Counter(
    "cnr_tencent_api_calls",
    "Tencent Cloud API call attempts, by service, action and outcome (ok, error, throttled).",
    ["service", "action", "outcome"],
    registry=None,
)
TENCENT_CALL_SECONDS = Histogram(
    "cnr_tencent_api_call_duration_seconds",
    "Duration of Tencent Cloud API call attempts (the call itself, after any throttling wait).",
    ["service", "action"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
    registry=None,
)
THROTTLE_WAIT_SECONDS = Histogram(
    "cnr_tencent_throttle_wait_seconds",
    "How long calls waited for a slot of the shared per-action rate limiter before being sent.",
    ["action"],
    buckets=(0.005, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30),
    registry=None,
)
CALLBACKS = Counter(
    "cnr_callbacks",
    "CSS callbacks received, by event type and result (stored, duplicate, rejected, malformed, reused).",
    ["event_type", "result"],
    registry=None,
)
CALLBACK_LAG_SECONDS = Histogram(
    "cnr_callback_lag_seconds",
    "Delay from the event's time at CSS to the callback reaching the console (accepted callbacks).",
    buckets=(0.5, 1, 2, 5, 10, 30, 60, 300, 900),
    registry=None,
)

IN_CODE = (TENCENT_CALLS, TENCENT_CALL_SECONDS, THROTTLE_WAIT_SECONDS, CALLBACKS, CALLBACK_LAG_SECONDS)

# Event types CSS documents; anything else is counted as "other" so a label never takes arbitrary values.
CALLBACK_TYPES = frozenset({"0", "1", "100", "200", "321", "332"})


def tencent_call(fields: Mapping[str, Any]) -> None:
    """One attempt, as tencent.calllog.record writes it: counted, timed, logged, its RequestId bound to logs."""
    service, action, outcome = fields["service"], fields["action"], fields["outcome"]
    if outcome != "ok" and str(fields.get("error_code", "")).startswith("RequestLimitExceeded"):
        outcome = "throttled"
    seconds = fields.get("duration_ms", 0) / 1000
    TENCENT_CALLS.labels(service, action, outcome).inc()
    TENCENT_CALL_SECONDS.labels(service, action).observe(seconds)
    request_id = fields.get("request_id", "")
    if request_id:
        logcontext.bind(tencent_request_id=request_id)
    calls_log.info(
        "Tencent %s.%s attempt %s: %s%s in %.3f s",
        service,
        action,
        fields.get("attempt", 1),
        outcome,
        f" {fields['error_code']}" if fields.get("error_code") else "",
        seconds,
    )


def throttle_wait(*, action: str, seconds: float) -> None:
    THROTTLE_WAIT_SECONDS.labels(action).observe(seconds)


def callback(*, event_type: Any, result: str, lag_seconds: float | None = None) -> None:
    label = str(event_type) if str(event_type) in CALLBACK_TYPES else "other"
    CALLBACKS.labels(label, result).inc()
    if lag_seconds is not None and lag_seconds >= 0:
        CALLBACK_LAG_SECONDS.observe(lag_seconds)
