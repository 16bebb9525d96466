"""RQ worker classes for `rqworker --worker-class`: RQ's own, reconnecting sooner after a Redis outage.

A worker waiting for jobs retries a lost Redis connection with exponential back-off up to a minute by default;
capped at a few seconds, queued work resumes within seconds of Redis coming back (its other exits on Redis
errors are covered by running it under `manage.py supervise` or `rundemo`).
"""

from __future__ import annotations

from rq import SimpleWorker as RQSimpleWorker
from rq import Worker as RQWorker

RECONNECT_MAX_WAIT_S = 4.0


class Worker(RQWorker):
    max_connection_wait_time = RECONNECT_MAX_WAIT_S


class SimpleWorker(RQSimpleWorker):
    """Runs each job in the worker's own process (no fork): the fault tests kill it mid-job."""

    max_connection_wait_time = RECONNECT_MAX_WAIT_S
