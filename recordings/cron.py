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
from recordings.media import enqueue
from recordings.media import jobs as media_jobs
from recordings.sessions import jobs as session_jobs
from webhooks import cron as webhooks_cron  # noqa: F401  # registers the webhook pump and budget check

# With the lease (orchestrator.LEASE, 9 s), a dead worker's session is resumed within about LEASE + TICK.
TICK_SECONDS = 5

cron.register(
    session_jobs.tick,
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
# Stored CSS callbacks whose apply job was lost or never ran (no worker, Redis down) are asked for again. A
# safety net (every stored event asks for its lane's job itself, and a job looks again before it ends): every
# 15 s, like the rest of the recovery from a Redis outage, not every 5 s (a job run each time, mostly for nothing).
cron.register(
    media_jobs.sweep_callbacks,
    queue_name=enqueue.QUEUE,
    interval=media_jobs.SWEEP_SECONDS,
    job_timeout=60,
    name="recordings-sweep-callbacks",
)
# Alerts for people (alerts/): conditions read from the database, so a run lost with Redis is made good by the next.
cron.register(
    alert_jobs.evaluate_alerts, queue_name="default", interval=30, job_timeout=300, name="alerts-evaluate"
)
