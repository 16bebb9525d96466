"""The CSS live-recording fee: the month's peak concurrent channels, prorated by the days with recording.

fee = peak channels x (days with recording ÷ days in the month) x price per channel-month, where every output
format of every session is its own channel. Tencent samples the peak every 5 minutes; the exact sweep-line peak
used here is never below a sampled one, so estimates err high by at most a sub-5-minute overlap.
Recording straight to COS adds a per-minute fee per channel (minutes x formats). The month's fee is split over
recordings by channel-minutes; the COS add-on is each recording's own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from billing.estimator.inputs import PlannedRecording
from billing.estimator.timeline import Timeline, peak_count, seconds_in

SECONDS_PER_MINUTE = Decimal(60)


@dataclass(frozen=True)
class RecordingFeeResult:
    peak_channels: int
    days_with_recording: int
    days_in_month: int
    channel_fee: Decimal
    cos_channel_minutes: Decimal
    cos_fee: Decimal
    per_recording: tuple[Decimal, ...]

    @property
    def cost(self) -> Decimal:
        return self.channel_fee + self.cos_fee


def recording_cost(
    recordings: Sequence[PlannedRecording],
    days: Sequence[date],
    usd_per_channel_month: Decimal,
    cos_usd_per_channel_minute: Decimal,
    *,
    timeline: Timeline | None = None,
) -> RecordingFeeResult:
    line = timeline or Timeline.of(((r.start, r.end) for r in recordings), days)
    month_lo, month_hi = line.month
    peak_channels = peak_count(
        ((*span, len(r.formats)) for span, r in zip(line.spans, recordings, strict=True)), month_lo, month_hi
    )
    days_with = sum(1 for on_day in line.by_day if on_day)
    channel_fee = peak_channels * Decimal(days_with) / Decimal(len(days)) * usd_per_channel_month
    channel_minutes = [
        seconds_in(*span, month_lo, month_hi) / SECONDS_PER_MINUTE * len(r.formats)
        for span, r in zip(line.spans, recordings, strict=True)
    ]
    total_minutes = sum(channel_minutes, Decimal(0))
    per_recording: list[Decimal] = []
    cos_minutes = Decimal(0)
    for r, minutes in zip(recordings, channel_minutes, strict=True):
        share = channel_fee * minutes / total_minutes if total_minutes else Decimal(0)
        if r.storage == "cos":
            cos_minutes += minutes
            share += minutes * cos_usd_per_channel_minute
        per_recording.append(share)
    return RecordingFeeResult(
        peak_channels=peak_channels,
        days_with_recording=days_with,
        days_in_month=len(days),
        channel_fee=channel_fee,
        cos_channel_minutes=cos_minutes,
        cos_fee=cos_minutes * cos_usd_per_channel_minute,
        per_recording=tuple(per_recording),
    )
