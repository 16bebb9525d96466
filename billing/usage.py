"""Tencent's own usage figures for a month, fetched in the background and read from the cache by the report.

A month's figures take one call per API, the fewest Tencent allows: the two bandwidth/traffic lists at hourly
points span up to 31 days (DescribePushBandwidthAndFluxList, 267/78837; DescribeBillBandwidthAndFluxList "cannot
exceed one month", 267/36098), DescribeConcurrentRecordStreamNum spans up to a month (267/36188) and VOD's
DescribeStorageData has no span (current totals); VOD's DescribeCDNUsageData (the playback traffic of recorded
files, daily points) spans up to 90 days. A page view never waits on them: with nothing cached it
enqueues the refresh job and shows the report with a "being fetched" note, which the page fills in by asking
`/costs/usage/` again; the RQ cron refreshes the current month every few minutes so the cache is rarely cold.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import django_rq
from django.core.cache import cache
from django.utils.translation import gettext, gettext_noop
from redis import RedisError

from billing.estimator import PlanContext, Prices
from billing.estimator.classes import Where, playback_price
from billing.estimator.timeline import BILLING_TZ, day_bounds
from billing.report_data import month_bounds
from tencent import css, vod
from tencent.errors import TencentError

logger = logging.getLogger(__name__)

QUEUE = "default"
REFRESH_JOB = "billing.jobs.refresh_usage_job"
# The cron refreshes every USAGE_REFRESH_MINUTES; a figure lives a little longer, so a view between two refreshes
# always finds one.
USAGE_REFRESH_MINUTES = 5
USAGE_CACHE_SECONDS = USAGE_REFRESH_MINUTES * 60 + 120
USAGE_FAILURE_CACHE_SECONDS = 60
MB_PER_GB = Decimal(1000)
BYTES_PER_GB = Decimal(10) ** 9


@dataclass(frozen=True)
class UsageDay:
    day: date
    upstream_gb: Decimal
    peak_upstream_mbps: Decimal
    downstream_gb: Decimal


@dataclass(frozen=True)
class CloudUsage:
    """Tencent's measured usage of the month so far (UTC+8 days)."""

    days: tuple[UsageDay, ...]
    peak_record_channels: int
    vod_storage_gb: Decimal
    until: datetime
    # Bytes VOD's CDN served: recorded files played back (COS egress has no usage API the gateway calls).
    vod_playback_gb: Decimal = Decimal(0)

    @property
    def upstream_gb(self) -> Decimal:
        return sum((d.upstream_gb for d in self.days), Decimal(0))

    @property
    def downstream_gb(self) -> Decimal:
        return sum((d.downstream_gb for d in self.days), Decimal(0))

    @property
    def peak_upstream_mbps(self) -> Decimal:
        return max((d.peak_upstream_mbps for d in self.days), default=Decimal(0))


# The notes are written (and cached) in English, often by the refresh job, which has no language; a page shows
# them through `UsageResult.note_text`, in its request's language.
NOT_BEGUN = gettext_noop("The month has not begun: Tencent has no usage for it yet.")
UNAVAILABLE = gettext_noop(
    "Tencent's usage figures are unavailable (%(error)s); the actuals below are computed from the sessions."
)
QUEUE_DOWN = gettext_noop("Tencent's usage figures cannot be fetched right now (the job queue is down).")
BEING_FETCHED = gettext_noop(
    "Tencent's usage figures are being fetched in the background (one call per API for the month)."
)


@dataclass(frozen=True)
class UsageResult:
    usage: CloudUsage | None
    note: (
        str  # why there is no usage (the cloud call failed, the month has not begun, or it is being fetched)
    )
    refreshing: bool = False  # a job is fetching it: the page asks again
    error: str = ""  # Tencent's "code: message" when the call failed, shown as Tencent wrote it

    @property
    def note_text(self) -> str:
        """The note in the active language."""
        error = getattr(self, "error", "")  # a result cached before the field existed has none
        if error:
            return gettext(UNAVAILABLE) % {"error": error}
        return gettext(self.note) if self.note else ""


def usage_key(month: date) -> str:
    return f"billing:usage:{month:%Y-%m}"


def forget_usage(month: date) -> None:
    cache.delete(usage_key(month))


