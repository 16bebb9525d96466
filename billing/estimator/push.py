"""CSS traffic: playback (downstream) every day, and the push (upstream) fee rule per billing day.

Upstream is billed for a day only when that day's downstream : upstream ratio is below 10 : 1 AND its peak
upstream bandwidth (the sum of the bitrates of the pushes running at the busiest instant) exceeds 100 Mbps;
billed upstream then pays the downstream tiers.

Tiers apply progressively by the month's cumulative traffic: walking the month day by day, each day's
downstream GB and then its billed upstream GB are priced at the tier the month's running total has reached.
The month's traffic cost therefore equals the tiered price of its total, whatever the split; the order only
decides which line (playback or push) carries the cheaper GB once a tier boundary is crossed.
Upstream GB = bitrate (Mbps) x seconds ÷ 8 ÷ 1000 (decimal units: 1 GB = 1000 MB, 1 Mbps = 10⁶ bit/s).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext

from billing.estimator.prices import Tier
from billing.estimator.usage import BPS_MICROS_PER_GB, MonthUsage

BPS_PER_MBPS = Decimal(10**6)


@dataclass(frozen=True)
class PushDay:
    day: date
    upstream_gb: Decimal
    downstream_gb: Decimal
    ratio: Decimal | None  # downstream ÷ upstream; None without upstream
    peak_upstream_mbps: Decimal
    billed: bool
    reason: str
    cost: Decimal  # billed upstream
    playback_cost: Decimal  # that day's downstream


@dataclass(frozen=True)
class PushResult:
    days: tuple[PushDay, ...]
    cost: Decimal  # upstream fees
    playback_cost: Decimal  # downstream fees
    per_group: tuple[Decimal, ...]  # the push fees split by upstream traffic on billed days

    @property
    def billed_days(self) -> int:
        return sum(1 for d in self.days if d.billed)


def tiered_cost(already_gb: Decimal, amount_gb: Decimal, tiers: Sequence[Tier]) -> Decimal:
    """The price of `amount_gb` more traffic in a month that has already used `already_gb`."""
    cost = Decimal(0)
    position, remaining = already_gb, amount_gb
    for tier in tiers:
        if remaining <= 0:
            break
        if tier.up_to_gb is not None and position >= tier.up_to_gb:
            continue
        take = remaining if tier.up_to_gb is None else min(remaining, tier.up_to_gb - position)
        cost += take * tier.usd_per_gb
        position += take
        remaining -= take
    return cost


def push_decision(
    downstream: Decimal, upstream: Decimal, peak_mbps: Decimal, max_ratio: Decimal, min_peak: Decimal
) -> tuple[bool, str]:
    # The reason is worded in the active language (a page's or the API request's; English without one).
    if upstream <= 0:
        return False, gettext("no upstream")
    low_ratio = downstream < max_ratio * upstream
    high_peak = peak_mbps > min_peak
    ratio_text = gettext("ratio %(ratio)s : 1 %(sign)s %(max)s : 1") % {
        "ratio": f"{downstream / upstream:.2f}",
        "sign": "<" if low_ratio else "≥",
        "max": f"{max_ratio:g}",
    }
    peak_text = gettext("peak %(peak)s Mbps %(sign)s %(min)s Mbps") % {
        "peak": f"{peak_mbps:g}",
        "sign": ">" if high_peak else "≤",
        "min": f"{min_peak:g}",
    }
    if low_ratio and high_peak:
        return True, gettext("billed: %(ratio)s and %(peak)s") % {"ratio": ratio_text, "peak": peak_text}
    return False, gettext("not billed: %(reason)s") % {"reason": ratio_text if not low_ratio else peak_text}


def push_cost(
    usage: MonthUsage,
    peak_bps: Sequence[int],
    days: Sequence[date],
    downstream_gb_per_day: Decimal,
    tiers: Sequence[Tier],
    max_ratio: Decimal,
    min_peak_mbps: Decimal,
) -> PushResult:
    groups = usage.group_count
    per_group = [Decimal(0)] * groups
    month_gb = Decimal(0)
    result_days: list[PushDay] = []
    for index, day in enumerate(days):
        traffic = usage.day_traffic[index]
        up = Decimal(traffic) / BPS_MICROS_PER_GB
        peak_mbps = peak_bps[index] / BPS_PER_MBPS
        billed, reason = push_decision(downstream_gb_per_day, up, peak_mbps, max_ratio, min_peak_mbps)
        playback = tiered_cost(month_gb, downstream_gb_per_day, tiers)
        month_gb += downstream_gb_per_day
        cost = Decimal(0)
        if billed:
            cost = tiered_cost(month_gb, up, tiers)
            month_gb += up
            offset = index * groups
            for group, share in enumerate(usage.day_group_traffic[offset : offset + groups]):
                if share:
                    per_group[group] += cost * share / traffic
        result_days.append(
            PushDay(
                day=day,
                upstream_gb=up,
                downstream_gb=downstream_gb_per_day,
                ratio=downstream_gb_per_day / up if up > 0 else None,
                peak_upstream_mbps=peak_mbps,
                billed=billed,
                reason=reason,
                cost=cost,
                playback_cost=playback,
            )
        )
    return PushResult(
        days=tuple(result_days),
        cost=sum((d.cost for d in result_days), Decimal(0)),
        playback_cost=sum((d.playback_cost for d in result_days), Decimal(0)),
        per_group=tuple(per_group),
    )
