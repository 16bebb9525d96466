"""RQ jobs of the webhooks, on their own `webhooks` queue so deliveries never wait behind (or delay) recordings.

`pump` sends everything due (webhooks/delivery.py) and runs as long as there is work, up to a time slice. It is
woken after each commit that emitted events (`kick_on_commit`, webhooks/wakeup.py) and also runs every few seconds from the cron
(recordings/cron.py): the database says what is due, so a wake-up lost with Redis, a retry whose time came or a
claim left by a dead worker is picked up by the next run. One pump at a time holds a Redis lock; a second one
started meanwhile leaves at once.
"""

from __future__ import annotations

import secrets
import time
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from billing.models import BudgetLevel
from billing.services import billing_month, budget_statuses
from webhooks import events
from webhooks.delivery import Pump
from webhooks.models import BudgetMark, DeliveryState, WebhookDelivery, WebhookEvent
from webhooks.wakeup import JOB_TIMEOUT as JOB_TIMEOUT
from webhooks.wakeup import LOCK_KEY, SLICE_SECONDS, connection, kick
from webhooks.wakeup import QUEUE as QUEUE


def pump(slice_seconds: float = SLICE_SECONDS) -> dict[str, int]:
    totals = {"sent": 0, "delivered": 0, "dispatched": 0}
    # Most runs (the cron's, every 5 s) find nothing due: one look answers that, where an idle slice would poll
    # the outbox for a second (ten dispatch transactions, two scans and a thread pool) to find the same.
    if not due_work():
        return totals
    token = secrets.token_hex(8)
    redis = connection()
    started = time.monotonic()
    # RQ kills a job at its timeout wherever it is: start a slice only if it (and its tail) ends well before.
    budget = JOB_TIMEOUT - slice_seconds - 2 * float(getattr(settings, "WEBHOOKS_TIMEOUT_SECONDS", 10)) - 10
    while redis.set(LOCK_KEY, token, nx=True, ex=int(slice_seconds) + 60):
        try:
            report = Pump().run(slice_seconds=slice_seconds)
        finally:
            if redis.get(LOCK_KEY) == token.encode():
                redis.delete(LOCK_KEY)
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
    now = timezone.now()
    return (
        WebhookEvent.objects.filter(dispatched_at__isnull=True).exists()
        or WebhookDelivery.objects.filter(
            state=DeliveryState.PENDING, next_attempt_at__lte=now, endpoint__active=True
        ).exists()
    )


def prune(days: int = 30) -> int:
    """Events (with their deliveries and attempts) older than `days` and fully settled."""
    cutoff = timezone.now() - timedelta(days=days)
    old = WebhookEvent.objects.filter(occurred_at__lt=cutoff, dispatched_at__isnull=False).exclude(
        deliveries__state=DeliveryState.PENDING
    )
    deleted, _ = old.delete()
    return deleted


def check_budgets() -> int:
    """budget.threshold when an app's spend reaches its warning level or 100 % (once per level and month)."""
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
