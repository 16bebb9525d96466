"""Enqueueing the orchestration's jobs (recordings/sessions/jobs.py holds their bodies).

The services that start and stop sessions wake them up from here; the jobs call those services. The jobs are
named by their dotted path, so this module never imports the module that calls it.

The database is the source of truth: when Redis is down a committed start or stop is not lost, only its wake-up
job, and the periodic tick enqueues it once Redis is back.
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

from recordings.models import RecordingSession

logger = logging.getLogger(__name__)

QUEUE = "orchestration"
OVERDUE = timedelta(seconds=30)
ADVANCE_SESSION = "recordings.sessions.jobs.advance_session"

# The sessions whose wake-up could not be enqueued during the current `watch_deferred()` block.
_deferred: ContextVar[list[int] | None] = ContextVar("deferred_wakeups", default=None)


def enqueue_advance(session_id: int, *, at: datetime | None = None) -> bool:
    """Wake the session up (now or at `at`); False when Redis could not take the job (the tick will)."""
    try:
        queue = django_rq.get_queue(QUEUE)
        # The session row is the result: nothing to keep in Redis (there are many of these jobs).
        if at is None or at <= timezone.now() + timedelta(milliseconds=500):
            queue.enqueue(ADVANCE_SESSION, session_id, result_ttl=0)
        else:
            queue.enqueue_at(at, ADVANCE_SESSION, session_id, result_ttl=0)
    except RedisError as exc:
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
