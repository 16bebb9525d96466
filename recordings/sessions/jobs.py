"""RQ jobs of the orchestration: each takes primary keys (or nothing) and calls one service.

Jobs may run twice or late: every service they call is idempotent, and the periodic tick re-enqueues any
session whose next look is due, so a lost job costs a few seconds, never a stuck recording. Enqueueing lives in
recordings/sessions/enqueue.py, which the services use, so this module may import them.
"""

from __future__ import annotations

import logging

import django_rq
from django.utils import timezone
from redis import RedisError

from recordings.models import RecordingSession
from recordings.sessions.enqueue import OVERDUE, enqueue_advance, promote_due_wakeups
from recordings.sessions.enqueue import QUEUE as QUEUE
from recordings.sessions.services import orchestrator, schedules, sessions
from recordings.sessions.services import reconcile as reconciliation
from tencent import ratelimit

logger = logging.getLogger(__name__)


def advance_session(session_id: int) -> str:
    # A call that finds its rate limit full does not sleep in the worker: the pass ends and the session's next
    # look is scheduled for the place in line the limiter gave it (the worker takes the next job meanwhile).
    with ratelimit.deferring():
        outcome = orchestrator.session_advance(session_id=session_id)
    if outcome.retry_at is not None:
        enqueue_advance(session_id, at=outcome.retry_at)
    return outcome.state


def tick() -> int:
    """Every few seconds: fire schedules and pick up every session whose next step is due."""
    now = timezone.now()
    schedules.schedules_tick(now=now)
    # Sessions are normally woken by the job they scheduled for themselves; only those late by more than
    # OVERDUE lost theirs (Redis was down, a job vanished), so a backlog is not enqueued again on every tick.
    due = set(sessions.due_session_ids(now=now - OVERDUE))
    # A lease is released at the end of every pass and renewed while one runs: one that lapsed belongs to a
    # worker that died mid-pass, and its session is resumed at once rather than after OVERDUE.
    due |= set(RecordingSession.objects.open().filter(lease_until__lt=now).values_list("pk", flat=True)[:500])
    for session_id in sorted(due):
        enqueue_advance(session_id)
    # Wake-ups are moved to the queue by a thread of each orchestration worker; this covers workers of other
    # classes (within a tick).
    try:
        promote_due_wakeups(django_rq.get_connection(QUEUE))
    except RedisError as exc:
        logger.warning("Wake-ups could not be moved to the queue: %s", exc)
    return len(due)


def reconcile() -> dict[str, int]:
    return reconciliation.reconcile(now=timezone.now())
