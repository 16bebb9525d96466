"""Periodic jobs of the orchestration, loaded by `manage.py rqcron recordings.cron` (started by `rundemo`; in
production run it as `manage.py supervise rqcron recordings.cron`: RQ's cron scheduler exits when Redis goes
away, and the supervisor restarts it with back-off).

The tick fires schedules and picks up sessions whose next step is due (jobs lost with a worker or with Redis) or
whose worker died mid-pass (a lapsed lease); the reconciliation compares the database with the cloud every minute.
"""

from rq import cron

from alerts import jobs as alert_jobs
from billing import cron as billing_cron  # noqa: F401  # registers the cost report's usage refresh
from lifecycle import cron as lifecycle_cron  # noqa: F401  # registers the daily retention run
from recordings import periodic
from recordings.media import jobs as media_jobs
from recordings.sessions import jobs as session_jobs
from webhooks import periodic as webhooks_periodic  # noqa: F401  # registers the budget check and the prune

# With the lease (orchestrator.LEASE, 9 s), a dead worker's session is resumed within about LEASE + TICK.
TICK_SECONDS = 5

# One job for the frequent checks (recordings/periodic.py): the session tick (schedules, lost jobs, dead
# workers), the sweep of stored CSS callbacks waiting too long (was its own job every 15 s) and the webhook
# pump's wake-up when a delivery is due (was the pump itself every 5 s, on the webhooks queue). 12 RQ jobs a
# minute instead of 28, each check as often as before or more.
cron.register(
    periodic.tick,
    queue_name=session_jobs.QUEUE,
    interval=TICK_SECONDS,
    job_timeout=120,
    name="recordings-tick",
)
cron.register(
    session_jobs.reconcile,
    queue_name=session_jobs.QUEUE,
    cron="* * * * *",
    job_timeout=600,
    name="recordings-reconcile",
)
# The outputs browser's sync of recording files whose callbacks were lost (recordings/media/jobs.py).
cron.register(
    media_jobs.sync_recording_files,
    queue_name=media_jobs.QUEUE,
    cron="*/10 * * * *",
    job_timeout=900,
    name="recordings-sync-files",
)
cron.register(
    media_jobs.reconcile_live_pushes,
    queue_name=media_jobs.QUEUE,
    cron="*/2 * * * *",
    job_timeout=120,
    name="recordings-reconcile-pushes",
)
# Alerts for people (alerts/): conditions read from the database, so a run lost with Redis is made good by the next.
cron.register(
    alert_jobs.evaluate_alerts, queue_name="default", interval=30, job_timeout=300, name="alerts-evaluate"
)
