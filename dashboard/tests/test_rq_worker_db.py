"""README's production worker runs every job in one process: a dead database connection must not outlive its job."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import redis
from django.conf import settings
from django.db import connection
from rq import Queue

from dashboard.observability.rq_worker import SimpleWorker


def lose_the_connection() -> None:
    # What a PostgreSQL restart (or PgBouncer dropping an idle client) does to the worker's connection.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")


def query() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 42")
        return int(cursor.fetchone()[0])


@pytest.fixture
def queue() -> Iterator[Queue]:
    queue = Queue(f"test-rq-db-{uuid.uuid4().hex[:8]}", connection=redis.Redis.from_url(settings.REDIS_URL))
    yield queue
    queue.empty()
    for registry in (queue.failed_job_registry, queue.finished_job_registry):
        for job_id in registry.get_job_ids():
            registry.remove(job_id, delete_job=True)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="terminates its own PostgreSQL backend")
@pytest.mark.django_db(transaction=True)  # outside a test transaction, as a worker's jobs run
def test_the_job_after_a_lost_database_connection_connects_again(queue):
    query()  # the worker's connection is open, as after any earlier job
    lost = queue.enqueue(lose_the_connection)
    after = queue.enqueue(query)
    SimpleWorker([queue], connection=queue.connection).work(burst=True)
    assert lost.get_status() == "failed"
    assert after.get_status() == "finished", after.latest_result().exc_string
    assert after.return_value() == 42
