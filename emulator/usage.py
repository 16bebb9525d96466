"""CSS usage APIs (`live` 2018-08-01) from the emulator's real counters: upstream bandwidth/flux of pushes,
downstream of plays served, and concurrently recorded streams (the basis of the recording fee).

Times are ISO 8601 UTC or Beijing wall time, answered in the format asked; MB and Mbps are decimal.
"""

from __future__ import annotations

import math
from typing import Any

from emulator import clock
from emulator.envelope import ApiError
from emulator.params import INT, STR, STR_LIST, Action, RequestContext
from emulator.state import EmulatorState

MEGA = 1_000_000  # MB and Mbps as CSS bills them (decimal)
USAGE_SPAN_S = 31 * 24 * 3600
FIVE_MINUTE_SPAN_S = 24 * 3600


class UsageService:
    def __init__(self, *, state: EmulatorState) -> None:
        self.state = state

    def actions(self) -> dict[str, Action]:
        return {
            "DescribePushBandwidthAndFluxList": Action(
                {
                    "StartTime": (STR, True),
                    "EndTime": (STR, True),
                    "PushDomains": (STR_LIST, False),
                    "MainlandOrOversea": (STR, False),
                    "Granularity": (INT, False),
                    "RegionNames": (STR_LIST, False),
                    "CountryNames": (STR_LIST, False),
                },
                self.describe_push_bandwidth_and_flux_list,
            ),
            "DescribeBillBandwidthAndFluxList": Action(
                {
                    "StartTime": (STR, True),
                    "EndTime": (STR, True),
                    "PlayDomains": (STR_LIST, False),
                    "MainlandOrOversea": (STR, False),
                    "Granularity": (INT, False),
                    "ServiceName": (STR, False),
                    "RegionNames": (STR_LIST, False),
                },
                self.describe_bill_bandwidth_and_flux_list,
            ),
            "DescribeConcurrentRecordStreamNum": Action(
                {
                    "LiveType": (STR, True),
                    "StartTime": (STR, True),
                    "EndTime": (STR, True),
                    "MainlandOrOversea": (STR, False),
                    "PushDomains": (STR_LIST, False),
                },
                self.describe_concurrent_record_stream_num,
            ),
        }

    def describe_push_bandwidth_and_flux_list(
        self, params: dict[str, Any], ctx: RequestContext
    ) -> dict[str, Any]:
        return self._bandwidth(params, self.state.usage.upstream_bytes, params.get("PushDomains"))

    def describe_bill_bandwidth_and_flux_list(
        self, params: dict[str, Any], ctx: RequestContext
    ) -> dict[str, Any]:
        return self._bandwidth(params, self.state.usage.downstream_bytes, params.get("PlayDomains"))

    def describe_concurrent_record_stream_num(
        self, params: dict[str, Any], ctx: RequestContext
    ) -> dict[str, Any]:
        if params["LiveType"] not in {"NormalLive", "SlowLive"}:
            raise ApiError("InvalidParameter", "LiveType must be NormalLive or SlowLive.")
        # 5-minute points, yet the span may be a whole month: "the gap between the start time and the end time
        # cannot exceed one month" (API 267/36188), unlike the bandwidth APIs' one-day limit at 5 minutes.
        start, end, iso = self._usage_window(params, granularity=None)
        fmt = clock.iso_utc if iso else clock.beijing
        with self.state.lock:
            per_minute = dict(self.state.usage.recording_streams)
        points = []
        for bin_start in _bins(start, end, 300):
            minutes = range(bin_start, bin_start + 300, 60)
            num = 0 if params["LiveType"] == "SlowLive" else max(per_minute.get(m, 0) for m in minutes)
            points.append({"Time": fmt(bin_start), "Num": num})
        return {"DataInfoList": points}

    def _bandwidth(
        self, params: dict[str, Any], table: dict[str, dict[int, float]], domains: list[str] | None
    ) -> dict[str, Any]:
        granularity = params.get("Granularity") or 5
        if granularity not in (5, 60, 1440):
            raise ApiError("InvalidParameter", "Granularity must be 5, 60 or 1440.")
        start, end, iso = self._usage_window(params, granularity=granularity)
        fmt = clock.iso_utc if iso else clock.beijing
        with self.state.lock:
            per_minute: dict[int, float] = {}
            for domain, rows in table.items():
                if domains and domain not in domains:
                    continue
                for minute, amount in rows.items():
                    per_minute[minute] = per_minute.get(minute, 0.0) + amount
        points: list[dict[str, Any]] = []
        for bin_start in _bins(start, end, granularity * 60):
            # Bandwidth of a bin is its busiest 5-minute window (how CSS reports coarser granularities).
            windows = [
                (window, sum(per_minute.get(minute, 0.0) for minute in range(window, window + 300, 60)))
                for window in range(bin_start, bin_start + granularity * 60, 300)
            ]
            peak_window, peak_bytes = max(windows, key=lambda item: item[1])
            flux = sum(amount for _, amount in windows)
            points.append(
                {
                    "Time": fmt(bin_start),
                    "Bandwidth": round(peak_bytes * 8 / 300 / MEGA, 6),
                    "Flux": round(flux / MEGA, 6),
                    "PeakTime": fmt(peak_window),
                }
            )
        peak = max(points, key=lambda point: point["Bandwidth"], default=None)
        ordered = sorted(point["Bandwidth"] for point in points)
        p95 = ordered[max(0, math.ceil(len(ordered) * 0.95) - 1)] if ordered else 0.0
        p95_point = next((point for point in points if point["Bandwidth"] == p95), None)
        return {
            "PeakBandwidthTime": peak["PeakTime"] if peak else fmt(start),
            "PeakBandwidth": peak["Bandwidth"] if peak else 0.0,
            "P95PeakBandwidthTime": p95_point["PeakTime"] if p95_point else fmt(start),
            "P95PeakBandwidth": p95,
            "SumFlux": round(sum(point["Flux"] for point in points), 6),
            "DataInfoList": points,
        }

    @staticmethod
    def _usage_window(params: dict[str, Any], *, granularity: int | None) -> tuple[int, int, bool]:
        start, iso = clock.parse(params["StartTime"], "StartTime")
        end, _ = clock.parse(params["EndTime"], "EndTime")
        if end < start:
            raise ApiError("InvalidParameter", "EndTime must not be before StartTime.")
        if end - start > USAGE_SPAN_S:
            raise ApiError("InvalidParameter", "The query span must not exceed 31 days.")
        if granularity == 5 and end - start > FIVE_MINUTE_SPAN_S:
            raise ApiError("InvalidParameter", "5-minute granularity supports a span of at most one day.")
        return int(start // 60 * 60), int(end // 60 * 60), iso


def _bins(start: int, end: int, size: int) -> list[int]:
    first = start // size * size
    return list(range(first, max(end, first + 1), size))
