"""RQ worker classes for production: `rqworker --worker-class dashboard.observability.rq_worker.Worker`.

They are recordings.workers' (quick reconnection after a Redis outage) plus:

- Each job's log lines carry the job's function and, for jobs that take a `session_id`, its recording, so one
  recording can be followed from the web request that started it through every worker pass.
- A forked work horse records its metrics in its worker's file of PROMETHEUS_MULTIPROC_DIR (a worker runs one
  horse at a time, and the worker itself records nothing), not in a new file per job.
"""

from __future__ import annotations

import inspect
import os
from typing import Any

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


class SimpleWorker(_JobContext, workers.SimpleWorker):
    """Runs jobs in the worker process itself (benchmarks); its metrics file is the process's own."""
