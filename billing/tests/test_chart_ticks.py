"""The calculator's push chart: round ticks on both y-axes, the secondary's aligned to the primary's grid."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from billing.charts import BILLING_DAY_AXIS, PushDayRow, aligned_ticks, nice_step, push_days_chart

DAY = date(2026, 12, 1)


def is_round(step: float) -> bool:
    """1, 2, 2.5 or 5 times a power of ten."""
    mantissa = Decimal(repr(step)).normalize()
    digits = mantissa.scaleb(-mantissa.adjusted())
    return digits in (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5))


@pytest.mark.parametrize(
    ("top", "step"), [(0, 1.0), (0.37, 0.1), (7.3, 2.0), (13, 5.0), (105, 25.0), (2500, 500.0)]
)
def test_nice_step(top: float, step: float) -> None:
    assert nice_step(top) == step


@pytest.mark.parametrize(
    ("gb", "mbps"),
    [(38.2, 100), (0.4, 100), (1234.5, 7.5), (3.3, 137.1), (0, 0), (19.99, 333.3), (0.013, 0.7)],
)
def test_push_chart_second_axis_has_round_ticks_on_the_primary_grid(gb: float, mbps: float) -> None:
    rows = [PushDayRow(DAY, Decimal(repr(gb)), Decimal(repr(gb / 2)), Decimal(repr(mbps)), False)]
    fig = push_days_chart(rows, Decimal(100) if mbps >= 100 else Decimal(repr(mbps)))
    y, y2 = fig.layout.yaxis, fig.layout.yaxis2
    assert y.tickmode == y2.tickmode == "linear" and y.tick0 == y2.tick0 == 0
    assert is_round(y.dtick) and is_round(y2.dtick)
    intervals, intervals2 = y.range[1] / y.dtick, y2.range[1] / y2.dtick
    assert intervals == pytest.approx(round(intervals)) and intervals2 == pytest.approx(intervals)  # aligned
    assert y.range[0] == y2.range[0] == 0
    assert y.range[1] >= gb and y2.range[1] >= max(mbps, 100 if mbps >= 100 else mbps)  # everything visible
    assert 1 <= round(intervals) <= 10
    assert y2.overlaying == "y"


def test_the_threshold_line_is_inside_the_second_axis() -> None:
    _, mbps_axis = aligned_ticks(10, 100)
    assert mbps_axis["range"] == [0, 125.0] and mbps_axis["dtick"] == 25.0


def test_billing_day_charts_name_their_zone() -> None:
    fig = push_days_chart([PushDayRow(DAY, Decimal(1), Decimal(2), Decimal(3), False)], Decimal(100))
    assert fig.layout.xaxis.title.text == BILLING_DAY_AXIS == "Billing day (UTC+8)"
