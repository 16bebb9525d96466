"""RQ workers' logs: the routine lines of every job stay out of production logs, failures do not.

A real worker (the production class, in burst mode) runs real jobs; the logging is the settings' LOGGING, as a
`manage.py rqworker` process has it.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator

import pytest
import redis
from django.conf import settings
from rq import Queue

from dashboard.observability import logcontext
from dashboard.observability.rq_worker import SimpleWorker

# The worker looks at its database connections around each job (closing a dead one): database access, in the
# test's transaction (which the worker leaves alone).
pytestmark = pytest.mark.django_db


def succeed() -> str:
    return "done"


def fail() -> None:
    raise RuntimeError("the Tencent call broke")


@pytest.fixture
def queue() -> Iterator[Queue]:
    connection = redis.Redis.from_url(settings.REDIS_URL)
    queue = Queue(f"test-rq-logs-{uuid.uuid4().hex[:8]}", connection=connection)
    yield queue
    queue.empty()
    for registry in (queue.failed_job_registry, queue.finished_job_registry):
        for job_id in registry.get_job_ids():
            registry.remove(job_id, delete_job=True)


def run(queue: Queue, logging_level: str | None) -> None:
    ok = queue.enqueue(succeed)
    broken = queue.enqueue(fail)
    SimpleWorker([queue], connection=queue.connection).work(burst=True, logging_level=logging_level)
    assert ok.get_status() == "finished" and broken.get_status() == "failed"


def worker_lines(caplog: pytest.LogCaptureFixture) -> list[tuple[str, str]]:
    return [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "rq.worker"]


def test_a_worker_logs_no_line_per_successful_job_at_info_but_logs_a_failure(queue, caplog):
    # As `rqworker --verbosity 1` runs it: rq.worker at INFO.
    with caplog.at_level(logging.INFO, logger="rq.worker"):
        run(queue, "INFO")
    lines = worker_lines(caplog)
    assert ("INFO", next(m for _, m in lines if "started with PID" in m)) in lines  # the worker's start stays
    assert not [m for _, m in lines if "Successfully completed" in m or "Job OK" in m], lines
    assert not [m for _, m in lines if f"{queue.name}: dashboard.tests" in m], lines  # "job taken"
    [error] = [(level, m) for level, m in lines if "exception raised while executing" in m]
    assert error[0] == "ERROR" and "the Tencent call broke" in error[1]


def test_the_routine_lines_are_there_at_debug(queue, caplog):
    with caplog.at_level(logging.DEBUG, logger="rq.worker"):
        run(queue, None)
    lines = worker_lines(caplog)
    completed = [level for level, m in lines if "Successfully completed" in m]
    taken = [
        level
        for level, m in lines
        if f"{queue.name}: dashboard.tests.test_observability_rq_logs.succeed" in m
    ]
    assert completed == ["DEBUG"] and taken == ["DEBUG"], lines
    assert [level for level, m in lines if "exception raised while executing" in m] == ["ERROR"]


def test_rq_job_log_level_info_writes_them_as_rq_does(queue, caplog):
    # One per configuration of logging in this process: a test module that calls django.setup() again adds one.
    rq_filters = [
        f for f in logging.getLogger("rq.worker").filters if isinstance(f, logcontext.RQJobLevelFilter)
    ]
    assert rq_filters
    assert (
        {f.level for f in rq_filters} == {logging.getLevelName(settings.RQ_JOB_LOG_LEVEL)} == {logging.DEBUG}
    )
    for rq_filter in rq_filters:
        rq_filter.level = logging.INFO  # what settings make of RQ_JOB_LOG_LEVEL=INFO
    try:
        with caplog.at_level(logging.INFO, logger="rq.worker"):
            run(queue, "INFO")
    finally:
        for rq_filter in rq_filters:
            rq_filter.level = logging.DEBUG
    assert [level for level, m in worker_lines(caplog) if "Successfully completed" in m] == ["INFO"]


def test_an_unknown_level_is_refused():
    with pytest.raises(ValueError, match="RQ_JOB_LOG_LEVEL"):
        logcontext.RQJobLevelFilter("LOUD")
