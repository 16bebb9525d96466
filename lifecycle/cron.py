"""Periodic jobs of the storage lifecycle, registered with RQ's cron by importing this module from the project's
cron module (recordings/cron.py)."""

from rq import cron

from lifecycle import jobs

# Daily, at a quiet hour; idempotent, so a run lost with Redis or a worker is made good by the next one. A
# failure of one file is kept on it (Needs attention) and retried the next day.
cron.register(
    jobs.apply_retention,
    queue_name=jobs.QUEUE,
    cron="17 3 * * *",
    job_timeout=3600,
    name="lifecycle-apply-retention",
)
# What Tencent did on its own (deleted at ExpireTime, finished restores), from VOD's event queue; a pull waits
# up to 5 s when nothing waits.
cron.register(
    jobs.reconcile_vod_events,
    queue_name=jobs.QUEUE,
    cron="*/10 * * * *",
    job_timeout=300,
    name="lifecycle-vod-events",
)
