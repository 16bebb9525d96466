"""Periodic jobs of the webhooks that run on their own schedule, registered with RQ's cron by importing this module
(recordings/cron.py, webhooks/cron.py). The pump's periodic run is not here: the project's cron wakes it from its
tick when something is due (recordings/periodic.py); webhooks/cron.py runs it every few seconds instead, for a cron
process of the webhooks alone."""

from rq import cron

from webhooks import jobs

cron.register(
    jobs.check_budgets, queue_name=jobs.QUEUE, cron="* * * * *", job_timeout=120, name="webhooks-budgets"
)
cron.register(jobs.prune, queue_name=jobs.QUEUE, cron="17 3 * * *", job_timeout=600, name="webhooks-prune")
