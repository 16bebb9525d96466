"""Periodic jobs of the webhooks, registered with RQ's cron by importing this module from recordings/cron.py."""

from rq import cron

from webhooks import jobs

# Every run sends what is due: retries whose time came, and anything a lost wake-up left behind.
cron.register(
    jobs.pump, queue_name=jobs.QUEUE, interval=5, job_timeout=jobs.JOB_TIMEOUT, name="webhooks-pump"
)
cron.register(
    jobs.check_budgets, queue_name=jobs.QUEUE, cron="* * * * *", job_timeout=120, name="webhooks-budgets"
)
cron.register(jobs.prune, queue_name=jobs.QUEUE, cron="17 3 * * *", job_timeout=600, name="webhooks-prune")
