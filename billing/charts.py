"""Charts of estimates and reports: pure functions from rows of plain values to plotly figures."""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import plotly.graph_objects as go
from django.utils.html import format_html, json_script
from django.utils.translation import gettext, pgettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

COMPONENT_COLOURS = {
    "CAR packs": "#3e63dd",
    "Push (upstream)": "#e5484d",
    "Playback": "#f76b15",
    "Recording": "#8e4ec6",
    "Storage": "#30a46c",
}


# The components stay keyed by their English names (the report's data and the colours use them); a chart shows
# each in the request's language. Charts are built per request (the report's chart cache is per language).
COMPONENT_LABELS = {
    "CAR packs": _("CAR packs"),
    "Push (upstream)": pgettext_lazy("billing component", "Push (upstream)"),
    "Playback": pgettext_lazy("billing component", "Playback"),
    "Recording": pgettext_lazy("billing component", "Recording"),
    "Storage": pgettext_lazy("billing component", "Storage"),
    "Total": pgettext_lazy("billing", "Total"),
}
BILLING_DAY_AXIS = _("Billing day (UTC+8)")  # Tencent bills by UTC+8 days, whatever zone the console shows


def component_label(name: str) -> str:
    """A cost component's name in the active language (a name no list knows shows as written)."""
    return str(COMPONENT_LABELS.get(name, name))


NICE_FRACTIONS = (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10))


def nice_step(top: float, ticks: int = 5) -> float:
    """The round tick step (1, 2, 2.5 or 5 x 10^k) giving about `ticks` intervals from 0 to `top`."""
    if top <= 0:
        return 1.0
    raw = Decimal(repr(top / ticks))
    exponent = Decimal(10) ** raw.adjusted()
    fraction = next(f for f in NICE_FRACTIONS if f * exponent >= raw)
    return float(fraction * exponent)


def aligned_ticks(top: float, top2: float, ticks: int = 5) -> tuple[dict[str, object], dict[str, object]]:
    """Linear tick settings for a primary and an overlaying secondary axis, both from 0, each with round
    steps and the same number of intervals, so that the secondary axis's ticks sit on the primary's grid."""
    headroom = 1.05  # a bar or line exactly at a tick would touch the plot's edge
    step, step2 = nice_step(top * headroom, ticks), nice_step(top2 * headroom, ticks)
    count = max(1, math.ceil(top * headroom / step), math.ceil(top2 * headroom / step2))
    return (
        {"tickmode": "linear", "tick0": 0, "dtick": step, "range": [0, step * count]},
        {"tickmode": "linear", "tick0": 0, "dtick": step2, "range": [0, step2 * count], "showgrid": False},
    )


@dataclass(frozen=True)
class PushDayRow:
    day: date
    upstream_gb: Decimal
    downstream_gb: Decimal
    peak_mbps: Decimal
    billed: bool


def _layout(fig: go.Figure, title: str) -> go.Figure:
    fig.update_layout(
        title={"text": str(title), "font": {"size": 14}},
        margin={"l": 50, "r": 20, "t": 40, "b": 40},
        height=300,
        # At the figure's foot, below the x-axis title (the billing-day axis names its zone) at any width.
        legend={"orientation": "h", "yref": "container", "yanchor": "bottom", "y": 0},
        plot_bgcolor="#fff",
    )
    return fig


def components_chart(rows: Sequence[tuple[str, Decimal]]) -> go.Figure:
    """The month's cost by component (USD)."""
    names = [name for name, _ in rows]
    fig = go.Figure(
        go.Bar(
            x=[component_label(name) for name in names],
            y=[float(cost) for _, cost in rows],
            marker_color=[COMPONENT_COLOURS.get(name, "#889") for name in names],
            text=[f"${float(cost):,.2f}" for _, cost in rows],
            textposition="outside",
        )
    )
    fig.update_yaxes(title_text="USD")
    return _layout(fig, gettext("Cost by component"))


