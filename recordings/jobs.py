"""RQ jobs of the orchestration: each takes primary keys (or nothing) and calls one service.

Jobs may run twice or late: every service they call is idempotent, and the periodic tick re-enqueues any
session whose next look is due, so a lost job costs a few seconds, never a stuck recording.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import django_rq
from django.db import transaction
from django.utils import timezone

QUEUE = "orchestration"
OVERDUE = timedelta(seconds=30)


def advance_session(session_id: int) -> str:
    from recordings.services.orchestrator import session_advance

    outcome = session_advance(session_id=session_id)
    if outcome.retry_at is not None:
        enqueue_advance(session_id, at=outcome.retry_at)
    return outcome.state


def enqueue_advance(session_id: int, *, at: datetime | None = None) -> None:
    queue = django_rq.get_queue(QUEUE)
    # The session row is the result: nothing to keep in Redis (there are many of these jobs).
    if at is None or at <= timezone.now() + timedelta(milliseconds=500):
        queue.enqueue(advance_session, session_id, result_ttl=0)
    else:
        queue.enqueue_at(at, advance_session, session_id, result_ttl=0)


def enqueue_advance_on_commit(session_id: int, *, at: datetime | None = None) -> None:
    transaction.on_commit(lambda: enqueue_advance(session_id, at=at))


def tick() -> int:
    """Every few seconds: fire schedules and pick up every session whose next step is due."""
    from recordings.services.schedules import schedules_tick
    from recordings.services.sessions import due_session_ids

    now = timezone.now()
    schedules_tick(now=now)
    # Sessions are normally woken by the job they scheduled for themselves; only those late by more than
    # OVERDUE lost theirs (a worker died), so a backlog is not enqueued again on every tick.
    due = due_session_ids(now=now - OVERDUE)
    for session_id in due:
        enqueue_advance(session_id)
    return len(due)


def reconcile() -> dict[str, int]:
    from recordings.services.reconcile import reconcile as run

    return run(now=timezone.now())