def _fetch_usage(lo: datetime, until: datetime) -> CloudUsage:
    # Hourly points (a 31-day span is allowed at 60-minute granularity) summed into UTC+8 billing days; an
    # hour's bandwidth is its busiest 5 minutes, so a day's peak is the largest of its hours.
    push = css.describe_push_bandwidth_and_flux(start_time=lo, end_time=until, granularity=60)
    play = css.describe_bill_bandwidth_and_flux(start_time=lo, end_time=until, granularity=60)
    upstream: dict[date, Decimal] = defaultdict(Decimal)
    peaks: dict[date, Decimal] = defaultdict(Decimal)
    downstream: dict[date, Decimal] = defaultdict(Decimal)
    for point in push.points:
        day = point.time.astimezone(BILLING_TZ).date()
        upstream[day] += Decimal(str(point.flux_mb)) / MB_PER_GB
        peaks[day] = max(peaks[day], Decimal(str(point.bandwidth_mbps)))
    for point in play.points:
        downstream[point.time.astimezone(BILLING_TZ).date()] += Decimal(str(point.flux_mb)) / MB_PER_GB
    points = css.describe_concurrent_record_stream_num(start_time=lo, end_time=until)
    channels = max((p.num for p in points), default=0)
    stored = vod.describe_storage_data()
    served = vod.describe_cdn_usage(start=lo, end=until, interval_minutes=1440)
    days = sorted(set(upstream) | set(downstream))
    return CloudUsage(
        days=tuple(
            UsageDay(day, upstream[day], peaks[day], downstream[day])
            for day in days
            if lo <= day_bounds(day)[0]
        ),
        peak_record_channels=channels,
        vod_storage_gb=Decimal(stored.total_storage_bytes) / BYTES_PER_GB,
        until=until,
        vod_playback_gb=Decimal(sum(point.value for point in served)) / BYTES_PER_GB,
    )


@dataclass(frozen=True)
class FilePlayback:
    """The month's playback of recorded files as Tencent measured it, at the price book's traffic price."""

    gb: Decimal
    usd_per_gb: Decimal | None  # None: the price book has no playback price
    until: datetime

    @property
    def cost(self) -> Decimal:
        return self.gb * (self.usd_per_gb or Decimal(0))


def file_playback(usage: CloudUsage, prices: Prices, context: PlanContext) -> FilePlayback:
    price = playback_price(prices, Where("vod", context.vod_area, context.cos_region))
    return FilePlayback(gb=usage.vod_playback_gb, usd_per_gb=price, until=usage.until)


def not_begun(month: date, now: datetime) -> UsageResult | None:
    if now <= month_bounds(month)[0]:
        return UsageResult(None, NOT_BEGUN)
    return None


def refresh_usage(*, month: date, now: datetime) -> UsageResult:
    """Ask Tencent (five calls, one per API) for the month's usage up to now and cache it; a failure is cached
    for a minute with a note, so an unreachable cloud is not asked on every view."""
    early = not_begun(month, now)
    if early is not None:
        return early
    lo, hi = month_bounds(month)
    until = min(hi, now).replace(second=0, microsecond=0)
    try:
        result = UsageResult(_fetch_usage(lo, until), "")
        timeout = USAGE_CACHE_SECONDS
    except TencentError as exc:
        error = f"{exc.code}: {exc.message}"
        result = UsageResult(None, UNAVAILABLE % {"error": error}, error=error)
        timeout = USAGE_FAILURE_CACHE_SECONDS
    cache.set(usage_key(month), result, timeout)
    return result


def enqueue_refresh(month: date) -> bool:
    """Queue the month's refresh once (a fixed job id: views arriving together share one job)."""
    try:
        queue = django_rq.get_queue(QUEUE)
        job_id = f"billing-usage-{month:%Y-%m}"
        job = queue.fetch_job(job_id)
        if job is not None and job.get_status(refresh=False) in {
            "queued",
            "started",
            "scheduled",
            "deferred",
        }:
            return True
        queue.enqueue(REFRESH_JOB, month.isoformat(), job_id=job_id, result_ttl=0, job_timeout=120)
    except RedisError as exc:
        logger.warning("The usage refresh of %s could not be queued: %s", month, exc)
        return False
    return True


def cloud_usage(*, month: date, now: datetime) -> UsageResult:
    """What the report shows: the cached figures, else a note while the refresh job (queued here) runs."""
    early = not_begun(month, now)
    if early is not None:
        return early
    cached = cache.get(usage_key(month))
    if isinstance(cached, UsageResult):
        return cached
    if not enqueue_refresh(month):
        return UsageResult(None, QUEUE_DOWN)
    return UsageResult(None, BEING_FETCHED, refreshing=True)
