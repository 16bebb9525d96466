"""RQ worker classes for `rqworker --worker-class`: RQ's own, reconnecting sooner after a Redis outage.

A worker waiting for jobs retries a lost Redis connection with exponential back-off up to a minute by default;
capped at a few seconds, queued work resumes within seconds of Redis coming back (its other exits on Redis
errors are covered by running it under `manage.py supervise` or `rundemo`). Its maintenance (which also restarts
a scheduler that is not running, e.g. after Redis lost its lock or a killed worker's lock expired) runs every
15 s instead of every 10 minutes, so delayed jobs (`enqueue_at`) are not held up for minutes after an outage.
A worker on the orchestration queue also runs the thread that moves sessions' wake-ups onto the queue as they
fall due (recordings/sessions/enqueue.py: due steps jump the queue, with millisecond precision).
"""

from __future__ import annotations

from typing import Any

from rq import SimpleWorker as RQSimpleWorker
from rq import Worker as RQWorker

from recordings.sessions.enqueue import QUEUE, WakeupPromoter

RECONNECT_MAX_WAIT_S = 4.0
MAINTENANCE_INTERVAL_S = 15


class _Wakeups:
    def work(self, *args: Any, **kwargs: Any) -> bool:
        promoter = None
        if QUEUE in self.queue_names():  # type: ignore[attr-defined]
            promoter = WakeupPromoter(self.connection)  # type: ignore[attr-defined]
            promoter.start()
        try:
            return bool(super().work(*args, **kwargs))  # type: ignore[misc]
        finally:
            if promoter is not None:
                promoter.stop()


class Worker(_Wakeups, RQWorker):
    max_connection_wait_time = RECONNECT_MAX_WAIT_S

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("maintenance_interval", MAINTENANCE_INTERVAL_S)
        super().__init__(*args, **kwargs)


class SimpleWorker(_Wakeups, RQSimpleWorker):
    """Runs each job in the worker's own process (no fork): the fault tests kill it mid-job."""

    max_connection_wait_time = RECONNECT_MAX_WAIT_S

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("maintenance_interval", MAINTENANCE_INTERVAL_S)
        super().__init__(*args, **kwargs)