def push_days_chart(rows: Sequence[PushDayRow], min_peak_mbps: Decimal) -> go.Figure:
    """Per billing day: upstream and downstream GB (bars) and the peak upstream Mbps against the threshold."""
    days = [row.day.isoformat() for row in rows]
    fig = go.Figure()
    fig.add_bar(
        x=days,
        y=[float(r.downstream_gb) for r in rows],
        name=gettext("Downstream GB"),
        marker_color="#f76b15",
    )
    fig.add_bar(
        x=days,
        y=[float(r.upstream_gb) for r in rows],
        name=gettext("Upstream GB"),
        marker_color=["#e5484d" if r.billed else "#fbb4b6" for r in rows],
    )
    fig.add_scatter(
        x=days,
        y=[float(r.peak_mbps) for r in rows],
        name=gettext("Peak upstream Mbps"),
        yaxis="y2",
        mode="lines+markers",
    )
    fig.add_scatter(
        x=days,
        y=[float(min_peak_mbps)] * len(rows),
        name=gettext("%(mbps)s Mbps threshold") % {"mbps": f"{min_peak_mbps:g}"},
        yaxis="y2",
        mode="lines",
        line={"dash": "dash", "color": "#888"},
    )
    top_gb = max((float(max(r.downstream_gb, r.upstream_gb)) for r in rows), default=0.0)
    top_mbps = max([float(r.peak_mbps) for r in rows] + [float(min_peak_mbps)])
    gb_axis, mbps_axis = aligned_ticks(top_gb, top_mbps)
    fig.update_layout(
        barmode="group",
        xaxis={"title": {"text": str(BILLING_DAY_AXIS)}},
        yaxis={"title": {"text": "GB"}, **gb_axis},
        yaxis2={"title": {"text": "Mbps"}, "overlaying": "y", "side": "right", **mbps_axis},
    )
    return _layout(fig, gettext("Push rule by day (dark red = upstream billed)"))


def figure_html(fig: go.Figure) -> str:
    """A figure as an empty <div> and its JSON in a data block, which static/js/charts.js draws (the CSP allows
    no inline script, so plotly's own to_html cannot be used); plotly.js itself is loaded once by the page."""
    chart_id = f"chart-{uuid.uuid4().hex[:12]}"
    figure = {**json.loads(fig.to_json()), "config": {"displaylogo": False, "responsive": True}}
    return format_html(
        '<div id="{}" class="plotly-graph-div" data-plotly-figure="{}"></div>{}',
        chart_id,
        f"{chart_id}-figure",
        json_script(figure, f"{chart_id}-figure"),
    )


@dataclass(frozen=True)
class PushRuleRow:
    day: date
    peak_mbps: Decimal
    ratio: Decimal | None  # downstream ÷ upstream; None without upstream
    billed: bool
    cloud_peak_mbps: Decimal | None = None  # Tencent's measured peak, when known


@dataclass(frozen=True)
class ConcurrencyRow:
    day: date
    peaks: dict[str, int]  # spec → that day's peak of simultaneous sessions


def cost_over_month_chart(rows: Sequence[tuple[date, dict[str, Decimal]]]) -> go.Figure:
    """Each billing day's cost, stacked by component (USD)."""
    days = [day.isoformat() for day, _ in rows]
    fig = go.Figure()
    for name, colour in COMPONENT_COLOURS.items():
        fig.add_bar(
            x=days,
            y=[float(costs.get(name, 0)) for _, costs in rows],
            name=component_label(name),
            marker_color=colour,
        )
    fig.update_layout(
        barmode="stack", xaxis={"title": {"text": str(BILLING_DAY_AXIS)}}, yaxis={"title": {"text": "USD"}}
    )
    return _layout(fig, gettext("Cost by component, day by day (UTC+8)"))


def _reference_line(fig: go.Figure, days: list[str], value: float, name: str, yaxis: str) -> None:
    fig.add_scatter(
        x=days,
        y=[value] * len(days),
        name=name,
        mode="lines",
        line={"dash": "dash", "color": "#888"},
        yaxis=yaxis,
    )


