"""Enqueueing the CSS callbacks' apply jobs (their bodies: recordings/media/jobs.py, named by dotted path).

Every stream belongs to one of LANES lanes (a stable hash of its name); an apply job drains one lane's waiting
events in arrival order, so one stream's events are applied in order while RQ workers apply other lanes in
parallel. A request that stored an event asks for its lane's job with `apply_soon(lane)`:
- at most one job per lane waits in the queue: a `queued` flag (SET NX) is set when one is enqueued and cleared
  by the job as it starts, so an event stored after that asks for the next one (thousands of callbacks a second
  make a few jobs, each applying a batch);
- one job at a time drains a lane (a lock): a second one finds it held and leaves, and the holder looks for
  waiting events again after releasing it, so nothing stored meanwhile waits for the sweep;
- the database is the source of truth: when Redis is down the request still answers (the event waits in the
  table) and the periodic sweep (jobs.sweep_callbacks) asks for the lanes whose events wait too long. A flag whose
  job was never run (no worker) lapses after QUEUED_TTL, so the sweep then asks again.
A synchronous queue (the tests' `ASYNC: False`) runs the job at once: no flag.
"""

from __future__ import annotations

import logging
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import django_rq
from django.conf import settings
from redis import Redis, RedisError
from redis.exceptions import LockError

logger = logging.getLogger(__name__)

QUEUE = "default"
APPLY_CALLBACKS = "recordings.media.jobs.apply_callbacks"
# Changing it re-maps streams: do it with no event waiting (a stream's events in two lanes lose their order).
LANES = 8
QUEUED_TTL = 60
LOCK_TTL = 120
JOB_TIMEOUT = 300
WARN_EVERY_S = 60.0
_PREFIX = "cnr:callbacks:lane"
_clients: dict[str, Redis] = {}
_last_warning = 0.0


def lane_of(stream_name: str) -> int:
    return zlib.crc32(stream_name.encode()) % LANES


def _redis() -> Redis:
    """One client (and connection pool) per process and URL: a request must not open a Redis connection."""
    url = str(settings.RQ_QUEUES[QUEUE]["URL"])
    client = _clients.get(url)
    if client is None:
        client = _clients[url] = Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2)
    return client


def apply_soon(lane: int) -> bool:
    """Make sure a job will apply `lane`'s waiting events; False when Redis refused (the sweep will ask)."""
    global _last_warning
    try:
        client = _redis()
        # Enqueued now, not on commit: the caller's event row is committed already (the callback view runs in
        # autocommit), and a test's transaction never commits.
        queue = django_rq.get_queue(QUEUE, connection=client, commit_mode="auto")
        if queue.is_async and not client.set(f"{_PREFIX}:{lane}:queued", 1, nx=True, ex=QUEUED_TTL):
            return True  # a job of this lane is waiting already, and will see the event
        queue.enqueue(APPLY_CALLBACKS, lane, result_ttl=0, job_timeout=JOB_TIMEOUT)
    except RedisError as exc:
        now = time.monotonic()
        if now - _last_warning > WARN_EVERY_S:  # one line per minute of outage, not one per callback
            _last_warning = now
            logger.warning(
                "Callback lane %s: its apply job could not be queued (%s); the sweep will", lane, exc
            )
        return False
    return True


def lane_job_started(lane: int) -> None:
    """The job of `lane` is running: an event stored from now on asks for the next one."""
    _redis().delete(f"{_PREFIX}:{lane}:queued")


@contextmanager
def lane_lock(lane: int) -> Iterator[bool]:
    """Yields whether this job holds `lane` (False: another job drains it; leave it to that one)."""
    lock = _redis().lock(f"{_PREFIX}:{lane}:lock", timeout=LOCK_TTL, blocking=False)
    held = lock.acquire()
    try:
        yield held
    finally:
        if held:  # a lock that lapsed (a drain longer than LOCK_TTL) may be another job's now: not released
            with suppress(LockError):
                lock.release()
