"""Tencent's usage figures on the report: fetched by a job through the gateway (the emulator here) in one call
per API, cached, never waited for by a page view, and a clear note when the cloud cannot be reached."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import django_rq
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from billing.estimator import PlanContext
from billing.jobs import refresh_recent_usage, refresh_usage_job
from billing.services import billing_month
from billing.tests.report_support import forget_cloud_figures
from billing.usage import QUEUE, CloudUsage, cloud_usage, file_playback, refresh_usage
from tencent.models import ApiCall

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("list_price_book")]

USAGE_ACTIONS = {
    "DescribePushBandwidthAndFluxList",
    "DescribeBillBandwidthAndFluxList",
    "DescribeConcurrentRecordStreamNum",
    "DescribeStorageData",
    "DescribeCDNUsageData",
}


@pytest.fixture
def fresh_cache():
    month = billing_month(timezone.now())
    forget_cloud_figures(month)
    django_rq.get_queue(QUEUE).empty()
    yield month
    forget_cloud_figures(month)
    django_rq.get_queue(QUEUE).empty()


def test_usage_is_read_from_the_cloud_and_cached(emulator, fresh_cache):
    now = timezone.now()
    two_hours_ago = (now - timedelta(hours=2)).timestamp()
    usage = emulator.state.usage
    usage.add(usage.upstream_bytes, settings.CSS_PUSH_DOMAIN, two_hours_ago, 750e6)  # 750 MB in a minute
    usage.add(usage.downstream_bytes, settings.CSS_PLAY_DOMAIN, two_hours_ago, 250e6)
    usage.note_recordings(two_hours_ago, 3)
    # 3 GB of recorded files played from VOD's CDN, as the emulator books a served play request.
    emulator.state.lifecycle.setdefault("vod_cdn", {})[str(int(two_hours_ago // 60 * 60))] = 3_000_000_000
    result = refresh_usage(month=fresh_cache, now=now)
    assert result.usage is not None, result.note
    assert result.usage.upstream_gb == Decimal("0.75")
    assert result.usage.downstream_gb == Decimal("0.25")
    assert result.usage.peak_upstream_mbps == Decimal("20")  # 750 MB over its busiest 5 minutes
    assert result.usage.peak_record_channels == 3
    assert result.usage.vod_playback_gb == Decimal("3")
    calls = len(emulator.calls())
    assert cloud_usage(month=fresh_cache, now=now) == result
    assert len(emulator.calls()) == calls  # the view's read came from the cache


def test_a_whole_month_takes_one_call_per_api(emulator, fresh_cache):
    # The 31st of a 31-day month: the widest span the report asks for, still one call per API.
    month = date(2026, 10, 1)
    forget_cloud_figures(month)
    now = datetime(2026, 10, 31, 15, 59, tzinfo=UTC)  # 23:59 UTC+8 on the month's last day
    assert refresh_usage(month=month, now=now).usage is not None
    answered = Counter(request.action for request in emulator.calls())
    logged = Counter(ApiCall.objects.values_list("action", flat=True))
    assert answered == logged == dict.fromkeys(USAGE_ACTIONS, 1)
    forget_cloud_figures(month)


def test_a_cold_view_does_not_wait_for_tencent_and_queues_one_refresh(
    fresh_cache, emulator, django_capture_on_commit_callbacks, monkeypatch
):
    # As in production: the job waits for a worker (the suite runs the default queue's jobs at once).
    monkeypatch.setitem(settings.RQ_QUEUES[QUEUE], "ASYNC", True)
    queue = django_rq.get_queue(QUEUE)
    assert queue.is_async
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):  # django-rq enqueues when the transaction commits
        first = cloud_usage(month=fresh_cache, now=now)
    with django_capture_on_commit_callbacks(execute=True):
        second = cloud_usage(month=fresh_cache, now=now)
    assert first.refreshing and first.usage is None and "being fetched" in first.note
    assert second == first
    assert emulator.calls() == []  # the views asked Tencent nothing
    assert [job.func_name for job in queue.jobs] == ["billing.jobs.refresh_usage_job"]  # one job for both

    [job] = queue.jobs
    assert refresh_usage_job(*job.args) is True  # what the worker runs
    filled = cloud_usage(month=fresh_cache, now=now)
    assert filled.usage is not None and not filled.refreshing


def test_the_page_fills_the_usage_in_once_the_job_has_run(client_as, manager, emulator, fresh_cache):
    client = client_as(manager)
    html = client.get(reverse("billing:report")).content.decode()
    assert "being fetched in the background" in html
    assert reverse("billing:report_usage") in html and 'hx-trigger="load delay:2s"' in html  # asks again
    gave_up = client.get(reverse("billing:report_usage"), {"month": f"{fresh_cache:%Y-%m}", "poll": "15"})
    assert "hx-get" not in gave_up.content.decode() and "reload the page" in gave_up.content.decode()
    refresh_recent_usage()  # the worker's run (the cron's job does the same for the current month)
    partial = client.get(reverse("billing:report_usage"), {"month": f"{fresh_cache:%Y-%m}"})
    body = partial.content.decode()
    assert partial.status_code == 200
    assert 'data-testid="usage"' in body and "Peak recording channels" in body
    # The playback of recorded files, priced at the book's VOD traffic price (outside the mainland: 0.0748).
    assert 'data-testid="file-playback"' in body and "0.0748" in body
    assert "hx-get" not in body  # filled in: no further polling


def test_unreachable_cloud_gives_a_note_and_is_remembered_briefly(settings, fresh_cache):
    settings.TENCENT_API_ENDPOINT = "127.0.0.1:9"
    settings.TENCENT_RETRY_ATTEMPTS = 1
    now = timezone.now()
    result = refresh_usage(month=fresh_cache, now=now)
    assert (
        result.usage is None and "unavailable" in result.note and "computed from the sessions" in result.note
    )
    settings.TENCENT_API_ENDPOINT = "127.0.0.1:1"
    assert cloud_usage(month=fresh_cache, now=now) == result  # not asked again within the minute


def test_a_month_not_begun_has_no_usage_and_asks_nothing(settings):
    settings.TENCENT_API_ENDPOINT = "127.0.0.1:9"
    forget_cloud_figures()
    result = cloud_usage(month=date(2030, 1, 1), now=datetime(2026, 11, 1, tzinfo=UTC))
    assert result.usage is None and "not begun" in result.note and not result.refreshing


def test_recorded_files_played_back_are_priced_at_the_books_traffic_price(list_price_book):
    until = datetime(2026, 12, 2, tzinfo=UTC)
    usage = CloudUsage(
        days=(), peak_record_channels=0, vod_storage_gb=Decimal(0), until=until, vod_playback_gb=Decimal(3)
    )
    outside = PlanContext(
        car_region="singapore", css_region="AP1", vod_area="outside", cos_region="singapore"
    )
    playback = file_playback(usage, list_price_book.typed, outside)
    assert (playback.gb, playback.usd_per_gb, playback.cost) == (3, Decimal("0.0748"), 3 * Decimal("0.0748"))
