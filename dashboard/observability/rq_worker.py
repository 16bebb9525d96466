"""RQ worker classes for production: `rqworker --worker-class dashboard.observability.rq_worker.SimpleWorker`.

They are recordings.workers' (quick reconnection after a Redis outage) plus:

- Each job's log lines carry the job's function and, for jobs that take a `session_id`, its recording, so one
  recording can be followed from the web request that started it through every worker pass.
- SimpleWorker (README's choice: each job in the worker process, measured ~4.6x cheaper than forking a work horse
  per job) treats its database connections as Django treats a request's: around each job it closes one that
  failed (e.g. PostgreSQL restarted, or PgBouncer dropped it) or outlived DB_CONN_MAX_AGE, so the next job
  connects again instead of every later job failing on a dead connection.
- Worker (a forked work horse per job, for a queue whose jobs may crash their process): the horse records its
  metrics in its worker's file of PROMETHEUS_MULTIPROC_DIR (a worker runs one horse at a time, and the worker
  itself records nothing), not in a new file per job.
"""

from __future__ import annotations

import inspect
import os
from typing import Any

from django.db import connections
from django.urls import get_resolver
from rq.job import Job
from rq.queue import Queue

from dashboard.observability import logcontext, metrics
from recordings import workers


def job_log_fields(job: Job) -> dict[str, Any]:
    fields: dict[str, Any] = {"job": job.func_name}
    try:
        parameters = list(inspect.signature(job.func).parameters)
    except (ValueError, TypeError, AttributeError, ImportError):  # an unimportable job fails on its own
        return fields
    if "session_id" in parameters:
        index = parameters.index("session_id")
        value = job.kwargs.get("session_id", job.args[index] if len(job.args) > index else None)
        fields["recording"] = value
    return fields


class _JobContext:
    def perform_job(self, job: Job, queue: Queue) -> bool:
        with logcontext.bound(**job_log_fields(job)):
            return super().perform_job(job, queue)  # type: ignore[misc]


class Worker(_JobContext, workers.Worker):
    def work(self, *args: Any, **kwargs: Any) -> bool:
        # Loaded here, in the worker, the URLconf (every view module: ~0.5 s of CPU) is inherited by each forked
        # work horse; left to the first reverse() of a job (webhook payloads carry URLs), every job that
        # reverses a URL would load it again in its own short-lived horse.
        get_resolver().reverse_dict  # noqa: B018  # the property builds the reverse map
        return super().work(*args, **kwargs)

    def main_work_horse(self, job: Job, queue: Queue) -> None:
        metrics.use_process_name(f"rqworker_{os.getppid()}")
        super().main_work_horse(job, queue)


def _close_old_connections() -> None:
    # django.db.close_old_connections() without the connections inside a transaction: a test running a worker
    # in its test transaction keeps its connection (the worker itself never runs a job inside one).
    for connection in connections.all(initialized_only=True):
        if connection.connection is not None and not connection.in_atomic_block:  # open, and no transaction
            connection.close_if_unusable_or_obsolete()


class SimpleWorker(_JobContext, workers.SimpleWorker):
    """Runs jobs in the worker process itself (README's production worker); its metrics file is its own."""

    def perform_job(self, job: Job, queue: Queue) -> bool:
        _close_old_connections()
        try:
            return super().perform_job(job, queue)
        finally:
            _close_old_connections()
