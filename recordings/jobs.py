"""RQ jobs of the orchestration: each takes primary keys (or nothing) and calls one service.

Jobs may run twice or late: every service they call is idempotent, and the periodic tick re-enqueues any
session whose next look is due, so a lost job costs a few seconds, never a stuck recording. The database is the
source of truth: when Redis is down a committed start or stop is not lost, only its wake-up job, and the tick
enqueues it once Redis is back.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta

import django_rq
from django.db import transaction
from django.utils import timezone
from redis import RedisError

logger = logging.getLogger(__name__)

QUEUE = "orchestration"
OVERDUE = timedelta(seconds=30)

# The sessions whose wake-up could not be enqueued during the current `watch_deferred()` block.
_deferred: ContextVar[list[int] | None] = ContextVar("deferred_wakeups", default=None)


def advance_session(session_id: int) -> str:
    from recordings.services.orchestrator import session_advance

    outcome = session_advance(session_id=session_id)
    if outcome.retry_at is not None:
        enqueue_advance(session_id, at=outcome.retry_at)
    return outcome.state


def enqueue_advance(session_id: int, *, at: datetime | None = None) -> bool:
    """Wake the session up (now or at `at`); False when Redis could not take the job (the tick will)."""
    try:
        queue = django_rq.get_queue(QUEUE)
        # The session row is the result: nothing to keep in Redis (there are many of these jobs).
        if at is None or at <= timezone.now() + timedelta(milliseconds=500):
            queue.enqueue(advance_session, session_id, result_ttl=0)
        else:
            queue.enqueue_at(at, advance_session, session_id, result_ttl=0)
    except RedisError as exc:
        from recordings.models import RecordingSession

        # The tick resumes sessions OVERDUE late (their own job may still be queued); this one's job is lost
        # for sure, so it is made to look late already and the first tick after Redis is back takes it.
        due = at or timezone.now()
        RecordingSession.objects.filter(pk=session_id).update(next_attempt_at=due - OVERDUE)
        logger.warning(
            "Session %s: its job could not be queued (%s); the periodic tick will pick it up", session_id, exc
        )
        deferred = _deferred.get()
        if deferred is not None:
            deferred.append(session_id)
        return False
    return True


def enqueue_advance_on_commit(session_id: int, *, at: datetime | None = None) -> None:
    transaction.on_commit(lambda: enqueue_advance(session_id, at=at))


@contextmanager
def watch_deferred() -> Iterator[list[int]]:
    """Collect the sessions whose wake-up job Redis refused inside the block (an API answers 202 for them)."""
    deferred: list[int] = []
    token = _deferred.set(deferred)
    try:
        yield deferred
    finally:
        _deferred.reset(token)


def tick() -> int:
    """Every few seconds: fire schedules and pick up every session whose next step is due."""
    from recordings.models import RecordingSession
    from recordings.services.schedules import schedules_tick
    from recordings.services.sessions import due_session_ids

    now = timezone.now()
    schedules_tick(now=now)
    # Sessions are normally woken by the job they scheduled for themselves; only those late by more than
    # OVERDUE lost theirs (Redis was down, a job vanished), so a backlog is not enqueued again on every tick.
    due = set(due_session_ids(now=now - OVERDUE))
    # A lease is released at the end of every pass and renewed while one runs: one that lapsed belongs to a
    # worker that died mid-pass, and its session is resumed at once rather than after OVERDUE.
    due |= set(RecordingSession.objects.open().filter(lease_until__lt=now).values_list("pk", flat=True)[:500])
    for session_id in sorted(due):
        enqueue_advance(session_id)
    return len(due)


def reconcile() -> dict[str, int]:
    from recordings.services.reconcile import reconcile as run

    return run(now=timezone.now())
