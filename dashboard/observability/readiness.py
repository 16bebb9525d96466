"""The checks of /readyz: can this process serve, and is what it relies on running?

Each check is cheap (one query, one Redis pipeline) and none calls Tencent. Migrations are read from disk once
per process: when every migration is applied the answer is kept (a process's code does not change under it).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor

from dashboard.observability.collectors import RedisState, redis_state

CHECKS = ("database", "migrations", "redis", "workers", "cron")


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


_migrations_applied = False


def database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as exc:
        return Check("database", False, f"unavailable: {exc}".strip()[:300])
    return Check("database", True, "ok")


def migrations(*, database_ok: bool) -> Check:
    global _migrations_applied
    if _migrations_applied:
        return Check("migrations", True, "all applied")
    if not database_ok:
        return Check("migrations", False, "unknown: the database is unavailable")
    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        return Check("migrations", False, f"unknown: {exc}"[:300])
    if plan:
        names = ", ".join(f"{m.app_label}.{m.name}" for m, _ in plan[:5])
        return Check("migrations", False, f"{len(plan)} not applied: {names}")
    _migrations_applied = True
    return Check("migrations", True, "all applied")


def redis_checks(state: RedisState, *, now: float) -> list[Check]:
    if not state.up:
        down = f"unknown: Redis is unavailable ({state.error})"[:300]
        return [
            Check("redis", False, state.error[:300]),
            Check("workers", False, down),
            Check("cron", False, down),
        ]
    idle = [queue.name for queue in state.queues if queue.workers == 0]
    workers = (
        Check("workers", False, f"no live RQ worker listens on: {', '.join(idle)}")
        if idle
        else Check("workers", True, ", ".join(f"{q.name}: {q.workers}" for q in state.queues))
    )
    limit = settings.READYZ_CRON_MAX_AGE_SECONDS
    if state.cron_heartbeat_at is None:
        cron = Check("cron", False, "no RQ cron process has reported (manage.py rqcron recordings.cron)")
    elif now - state.cron_heartbeat_at > limit:
        cron = Check(
            "cron", False, f"last heartbeat {now - state.cron_heartbeat_at:.0f} s ago (limit {limit} s)"
        )
    else:
        cron = Check("cron", True, f"last heartbeat {now - state.cron_heartbeat_at:.0f} s ago")
    return [Check("redis", True, "ok"), workers, cron]


def run(names: tuple[str, ...] = CHECKS) -> list[Check]:
    """The named checks (all by default), in CHECKS order."""
    results: list[Check] = []
    db = database() if {"database", "migrations"} & set(names) else None
    if db is not None and "database" in names:
        results.append(db)
    if "migrations" in names:
        results.append(migrations(database_ok=db is not None and db.ok))
    if {"redis", "workers", "cron"} & set(names):
        results += [c for c in redis_checks(redis_state(), now=time.time()) if c.name in names]
    return results
