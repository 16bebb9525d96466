"""Periodic jobs of billing, registered with RQ's cron by importing this module from the project's cron module."""

from rq import cron

from billing import jobs
from billing.usage import QUEUE, USAGE_REFRESH_MINUTES

# Keeps the cost report's Tencent usage warm: a page view then never finds the cache cold (four calls a run).
cron.register(
    jobs.refresh_recent_usage,
    queue_name=QUEUE,
    cron=f"*/{USAGE_REFRESH_MINUTES} * * * *",
    job_timeout=120,
    name="billing-usage-refresh",
)
