"""The column machinery a cost report relies on, against slow obvious versions (hypothesis).

The sweep must find each day's busiest instant exactly as counting every candidate instant does, and pricing
recordings in groups (rooms) must give each group the sum of what its recordings cost priced one by one.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from billing.estimator import PlanContext, estimate, price_month
from billing.estimator.columns import Columns
from billing.estimator.sweep import day_peaks
from billing.estimator.timeline import DAY_MICROS, day_bounds, micros
from billing.tests.factories import DECEMBER, LIST_PRICES
from billing.tests.strategies import plans

MINUTE = 60_000_000
ORIGIN = micros(day_bounds(DECEMBER)[0])
DAYS = 31

intervals = st.lists(
    st.tuples(
        # On a coarse grid (minutes, multiples of 3 h, from a day before the month to its end) so that one
        # recording ending as another starts, and both at midnight, come up often.
        st.integers(-8, DAYS * 8).map(lambda slot: slot * 180),
        st.integers(1, 10).map(lambda slots: slots * 180),
        st.sampled_from(["S", "M", "L"]),
        st.integers(0, 9),  # bitrate, in any unit
        st.integers(1, 3),  # channels
    ),
    max_size=40,
)


def busiest(weights: list[tuple[int, int, int]], lo: int, hi: int) -> int:
    """The largest weight running at one instant of [lo, hi): at its start, or right after a start in it."""
    instants = {lo} | {start for start, _, _ in weights if lo <= start < hi}
    return max(sum(w for start, end, w in weights if start <= t < end) for t in instants)


@settings(max_examples=150, deadline=None)
@given(generated=intervals)
def test_the_sweep_finds_each_days_busiest_instant(generated):
    starts = [ORIGIN + offset * MINUTE for offset, *_ in generated]
    ends = [start + minutes * MINUTE for start, (_, minutes, *_) in zip(starts, generated, strict=True)]
    specs = [spec for *_, spec, _, _ in generated]
    bps = [rate for *_, rate, _ in generated]
    channels = [count for *_, count in generated]
    peaks = day_peaks(starts, ends, specs, bps, channels, origin=ORIGIN, days=DAYS)
    for day in range(DAYS):
        lo, hi = ORIGIN + day * DAY_MICROS, ORIGIN + (day + 1) * DAY_MICROS
        spans = list(zip(starts, ends, strict=True))
        assert peaks.sessions[day] == busiest([(s, e, 1) for s, e in spans], lo, hi)
        assert peaks.bps[day] == busiest([(s, e, b) for (s, e), b in zip(spans, bps, strict=True)], lo, hi)
        assert peaks.channels[day] == busiest(
            [(s, e, c) for (s, e), c in zip(spans, channels, strict=True)], lo, hi
        )
        for spec, by_day in peaks.by_spec.items():
            chosen = [(s, e, 1) for (s, e), k in zip(spans, specs, strict=True) if k == spec]
            assert by_day[day] == busiest(chosen, lo, hi)
    month_end = ORIGIN + DAYS * DAY_MICROS
    running = {k for s, e, k in zip(starts, ends, specs, strict=True) if s < month_end and e > ORIGIN}
    assert set(peaks.by_spec) == running


@settings(max_examples=60, deadline=None)
@given(subject=plans, data=st.data())
def test_a_groups_costs_are_the_sums_of_its_recordings_costs(subject, data):
    count = len(subject.recordings)
    groups = data.draw(st.lists(st.integers(0, 3), min_size=count, max_size=count))
    alone = estimate(subject, LIST_PRICES)
    where = PlanContext(
        subject.car_region,
        subject.css_region,
        subject.vod_area,
        subject.cos_region,
        subject.downstream_gb_per_day,
    )
    columns = replace(Columns.of(subject.recordings), groups=groups, group_count=4)
    grouped = price_month(columns, month=subject.month, where=where, prices=LIST_PRICES)
    tolerance = Decimal("1e-15")
    assert abs(grouped.total - alone.total) < tolerance
    for group in range(4):
        members = [cost for cost, g in zip(alone.recordings, groups, strict=True) if g == group]
        for component, share in [
            ("car", grouped.car.per_group[group]),
            ("push", grouped.push.per_group[group]),
            ("recording_fee", grouped.recording.per_group[group]),
            ("storage_cost", grouped.storage.per_group[group]),
        ]:
            assert abs(share - sum((getattr(m, component) for m in members), Decimal(0))) < tolerance
