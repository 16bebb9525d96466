"""The CSS live-recording fee: the month's peak concurrent channels, prorated by the days with recording.

fee = peak channels x (days with recording ÷ days in the month) x price per channel-month, where every output
format of every session is its own channel. Tencent samples the peak every 5 minutes; the exact sweep-line peak
used here is never below a sampled one, so estimates err high by at most a sub-5-minute overlap.
Recording straight to COS adds a per-minute fee per channel (minutes x formats). The month's fee is split over
groups by channel time; the COS add-on is each group's own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from billing.estimator.usage import MonthUsage

MICROS_PER_MINUTE = Decimal(60_000_000)


@dataclass(frozen=True)
class RecordingFeeResult:
    peak_channels: int
    days_with_recording: int
    days_in_month: int
    channel_fee: Decimal
    cos_channel_minutes: Decimal
    cos_fee: Decimal
    per_group: tuple[Decimal, ...]

    @property
    def cost(self) -> Decimal:
        return self.channel_fee + self.cos_fee


def recording_cost(
    usage: MonthUsage,
    channel_peaks: Sequence[int],
    session_peaks: Sequence[int],
    usd_per_channel_month: Decimal,
    cos_usd_per_channel_minute: Decimal,
) -> RecordingFeeResult:
    peak_channels = max(channel_peaks, default=0)
    days_with = sum(1 for peak in session_peaks if peak)
    channel_fee = peak_channels * Decimal(days_with) / Decimal(usage.days) * usd_per_channel_month
    total = sum(usage.channel_micros)
    per_group: list[Decimal] = []
    for used, to_cos in zip(usage.channel_micros, usage.cos_channel_micros, strict=True):
        share = channel_fee * used / total if used else Decimal(0)
        if to_cos:
            share += to_cos / MICROS_PER_MINUTE * cos_usd_per_channel_minute
        per_group.append(share)
    cos_minutes = sum(usage.cos_channel_micros) / MICROS_PER_MINUTE
    return RecordingFeeResult(
        peak_channels=peak_channels,
        days_with_recording=days_with,
        days_in_month=usage.days,
        channel_fee=channel_fee,
        cos_channel_minutes=cos_minutes,
        cos_fee=cos_minutes * cos_usd_per_channel_minute,
        per_group=tuple(per_group),
    )
