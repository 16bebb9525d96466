"""The stream-health chart: a pure function from push samples and anomalies to a plotly figure (as JSON)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go
from django.utils import timezone
from django.utils.translation import gettext
from plotly.subplots import make_subplots

from dashboard.timezones import zone_description
from recordings.models import PushAnomaly
from tencent.results import PushSample


def _height_of(resolution: str) -> int:
    """'1280*720' or '1280x720' → 720 (CSS writes '*'); 0 when unreadable."""
    for separator in ("*", "x", "X"):
        if separator in resolution:
            _width, _, height = resolution.partition(separator)
            return int(height) if height.strip().isdigit() else 0
    return 0


def health_figure(samples: Sequence[PushSample], anomalies: Sequence[PushAnomaly]) -> dict[str, Any]:
    # Plotly draws the wall-clock part of an ISO time, so give it the active zone like the rest of the page,
    # and name that zone on the time axis.
    times = [timezone.localtime(s.time).isoformat() for s in samples]
    figure = make_subplots(
        rows=3,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.06,
        subplot_titles=(
            gettext("Bitrate (kbps)"),
            gettext("Frame rate (fps)"),
            gettext("Resolution (height, px)"),
        ),
    )
    figure.add_trace(
        go.Scatter(
            x=times, y=[s.video_bps / 1000 for s in samples], name=gettext("video kbps"), mode="lines+markers"
        ),
        row=1,
        col=1,
    )
    figure.add_trace(
        go.Scatter(
            x=times, y=[s.audio_bps / 1000 for s in samples], name=gettext("audio kbps"), mode="lines+markers"
        ),
        row=1,
        col=1,
    )
    figure.add_trace(
        go.Scatter(x=times, y=[s.video_fps for s in samples], name="fps", mode="lines+markers"), row=2, col=1
    )
    figure.add_trace(
        go.Scatter(
            x=times,
            y=[_height_of(s.resolution) for s in samples],
            text=[s.resolution.replace("*", "x") for s in samples],
            hovertemplate="%{text}<extra></extra>",
            name=gettext("resolution"),
            mode="lines+markers",
            line={"shape": "hv"},
        ),
        row=3,
        col=1,
    )
    for anomaly in anomalies:
        figure.add_vline(
            x=timezone.localtime(anomaly.occurred_at).isoformat(),
            line={"color": "#e5484d", "dash": "dot", "width": 1},
        )
    if anomalies:
        # One invisible-line trace carries the hover text and the legend entry of the anomaly markers.
        figure.add_trace(
            go.Scatter(
                x=[timezone.localtime(a.occurred_at).isoformat() for a in anomalies],
                y=[0 for _ in anomalies],
                text=[f"{a.label} x{a.count}" for a in anomalies],
                hovertemplate="%{text}<extra>" + gettext("anomaly") + "</extra>",
                mode="markers",
                marker={"symbol": "x", "color": "#e5484d", "size": 10},
                name=gettext("push anomaly"),
            ),
            row=1,
            col=1,
        )
    figure.update_xaxes(title_text=gettext("Time (%(zone)s)") % {"zone": zone_description()}, row=3, col=1)
    figure.update_layout(
        height=540,
        margin={"l": 50, "r": 20, "t": 40, "b": 30},
        legend={"orientation": "h", "y": -0.14},
        uirevision="health",
    )
    result: dict[str, Any] = json.loads(figure.to_json())
    return result
