"""The cron's frequent periodic checks, run as one RQ job every TICK_SECONDS (recordings/cron.py) instead of one
job each: at 1,000 live recordings nearly every run of each finds nothing to do, and RQ's own work per job (the
job hash, queue and registries, the worker's bookkeeping, the cron's enqueue) cost more than the look itself.

Each check is a cheap indexed look that leads to real work only when there is some, and each keeps its own
queue for that work: the session tick enqueues session passes (orchestration), the callback sweep asks for the
apply jobs of late lanes (callbacks), and the webhook pump is enqueued on its own queue only when something is
due (webhooks/jobs.py: a delivery whose retry time came, or an event a lost wake-up left behind). One failing
check does not stop the others; the job still fails afterwards, so the failure is seen in RQ.
"""

from __future__ import annotations

import logging

from recordings.media import jobs as media_jobs
from recordings.sessions import jobs as session_jobs
from webhooks import jobs as webhook_jobs
from webhooks import wakeup as webhook_wakeup

logger = logging.getLogger(__name__)


def wake_webhook_pump() -> int:
    """Enqueue the webhook pump when the outbox has something due (two indexed looks); 1 when it was asked for."""
    if not webhook_jobs.due_work():
        return 0
    webhook_wakeup.kick()
    return 1


CHECKS = {
    # Fires schedules, resumes sessions that lost their job or whose worker died (lease lapsed).
    "sessions": session_jobs.tick,
    # Stored CSS callbacks waiting too long for their lane's apply job (lost job, Redis was down).
    "callbacks": media_jobs.sweep_callbacks,
    # Webhook deliveries whose retry time came, events whose wake-up was lost.
    "webhooks": wake_webhook_pump,
}


def tick() -> dict[str, int]:
    done: dict[str, int] = {}
    failed: Exception | None = None
    for name, check in CHECKS.items():
        try:
            done[name] = check()
        except Exception as exc:  # the other checks still run; the job fails at the end
            logger.exception("Periodic check %s failed", name)
            failed = failed or exc
    if failed is not None:
        raise failed
    return done
