"""The RQ worker class bench/steady.py runs: README's SimpleWorker, adding up the CPU time each job function costs
(its thread's CPU over RQ's whole perform_job: the job and RQ's bookkeeping around it) and how many runs, in a Redis
hash the bench reads before and after its measured span. Only the job's own thread is counted: the worker's
wake-up thread and its idle loop are not in any job's figure (they are in the bench's process total)."""

from __future__ import annotations

import time

from rq.job import Job
from rq.queue import Queue

from dashboard.observability.rq_worker import SimpleWorker

CPU_KEY = "cnr:bench-steady:job-cpu"
RUNS_KEY = "cnr:bench-steady:job-runs"


class MeasuringWorker(SimpleWorker):
    def perform_job(self, job: Job, queue: Queue) -> bool:
        started = time.thread_time()
        try:
            return super().perform_job(job, queue)
        finally:
            spent = time.thread_time() - started
            name = job.func_name or "?"
            pipeline = self.connection.pipeline(transaction=False)
            pipeline.hincrbyfloat(CPU_KEY, name, spent)
            pipeline.hincrby(RUNS_KEY, name, 1)
            pipeline.execute()
