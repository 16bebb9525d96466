"""What the month's recordings used, per group and per billing day, in exact integers (one pass).

The rules split shared costs by usage — CAR packs by session time, the push fee by each day's upstream
traffic, the recording fee by channel time — and price storage by file size. All of it is summed here on ints
(microseconds, and bit-rate x microseconds for traffic), so pricing a group's share later is one Decimal
operation per group rather than one per recording.
Units: `bps x µs` = 10⁻⁶ bit, so 8 x 10¹⁵ of them make a (decimal) GB.
"""

from __future__ import annotations

from dataclasses import dataclass

from billing.estimator.columns import Columns
from billing.estimator.timeline import DAY_MICROS

BPS_MICROS_PER_GB = 8 * 10**15


@dataclass(frozen=True)
class MonthUsage:
    days: int
    group_count: int
    spec_micros: dict[str, list[int]]  # spec → per group: session time within the month
    channel_micros: list[int]  # per group: channels x time within the month
    cos_channel_micros: list[int]  # per group: the part recorded straight to COS
    day_traffic: list[int]  # per day: upstream bps·µs
    day_group_traffic: list[int]  # day x group_count + group: that group's upstream bps·µs on that day
    stored: list[list[int]]  # storage option → per group: bps·µs x channels of files whose recording starts
    stored_by_day: list[list[int]]  # storage option → per day (the day the recording starts)


def month_usage(columns: Columns, *, origin: int, days: int) -> MonthUsage:
    """Everything is clipped to the month [origin, origin + days) except storage: a file is sized by its
    whole recording and counted in the month the recording starts."""
    limit = origin + days * DAY_MICROS
    groups = columns.group_count
    spec_micros: dict[str, list[int]] = {spec: [0] * groups for spec in set(columns.specs)}
    channel_micros, cos_channel_micros = [0] * groups, [0] * groups
    day_traffic, day_group_traffic = [0] * days, [0] * (days * groups)
    options = columns.storage_options
    stored = [[0] * groups for _ in options]
    stored_by_day = [[0] * days for _ in options]
    to_cos = [option.target == "cos" for option in options]
    for start, end, spec, bps, channels, option, group in zip(
        columns.starts,
        columns.ends,
        columns.specs,
        columns.bps,
        columns.channels,
        columns.storage,
        columns.groups,
        strict=True,
    ):
        if origin <= start < limit:
            size = bps * (end - start) * channels
            stored[option][group] += size
            stored_by_day[option][(start - origin) // DAY_MICROS] += size
        if start < origin:
            start = origin
        if end > limit:
            end = limit
        if end <= start:
            continue
        span = end - start
        spec_micros[spec][group] += span
        channel_micros[group] += span * channels
        if to_cos[option]:
            cos_channel_micros[group] += span * channels
        day = (start - origin) // DAY_MICROS
        last = (end - origin - 1) // DAY_MICROS
        while True:
            day_end = origin + (day + 1) * DAY_MICROS
            traffic = bps * ((end if end < day_end else day_end) - start)
            day_traffic[day] += traffic
            day_group_traffic[day * groups + group] += traffic
            if day == last:
                break
            day, start = day + 1, day_end
    return MonthUsage(
        days=days,
        group_count=groups,
        spec_micros=spec_micros,
        channel_micros=channel_micros,
        cos_channel_micros=cos_channel_micros,
        day_traffic=day_traffic,
        day_group_traffic=day_group_traffic,
        stored=stored,
        stored_by_day=stored_by_day,
    )
