"""RQ job bodies of billing (enqueued by billing/usage.py, scheduled by billing/cron.py); jobs take plain values."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from billing.services import billing_month
from billing.usage import refresh_usage

# In the month's first days the previous month's figures still settle (Tencent's usage lags by minutes to hours).
PREVIOUS_MONTH_DAYS = 3


def refresh_usage_job(month: str) -> bool:
    """Fetch and cache one month's usage (`YYYY-MM-DD`, the month's first day); True when Tencent answered."""
    return refresh_usage(month=date.fromisoformat(month), now=timezone.now()).usage is not None


def refresh_recent_usage() -> int:
    """The cron's warm-up: the current billing month, and the previous one in the new month's first days."""
    now = timezone.now()
    months = sorted({billing_month(now), billing_month(now - timedelta(days=PREVIOUS_MONTH_DAYS))})
    return sum(refresh_usage(month=month, now=now).usage is not None for month in months)
