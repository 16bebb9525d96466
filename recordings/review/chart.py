"""The moderators' throughput chart: a pure function from per-day verdict rows to a plotly figure (as a dict)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go
from django.utils.translation import gettext

from dashboard.timezones import zone_description


def reviewed_per_day_figure(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """One stacked bar per day, one colour per moderator (rows from `services.review.reviewed_per_day`)."""
    days = sorted({row["day"] for row in rows})
    moderators = sorted({row["moderator"] for row in rows})
    totals = {(row["day"], row["moderator"]): row["total"] for row in rows}
    figure = go.Figure(
        data=[
            go.Bar(
                name=moderator,
                x=[day.isoformat() for day in days],
                y=[totals.get((day, moderator), 0) for day in days],
            )
            for moderator in moderators
        ]
    )
    figure.update_layout(
        barmode="stack",
        height=320,
        margin={"l": 40, "r": 10, "t": 10, "b": 50},
        yaxis_title=gettext("verdicts"),
        xaxis_title=gettext("Day (%(zone)s)") % {"zone": zone_description()},
        xaxis={"type": "category"},  # one bar per reviewed day, without empty hours between them
        legend={"orientation": "h"},
    )
    result: dict[str, Any] = json.loads(figure.to_json())
    return result
