"""Enqueueing the orchestration's jobs (recordings/sessions/jobs.py holds their bodies).

The services that start and stop sessions wake them up from here; the jobs call those services. The jobs are
named by their dotted path, so this module never imports the module that calls it.

The database is the source of truth: when Redis is down a committed start or stop is not lost, only its wake-up
job, and the periodic tick enqueues it once Redis is back.

Due steps jump the queue. A session's next look that falls due (the place a rate limiter gave it, the push 3 s
after the record task, the live poll) goes to the *front* of the queue, ahead of starts that have not begun, so
a start in progress is never stuck behind a backlog of new ones. Looks due within SOON are kept here, not in
RQ's scheduler: RQ stores whole seconds and looks once a second, so a job for 12.7 s may run at 12.0 (early:
its step finds its time not come and asks again) or a second late. They wait in a sorted set (session → due
time in ms; one entry per session, the earliest kept, since every pass schedules its own next look) which a
thread in each orchestration worker (recordings/workers.py) drains as they fall due, within milliseconds; the
tick drains it too, for workers of other classes.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta

import django_rq
from django.db import connection, transaction
from django.utils import timezone
from redis import Redis, RedisError
from rq import Queue

from recordings.models import RecordingSession

logger = logging.getLogger(__name__)

QUEUE = "orchestration"
OVERDUE = timedelta(seconds=30)
ADVANCE_SESSION = "recordings.sessions.jobs.advance_session"

# The sessions whose wake-up could not be enqueued during the current `watch_deferred()` block.
_deferred: ContextVar[list[int] | None] = ContextVar("deferred_wakeups", default=None)


def enqueue_advance(session_id: int, *, at: datetime | None = None) -> bool:
    """Wake the session up (now or at `at`); False when Redis could not take the job (the tick will).

    `at` in the past: a due step, put at the front of the queue; within SOON: the wake-ups set (precise, then
    the front); later: RQ's scheduler. No `at`: a new start or a stop, at the back, in turn."""
    now = timezone.now()
    try:
        if at is not None and now < at <= now + SOON:
            schedule_wakeup(django_rq.get_connection(QUEUE), session_id, at)
            return True
        queue = django_rq.get_queue(QUEUE)
        # The session row is the result: nothing to keep in Redis (there are many of these jobs).
        if at is None or at <= now:
            queue.enqueue(ADVANCE_SESSION, session_id, result_ttl=0, at_front=at is not None)
        else:
            queue.enqueue_at(at, ADVANCE_SESSION, session_id, result_ttl=0)
    except RedisError as exc:
        # The tick resumes sessions OVERDUE late (their own job may still be queued); this one's job is lost
        # for sure, so it is made to look late already and the first tick after Redis is back takes it.
        due = at or now
        RecordingSession.objects.filter(pk=session_id).update(next_attempt_at=due - OVERDUE)
        logger.warning(
            "Session %s: its job could not be queued (%s); the periodic tick will pick it up", session_id, exc
        )
        deferred = _deferred.get()
        if deferred is not None:
            deferred.append(session_id)
        return False
    return True


# --- wake-ups due soon --------------------------------------------------------------------------------------------

SOON = timedelta(minutes=2)
WAKEUPS_KEY = "cnr:orchestration:wakeups"
# How often a worker's thread looks at most (when something is due soon) and at least (when nothing is).
POLL_MIN_S = 0.005
POLL_MAX_S = 0.25

# KEYS[1] = the wake-ups; ARGV = now (ms), how many at most. Takes the due ones out, atomically (several workers
# drain the same set: each entry goes to exactly one), and says when the next one falls due.
_TAKE_DUE = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
if #due > 0 then
  redis.call('ZREM', KEYS[1], unpack(due))
end
local head = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {due, head[2] or false}
"""


def schedule_wakeup(redis: Redis, session_id: int, at: datetime) -> None:
    # LT: an earlier wake-up replaces a later one, never the reverse (the pass that runs schedules the next).
    redis.zadd(WAKEUPS_KEY, {str(session_id): int(at.timestamp() * 1000)}, lt=True)


def promote_due_wakeups(redis: Redis, *, limit: int = 500) -> float | None:
    """Move the wake-ups that fell due to the front of the queue, earliest first; seconds until the next one."""
    due, head = redis.register_script(_TAKE_DUE)(keys=[WAKEUPS_KEY], args=[int(time.time() * 1000), limit])
    if due:
        queue = Queue(QUEUE, connection=redis)
        # Each at the front: pushed latest first, so the earliest ends up first in line.
        for member in reversed(due):
            session_id = int(member)
            try:
                queue.enqueue(ADVANCE_SESSION, session_id, result_ttl=0, at_front=True)
            except RedisError:
                # Taken out of the set but not queued: made to look late, so the tick resumes it.
                RecordingSession.objects.filter(pk=session_id).update(
                    next_attempt_at=timezone.now() - OVERDUE
                )
                raise
    return None if head is None else max(0.0, int(head) / 1000 - time.time())


class WakeupPromoter(threading.Thread):
    """A worker's thread that drains the wake-ups as they fall due, on its own Redis connection (a forking
    worker's work horse must never inherit a connection or lock this thread holds)."""

    def __init__(self, like: Redis) -> None:
        super().__init__(name="orchestration-wakeups", daemon=True)
        pool = like.connection_pool
        self._pool_class, self._connection_class = type(pool), pool.connection_class
        self._connection_kwargs = dict(pool.connection_kwargs)
        self._stop_event = threading.Event()

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=2)

    def run(self) -> None:
        pool = self._pool_class(connection_class=self._connection_class, **self._connection_kwargs)
        redis = Redis(connection_pool=pool)
        wait = POLL_MAX_S
        try:
            while not self._stop_event.wait(wait):
                try:
                    next_in = promote_due_wakeups(redis)
                except RedisError as exc:
                    logger.warning("Wake-ups could not be moved to the queue (%s); trying again", exc)
                    wait = 1.0
                    continue
                wait = POLL_MAX_S if next_in is None else min(POLL_MAX_S, max(POLL_MIN_S, next_in))
        finally:
            redis.close()
            connection.close()  # the connection of a database write after a Redis error, if any


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
