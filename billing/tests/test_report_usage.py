"""Tencent's usage figures on the report: through the gateway (the emulator here), cached, and a clear note
when the cloud cannot be reached."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from billing.report_data import cloud_usage
from billing.services import billing_month
from billing.tests.report_support import forget_cloud_figures

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("list_price_book")]


@pytest.fixture
def fresh_cache():
    month = billing_month(timezone.now())
    forget_cloud_figures(month)
    yield month
    forget_cloud_figures(month)


def test_usage_is_read_from_the_cloud_and_cached(emulator, fresh_cache):
    now = timezone.now()
    two_hours_ago = (now - timedelta(hours=2)).timestamp()
    usage = emulator.state.usage
    usage.add(usage.upstream_bytes, settings.CSS_PUSH_DOMAIN, two_hours_ago, 750e6)  # 750 MB in a minute
    usage.add(usage.downstream_bytes, settings.CSS_PLAY_DOMAIN, two_hours_ago, 250e6)
    usage.note_recordings(two_hours_ago, 3)
    result = cloud_usage(month=fresh_cache, now=now)
    assert result.usage is not None, result.note
    assert result.usage.upstream_gb == Decimal("0.75")
    assert result.usage.downstream_gb == Decimal("0.25")
    assert result.usage.peak_upstream_mbps == Decimal("20")  # 750 MB over its busiest 5 minutes
    assert result.usage.peak_record_channels == 3
    calls = len(emulator.calls("DescribePushBandwidthAndFluxList"))
    assert cloud_usage(month=fresh_cache, now=now) == result
    assert len(emulator.calls("DescribePushBandwidthAndFluxList")) == calls  # the second came from the cache
    # The month's channel peak is one call, whatever day of the month it is (the API spans up to a month).
    assert len(emulator.calls("DescribeConcurrentRecordStreamNum")) == 1


def test_report_shows_usage_next_to_the_computed_figures(client_as, manager, emulator, fresh_cache):
    response = client_as(manager).get(reverse("billing:report"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="usage"' in html and "Peak recording channels" in html


def test_unreachable_cloud_gives_a_note_and_is_remembered_briefly(settings, fresh_cache):
    settings.TENCENT_API_ENDPOINT = "127.0.0.1:9"
    settings.TENCENT_RETRY_ATTEMPTS = 1
    now = timezone.now()
    result = cloud_usage(month=fresh_cache, now=now)
    assert (
        result.usage is None and "unavailable" in result.note and "computed from the sessions" in result.note
    )
    settings.TENCENT_API_ENDPOINT = "127.0.0.1:1"
    assert cloud_usage(month=fresh_cache, now=now) == result  # not asked again within the minute


def test_a_month_not_begun_has_no_usage_and_asks_nothing(settings):
    settings.TENCENT_API_ENDPOINT = "127.0.0.1:9"
    forget_cloud_figures()
    result = cloud_usage(month=date(2030, 1, 1), now=datetime(2026, 11, 1, tzinfo=UTC))
    assert result.usage is None and "not begun" in result.note
