"""Hypothesis strategies for estimator inputs: recordings in and around December 2026, and plans of them."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from hypothesis import strategies as st

from billing.estimator import PlannedRecording
from billing.estimator.prices import CSS_REGIONS
from billing.tests.factories import at, plan

MONTH_MINUTES = 31 * 24 * 60


@st.composite
def recordings(draw: st.DrawFn) -> PlannedRecording:
    storage = draw(st.sampled_from(["vod", "cos"]))
    classes = ["STANDARD", "STANDARD_IA"] if storage == "cos" else ["STANDARD", "STANDARD_IA", "ARCHIVE"]
    return PlannedRecording(
        # Starting up to a day before the month and running past its end exercises the clipping too.
        start=at(1) + timedelta(minutes=draw(st.integers(-24 * 60, MONTH_MINUTES))),
        duration=timedelta(minutes=draw(st.integers(1, 26 * 60))),
        spec=draw(st.sampled_from(["S", "M", "L"])),
        push_mbps=Decimal(draw(st.integers(1, 60))),
        formats=tuple(
            draw(st.lists(st.sampled_from(["mp4", "hls", "flv"]), min_size=1, max_size=3, unique=True))
        ),
        storage=storage,
        storage_class=draw(st.sampled_from(classes)),
        retention_days=draw(st.integers(1, 200)),
    )


plans = st.builds(
    lambda recs, down, region: plan(*recs, downstream_gb_per_day=Decimal(down), css_region=region),
    st.lists(recordings(), max_size=12),
    st.integers(0, 5000),
    st.sampled_from(CSS_REGIONS),
)