def push_rule_chart(rows: Sequence[PushRuleRow], min_peak_mbps: Decimal, max_ratio: Decimal) -> go.Figure:
    """The two halves of the push-fee rule per day: peak upstream against its threshold (top) and the
    downstream : upstream ratio against its threshold (bottom). Upstream is billed when peak > line AND
    ratio < line. Two stacked y-axes over one x-axis (cheaper to build than plotly's subplots helper)."""
    days = [row.day.isoformat() for row in rows]
    fig = go.Figure()
    fig.add_bar(
        x=days,
        y=[float(r.peak_mbps) for r in rows],
        name=gettext("Peak upstream Mbps"),
        marker_color=["#e5484d" if r.billed else "#fbb4b6" for r in rows],
    )
    if any(r.cloud_peak_mbps is not None for r in rows):
        fig.add_scatter(
            x=days,
            y=[None if r.cloud_peak_mbps is None else float(r.cloud_peak_mbps) for r in rows],
            name=gettext("Tencent peak upstream Mbps"),
            mode="markers",
            marker={"color": "#111", "symbol": "x"},
        )
    _reference_line(
        fig, days, float(min_peak_mbps), gettext("%(mbps)s Mbps line") % {"mbps": f"{min_peak_mbps:g}"}, "y"
    )
    fig.add_scatter(
        x=days,
        y=[None if r.ratio is None else float(r.ratio) for r in rows],
        name=gettext("Down : up ratio"),
        mode="lines+markers",
        line={"color": "#f76b15"},
        yaxis="y2",
    )
    _reference_line(
        fig, days, float(max_ratio), gettext("%(ratio)s : 1 line") % {"ratio": f"{max_ratio:g}"}, "y2"
    )
    fig.update_layout(
        # The shared day axis is drawn under the lower (ratio) half: anchored to the upper one, its ticks and
        # title would sit in the gap and over the ratio axis.
        xaxis={"title": {"text": str(BILLING_DAY_AXIS)}, "anchor": "y2"},
        yaxis={"title": {"text": "Mbps"}, "rangemode": "tozero", "domain": [0.56, 1]},
        yaxis2={
            "title": {"text": pgettext("push rule", "ratio")},
            "rangemode": "tozero",
            "domain": [0, 0.44],
            "anchor": "x",
        },
    )
    _layout(fig, gettext("Push rule: upstream peak and down : up ratio (dark red = upstream billed)"))
    fig.update_layout(height=420)
    return fig


def concurrency_chart(
    rows: Sequence[ConcurrencyRow], monthly_packs: dict[str, int], owned: int | None = None
) -> go.Figure:
    """Per day, the peak of simultaneous sessions of each spec against the monthly packs the optimiser
    keeps (days above the line buy daily packs) and, when known, the concurrency owned in CAR."""
    days = [row.day.isoformat() for row in rows]
    specs = sorted({spec for row in rows for spec in row.peaks} | set(monthly_packs))
    fig = go.Figure()
    for spec in specs:
        fig.add_bar(
            x=days, y=[row.peaks.get(spec, 0) for row in rows], name=gettext("Peak %(spec)s") % {"spec": spec}
        )
    for spec in specs:
        fig.add_scatter(
            x=days,
            y=[monthly_packs.get(spec, 0)] * len(rows),
            name=gettext("Monthly packs %(spec)s") % {"spec": spec},
            mode="lines",
            line={"dash": "dot"},
        )
    if owned is not None:
        fig.add_scatter(
            x=days,
            y=[owned] * len(rows),
            name=gettext("Owned concurrency (CAR)"),
            mode="lines",
            line={"dash": "dash", "color": "#111"},
        )
    fig.update_layout(
        barmode="group",
        xaxis={"title": {"text": str(BILLING_DAY_AXIS)}},
        yaxis={"title": {"text": gettext("concurrent sessions")}, "rangemode": "tozero"},
    )
    return _layout(fig, gettext("CAR concurrency: daily peak against packs"))


def top_rooms_chart(rows: Sequence[tuple[str, dict[str, Decimal]]]) -> go.Figure:
    """The costliest rooms (USD), stacked by component, costliest on top."""
    names = [name for name, _ in reversed(rows)]
    fig = go.Figure()
    for component, colour in COMPONENT_COLOURS.items():
        values = [float(costs.get(component, 0)) for _, costs in reversed(rows)]
        if any(values):
            fig.add_bar(
                y=names, x=values, name=component_label(component), orientation="h", marker_color=colour
            )
    fig.update_layout(barmode="stack", xaxis={"title": {"text": "USD"}})
    _layout(fig, gettext("Top rooms by actual cost"))
    fig.update_layout(height=max(300, 60 + 28 * len(rows)))
    return fig
