from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.test import override_settings

from billing.deployment import deployment_context
from billing.estimator import PlanContext
from billing.services import estimate_with_planned
from billing.tests.factories import at, rec

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("list_price_book")]

SINGAPORE = PlanContext("singapore", "AP1", "outside", "singapore")


def test_thirteenth_parallel_push_flips_the_days_push_rule_and_raises_the_peak():
    planned = [rec(at(3, 19), 180) for _ in range(12)]  # 12 x 8 Mbps = 96 Mbps
    extra = rec(at(3, 20), 60, formats=("mp4", "hls"))
    delta = estimate_with_planned(planned=planned, extra=extra, context=SINGAPORE)
    [(before, after)] = delta.push_days
    assert (before.billed, after.billed) == (False, True)
    assert (before.peak_upstream_mbps, after.peak_upstream_mbps) == (96, 104)
    assert delta.push_rule_flips
    assert (delta.peak_channels_before, delta.peak_channels_after) == (12, 14)
    assert delta.month_delta == delta.month_total_after - delta.month_total_before > 0
    assert delta.recording.push > 0 and delta.cost == delta.recording.total
    html = render_to_string("billing/_estimate_box.html", {"delta": delta})
    assert "makes the day's upstream billable" in html
    assert "12 → 14" in html


def test_recording_across_midnight_reports_both_days_and_ignores_other_months():
    other_month = rec(at(3, 20) - timedelta(days=40))
    delta = estimate_with_planned(planned=[other_month], extra=rec(at(3, 23), 120), context=SINGAPORE)
    assert [after.day.day for _, after in delta.push_days] == [3, 4]
    assert delta.month_total_before == 0
    # Alone in its month it bears the whole month: two daily S packs, the recording fee and its storage.
    assert delta.recording.car == 80
    assert delta.month_delta == delta.cost


@override_settings(TENCENT_REGION="ap-tokyo", COS_REGION="ap-tokyo")
def test_regions_default_to_the_deployment():
    assert deployment_context() == PlanContext("tokyo", "AP2", "outside", "tokyo", Decimal(0))
    delta = estimate_with_planned(planned=[], extra=rec(at(1, 10)))
    assert delta.recording.car == 38  # Tokyo's daily S pack
