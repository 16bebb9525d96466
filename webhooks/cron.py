"""Periodic jobs of the webhooks for a cron process of their own (`rqcron webhooks.cron`, bench/webhook_delivery.py).
The project's cron (`rqcron recordings.cron`) imports webhooks/periodic.py instead and wakes the pump from its tick
only when something is due (recordings/periodic.py), rather than running an RQ job every 5 s that finds nothing."""

from rq import cron

from webhooks import (
    jobs,
    periodic,  # noqa: F401  # registers the budget check and the prune
)

# Every run sends what is due: retries whose time came, and anything a lost wake-up left behind.
cron.register(
    jobs.pump, queue_name=jobs.QUEUE, interval=5, job_timeout=jobs.JOB_TIMEOUT, name="webhooks-pump"
)
