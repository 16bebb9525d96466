"""/healthz and /readyz: every state a probe must see, on the real database and the test's own Redis database."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from django.conf import settings
from django.db import OperationalError
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from dashboard.observability import readiness

QUEUES = list(settings.RQ_QUEUES)
WORKER_KEY = "rq:worker:observability-test"


@pytest.fixture
def rq_keys() -> Iterator[redis.Redis]:
    """A live worker on every queue and a fresh cron heartbeat, as RQ itself writes them."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    keys = [WORKER_KEY, "rq:cron_schedulers", *(f"rq:workers:{queue}" for queue in QUEUES)]
    client.delete(*keys)
    client.hset(WORKER_KEY, mapping={"state": "idle"})
    for queue in QUEUES:
        client.sadd(f"rq:workers:{queue}", WORKER_KEY)
    client.zadd("rq:cron_schedulers", {"host:1:abc": time.time()})
    yield client
    client.delete(*keys)


@pytest.fixture(autouse=True)
def migrations_unknown() -> Iterator[None]:
    readiness._migrations_applied = False
    yield
    readiness._migrations_applied = False


def ready(client: Client, query: str = "") -> tuple[int, dict[str, Any]]:
    response = client.get(f"/readyz{query}")
    return response.status_code, response.json()


def test_healthz_answers_probes_by_address_over_plain_http(client, settings):
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["console.example.com"]
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/healthz", HTTP_HOST="10.1.2.3:8000")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    # Only the probes skip the host check and the HTTPS redirect.
    assert client.get("/accounts/login/", HTTP_HOST="10.1.2.3:8000").status_code == 400
    assert client.get("/accounts/login/", HTTP_HOST="console.example.com").status_code == 301


@pytest.mark.django_db
def test_readyz_is_ready_when_everything_runs(client, rq_keys, settings):
    settings.ALLOWED_HOSTS = ["console.example.com"]
    status, body = ready(client)
    assert status == 200, body
    assert body["status"] == "ready" and body["failing"] == []
    assert list(body["checks"]) == ["database", "migrations", "redis", "workers", "cron"]
    assert all(check["ok"] for check in body["checks"].values())


@pytest.mark.django_db
def test_readyz_names_a_queue_nobody_listens_on(client, rq_keys):
    rq_keys.srem("rq:workers:media", WORKER_KEY)
    status, body = ready(client)
    assert status == 503
    assert body["status"] == "not ready" and body["failing"] == ["workers"]
    assert "media" in body["checks"]["workers"]["detail"]


@pytest.mark.django_db
def test_readyz_does_not_count_a_killed_worker(client, rq_keys):
    # SIGKILL: the worker never unregistered, its key expired with its last heartbeat.
    rq_keys.delete(WORKER_KEY)
    status, body = ready(client)
    assert status == 503 and body["failing"] == ["workers"]


@pytest.mark.django_db
def test_readyz_fails_on_a_stale_cron_heartbeat(client, rq_keys, settings):
    settings.READYZ_CRON_MAX_AGE_SECONDS = 120
    rq_keys.zadd("rq:cron_schedulers", {"host:1:abc": time.time() - 600})
    status, body = ready(client)
    assert status == 503 and body["failing"] == ["cron"]
    assert "600 s ago" in body["checks"]["cron"]["detail"]
    rq_keys.delete("rq:cron_schedulers")
    status, body = ready(client)
    assert status == 503 and "no RQ cron process" in body["checks"]["cron"]["detail"]


@pytest.mark.django_db
def test_readyz_when_redis_is_down(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    status, body = ready(client)
    assert status == 503
    assert body["failing"] == ["redis", "workers", "cron"]
    assert body["checks"]["database"]["ok"] and body["checks"]["migrations"]["ok"]


@pytest.mark.django_db
def test_readyz_when_the_database_is_down(client, rq_keys, monkeypatch):
    class Down:
        def cursor(self) -> Any:
            raise OperationalError(
                'connection to server at "127.0.0.1", port 5432 failed: Connection refused'
            )

    monkeypatch.setattr(readiness, "connection", Down())
    status, body = ready(client)
    assert status == 503
    assert body["failing"] == ["database", "migrations"]
    assert "Connection refused" in body["checks"]["database"]["detail"]


@pytest.mark.django_db
def test_readyz_when_migrations_are_pending(client, rq_keys, monkeypatch):
    class Pending:
        app_label, name = "recordings", "0099_future"

    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: [(Pending(), False)])
    status, body = ready(client)
    assert status == 503 and body["failing"] == ["migrations"]
    assert body["checks"]["migrations"]["detail"] == "1 not applied: recordings.0099_future"
    monkeypatch.undo()
    assert ready(client)[0] == 200


@pytest.mark.django_db
def test_readyz_checks_can_be_narrowed_for_the_web_tier(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    status, body = ready(client, "?check=database&check=migrations")
    assert status == 200 and list(body["checks"]) == ["database", "migrations"]
    assert client.get("/readyz?check=tencent").status_code == 400


@pytest.mark.django_db
def test_probes_never_touch_tencent(client, rq_keys, monkeypatch):
    from tencent import gateway

    def refuse(**kwargs: Any) -> Any:
        raise AssertionError("a probe called Tencent")

    monkeypatch.setattr(gateway, "execute", refuse)
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200
    assert client.get("/metrics").status_code == 200


@pytest.mark.django_db
def test_readyz_costs_one_query_once_migrations_are_known(client, rq_keys, django_assert_max_num_queries):
    assert ready(client)[0] == 200
    with django_assert_max_num_queries(1):
        assert ready(client)[0] == 200
