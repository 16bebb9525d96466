"""The report's charts: expected traces and the push rule's reference lines."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from billing.charts import (
    ConcurrencyRow,
    PushRuleRow,
    concurrency_chart,
    cost_over_month_chart,
    push_rule_chart,
    top_rooms_chart,
)

DAYS = [date(2026, 12, 1), date(2026, 12, 2)]


def names(fig) -> list[str]:
    return [trace.name for trace in fig.data]


def test_push_rule_chart_has_the_100_mbps_and_10_to_1_lines_on_their_axes():
    rows = [
        PushRuleRow(DAYS[0], Decimal(120), Decimal("0.5"), True, Decimal(118)),
        PushRuleRow(DAYS[1], Decimal(40), None, False),
    ]
    fig = push_rule_chart(rows, Decimal(100), Decimal(10))
    assert names(fig) == [
        "Peak upstream Mbps",
        "Tencent peak upstream Mbps",
        "100 Mbps line",
        "Down : up ratio",
        "10 : 1 line",
    ]
    by_name = {trace.name: trace for trace in fig.data}
    assert list(by_name["100 Mbps line"].y) == [100.0, 100.0] and by_name["100 Mbps line"].yaxis == "y"
    assert list(by_name["10 : 1 line"].y) == [10.0, 10.0] and by_name["10 : 1 line"].yaxis == "y2"
    assert list(by_name["Down : up ratio"].y) == [0.5, None]
    assert list(by_name["Peak upstream Mbps"].marker.color) == ["#e5484d", "#fbb4b6"]  # billed day darker
    # The day axis sits under the lower half, not in the gap between the halves.
    assert fig.layout.xaxis.anchor == "y2" and fig.layout.yaxis2.domain[0] == 0


def test_push_rule_chart_without_cloud_figures_has_no_tencent_trace():
    fig = push_rule_chart([PushRuleRow(DAYS[0], Decimal(8), Decimal(0), False)], Decimal(100), Decimal(10))
    assert "Tencent peak upstream Mbps" not in names(fig)


def test_cost_over_month_is_stacked_by_component():
    fig = cost_over_month_chart([(DAYS[0], {"CAR packs": Decimal(40)}), (DAYS[1], {"Storage": Decimal(1)})])
    assert fig.layout.barmode == "stack"
    assert names(fig) == ["CAR packs", "Push (upstream)", "Playback", "Recording", "Storage"]
    assert list(fig.data[0].y) == [40.0, 0.0]


def test_concurrency_chart_shows_peaks_against_monthly_packs_and_owned():
    rows = [ConcurrencyRow(DAYS[0], {"S": 3}), ConcurrencyRow(DAYS[1], {"S": 1, "M": 2})]
    fig = concurrency_chart(rows, {"S": 1}, owned=4)
    assert names(fig) == ["Peak M", "Peak S", "Monthly packs M", "Monthly packs S", "Owned concurrency (CAR)"]
    assert list(fig.data[1].y) == [3, 1] and list(fig.data[3].y) == [1, 1] and list(fig.data[4].y) == [4, 4]


def test_top_rooms_costliest_on_top_and_only_used_components():
    fig = top_rooms_chart([("Big", {"CAR packs": Decimal(50)}), ("Small", {"CAR packs": Decimal(5)})])
    assert names(fig) == ["CAR packs"]
    assert list(fig.data[0].y) == ["Small", "Big"]  # plotly draws the first category at the bottom
