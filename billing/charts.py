"""Charts of an estimate: pure functions from rows of plain values to plotly figures."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import plotly.graph_objects as go

COMPONENT_COLOURS = {
    "CAR packs": "#3e63dd",
    "Push (upstream)": "#e5484d",
    "Playback": "#f76b15",
    "Recording": "#8e4ec6",
    "Storage": "#30a46c",
}


@dataclass(frozen=True)
class PushDayRow:
    day: date
    upstream_gb: Decimal
    downstream_gb: Decimal
    peak_mbps: Decimal
    billed: bool


def _layout(fig: go.Figure, title: str) -> go.Figure:
    fig.update_layout(
        title={"text": title, "font": {"size": 14}},
        margin={"l": 50, "r": 20, "t": 40, "b": 40},
        height=300,
        legend={"orientation": "h", "y": -0.2},
        plot_bgcolor="#fff",
    )
    return fig


def components_chart(rows: Sequence[tuple[str, Decimal]]) -> go.Figure:
    """The month's cost by component (USD)."""
    names = [name for name, _ in rows]
    fig = go.Figure(
        go.Bar(
            x=names,
            y=[float(cost) for _, cost in rows],
            marker_color=[COMPONENT_COLOURS.get(name, "#889") for name in names],
            text=[f"${float(cost):,.2f}" for _, cost in rows],
            textposition="outside",
        )
    )
    fig.update_yaxes(title_text="USD")
    return _layout(fig, "Cost by component")


def push_days_chart(rows: Sequence[PushDayRow], min_peak_mbps: Decimal) -> go.Figure:
    """Per billing day: upstream and downstream GB (bars) and the peak upstream Mbps against the threshold."""
    days = [row.day.isoformat() for row in rows]
    fig = go.Figure()
    fig.add_bar(
        x=days, y=[float(r.downstream_gb) for r in rows], name="Downstream GB", marker_color="#f76b15"
    )
    fig.add_bar(
        x=days,
        y=[float(r.upstream_gb) for r in rows],
        name="Upstream GB",
        marker_color=["#e5484d" if r.billed else "#fbb4b6" for r in rows],
    )
    fig.add_scatter(
        x=days,
        y=[float(r.peak_mbps) for r in rows],
        name="Peak upstream Mbps",
        yaxis="y2",
        mode="lines+markers",
    )
    fig.add_scatter(
        x=days,
        y=[float(min_peak_mbps)] * len(rows),
        name=f"{min_peak_mbps:g} Mbps threshold",
        yaxis="y2",
        mode="lines",
        line={"dash": "dash", "color": "#888"},
    )
    fig.update_layout(
        barmode="group",
        yaxis={"title": {"text": "GB"}},
        yaxis2={"title": {"text": "Mbps"}, "overlaying": "y", "side": "right", "rangemode": "tozero"},
    )
    return _layout(fig, "Push rule by day (dark red = upstream billed)")


def figure_html(fig: go.Figure) -> str:
    """A figure as an embeddable <div> + script; plotly.js itself is loaded once by the page."""
    return str(
        fig.to_html(
            include_plotlyjs=False, full_html=False, config={"displaylogo": False, "responsive": True}
        )
    )
