"""RQ jobs of the webhooks, on their own `webhooks` queue so deliveries never wait behind (or delay) recordings.

`pump` sends everything due (webhooks/delivery.py) and runs as long as there is work, up to a time slice. It is
woken after each commit that emitted events (`kick_on_commit`) and also runs every few seconds from the cron
(recordings/cron.py): the database says what is due, so a wake-up lost with Redis, a retry whose time came or a
claim left by a dead worker is picked up by the next run. One pump at a time holds a Redis lock; a second one
started meanwhile leaves at once.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from datetime import timedelta

import django_rq
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from redis import RedisError

logger = logging.getLogger(__name__)

QUEUE = "webhooks"
SLICE_SECONDS = 60
JOB_TIMEOUT = SLICE_SECONDS + 120
LOCK_KEY = "cnr:webhooks:pump"
_pending = threading.local()


def _connection():  # type: ignore[no-untyped-def]
    return django_rq.get_connection(QUEUE)


def pump(slice_seconds: float = SLICE_SECONDS) -> dict[str, int]:
    from webhooks.delivery import Pump

    token = secrets.token_hex(8)
    connection = _connection()
    totals = {"sent": 0, "delivered": 0, "dispatched": 0}
    started = time.monotonic()
    # RQ kills a job at its timeout wherever it is: start a slice only if it (and its tail) ends well before.
    budget = JOB_TIMEOUT - slice_seconds - 2 * float(getattr(settings, "WEBHOOKS_TIMEOUT_SECONDS", 10)) - 10
    while connection.set(LOCK_KEY, token, nx=True, ex=int(slice_seconds) + 60):
        try:
            report = Pump().run(slice_seconds=slice_seconds)
        finally:
            if connection.get(LOCK_KEY) == token.encode():
                connection.delete(LOCK_KEY)
        totals["sent"] += report.sent
        totals["delivered"] += report.delivered
        totals["dispatched"] += report.dispatched
        # Work that arrived while this run was ending (its wake-up saw the lock and left it to us).
        if not due_work():
            break
        if time.monotonic() - started > budget:
            kick()  # the lock is free: a fresh job (on any worker) carries on
            break
    return totals


def due_work() -> bool:
    from webhooks.models import DeliveryState, WebhookDelivery, WebhookEvent

    now = timezone.now()
    return (
        WebhookEvent.objects.filter(dispatched_at__isnull=True).exists()
        or WebhookDelivery.objects.filter(
            state=DeliveryState.PENDING, next_attempt_at__lte=now, endpoint__active=True
        ).exists()
    )


def kick() -> None:
    _pending.scheduled = False
    try:
        connection = _connection()
        if not connection.exists(LOCK_KEY):
            django_rq.get_queue(QUEUE).enqueue(pump, result_ttl=0, job_timeout=JOB_TIMEOUT)
    except RedisError as exc:
        logger.warning("Webhook delivery could not be woken (%s); the periodic run will send them", exc)


def kick_on_commit() -> None:
    """Wake the pump once per transaction that emitted events (not once per event)."""
    if getattr(_pending, "scheduled", False):
        return
    _pending.scheduled = True
    transaction.on_commit(kick)


def prune(days: int = 30) -> int:
    """Events (with their deliveries and attempts) older than `days` and fully settled."""
    from webhooks.models import DeliveryState, WebhookEvent

    cutoff = timezone.now() - timedelta(days=days)
    old = WebhookEvent.objects.filter(occurred_at__lt=cutoff, dispatched_at__isnull=False).exclude(
        deliveries__state=DeliveryState.PENDING
    )
    deleted, _ = old.delete()
    return deleted


def check_budgets() -> int:
    """budget.threshold when an app's spend reaches its warning level or 100 % (once per level and month)."""
    from billing.models import BudgetLevel
    from billing.services import billing_month, budget_statuses
    from webhooks import events
    from webhooks.models import BudgetMark

    order = [BudgetLevel.OK, BudgetLevel.WARNING, BudgetLevel.EXCEEDED]
    month = billing_month(timezone.now())
    sent = 0
    for status in budget_statuses(month):
        with transaction.atomic():
            mark, _ = BudgetMark.objects.select_for_update().get_or_create(
                client_app_id=status.app.pk, month=status.month, defaults={"level": BudgetLevel.OK}
            )
            if order.index(BudgetLevel(status.level)) <= order.index(BudgetLevel(mark.level)):
                continue
            mark.level = status.level
            mark.save(update_fields=["level"])
            events.budget_threshold(
                client_app_id=status.app.pk,
                app_name=status.app.name,
                month=status.month,
                level=status.level,
                limit=status.limit,
                spent=status.spent,
                percent=status.percent,
            )
            sent += 1
    return sent
