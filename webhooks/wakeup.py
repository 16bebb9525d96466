"""Waking the webhook pump (webhooks/jobs.py holds the job itself) after a commit that emitted events.

The emitting side (webhooks/events.py, webhooks/services.py) imports this module, not the jobs, which import the
delivery and through it the services: the pump is named by its dotted path. A lost wake-up costs a few seconds,
never an event: the cron runs the pump every few seconds and the database says what is due.
"""

from __future__ import annotations

import logging
import threading

import django_rq
from django.db import transaction
from redis import Redis, RedisError

logger = logging.getLogger(__name__)

QUEUE = "webhooks"
PUMP = "webhooks.jobs.pump"
SLICE_SECONDS = 60
JOB_TIMEOUT = SLICE_SECONDS + 120
LOCK_KEY = "cnr:webhooks:pump"
_pending = threading.local()


def connection() -> Redis:
    return django_rq.get_connection(QUEUE)


def kick() -> None:
    _pending.scheduled = False
    try:
        if not connection().exists(LOCK_KEY):
            django_rq.get_queue(QUEUE).enqueue(PUMP, result_ttl=0, job_timeout=JOB_TIMEOUT)
    except RedisError as exc:
        logger.warning("Webhook delivery could not be woken (%s); the periodic run will send them", exc)


def kick_on_commit() -> None:
    """Wake the pump once per transaction that emitted events (not once per event)."""
    if getattr(_pending, "scheduled", False):
        return
    _pending.scheduled = True
    transaction.on_commit(kick)
