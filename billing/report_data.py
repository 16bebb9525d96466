"""What the cost report reads: the month's sessions as lightweight rows (one values query each for sessions,
their files' formats, apps and rooms) and Tencent's own usage figures, cached briefly."""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.core.cache import cache
from django.db.models import BigIntegerField, Count, Func, Min, Q, QuerySet

from billing.deployment import deployment_context
from billing.estimator import Prices
from billing.estimator.prices import priced_spec
from billing.estimator.timeline import BILLING_TZ, day_bounds
from billing.models import PriceBook
from billing.reports import AppInfo, MonthReport, RoomInfo, SessionColumns, month_report
from billing.services import price_book_for
from recordings.models import ClientApp, RecordingFile, RecordingSession, Room
from tencent import css, vod
from tencent.errors import TencentError

USAGE_CACHE_SECONDS = 300
USAGE_FAILURE_CACHE_SECONDS = 60
MB_PER_GB = Decimal(1000)
BYTES_PER_GB = Decimal(10) ** 9


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """The month's first instant and the next month's, in billing time (UTC+8)."""
    first = month.replace(day=1)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return day_bounds(first)[0], day_bounds(following)[0]


def month_sessions(month: date) -> QuerySet[RecordingSession]:
    """Sessions planned in the month or holding a concurrency during it."""
    lo, hi = month_bounds(month)
    planned = Q(planned_start__lt=hi, planned_end__gt=lo)
    ran = Q(concurrency_applied_at__lt=hi) & (Q(ended_at__isnull=True) | Q(ended_at__gt=lo))
    return RecordingSession.objects.filter(planned | ran)


class EpochMicros(Func):
    """A timestamp as integer microseconds since the epoch (NULL stays NULL). psycopg's pure-Python loader
    parses a timestamp's text with a regex and a zone lookup; 200,000 of them took seconds, a bigint is
    nearly free."""

    template = "(EXTRACT(EPOCH FROM %(expressions)s) * 1000000)::bigint"
    output_field = BigIntegerField()

    def get_db_converters(self, connection):  # type: ignore[no-untyped-def]
        # Both databases already return an int (or None): Django's int() on every value is wasted work.
        return []

    def as_sqlite(self, compiler, connection, **extra_context):  # type: ignore[no-untyped-def]
        # SQLite keeps a timestamp as UTC text "YYYY-MM-DD HH:MM:SS[.ffffff]" (Django writes 0 or 6 fraction
        # digits, SQL's own clock 3). Whole seconds come from julianday() of the first 19 characters (exact
        # once rounded: its error is ~40 µs), the fraction from the rest read as a number. No strftime('%s'):
        # a literal % in the SQL must be doubled for the qmark conversion and for DEBUG's query logging,
        # which is how the earlier version crashed with DEBUG on and read every second as 0 with it off.
        sql, params = compiler.compile(self.source_expressions[0])
        seconds = f"CAST(ROUND((julianday(substr({sql}, 1, 19)) - 2440587.5) * 86400) AS INTEGER)"
        fraction = f"CAST(ROUND(CAST(substr({sql}, 20) AS REAL) * 1000000) AS INTEGER)"
        return f"({seconds} * 1000000 + {fraction})", (*params, *params)


def session_columns(month: date) -> SessionColumns:
    """The month's sessions with their app's spec and bitrate (one query) and their files' formats and
    storage (one grouped query), transposed into columns."""
    sessions = month_sessions(month)
    files = (
        RecordingFile.objects.filter(session__in=sessions.values("pk"))
        .order_by()
        .values("session_id")
        .annotate(formats=Count("format", distinct=True), storage=Min("storage"))
        .values_list("session_id", "formats", "storage")
    )
    outputs = {session_id: (formats, storage == "cos") for session_id, formats, storage in files}
    rows = list(
        sessions.order_by().values_list(
            "pk",
            "room_id",
            "state",
            EpochMicros("planned_start"),
            EpochMicros("planned_end"),
            EpochMicros("concurrency_applied_at"),
            EpochMicros("ended_at"),
            EpochMicros("state_changed_at"),
            "room__client_app__concurrency_spec",
            "room__client_app__bitrate_kbps",
        )
    )
    pks, room_ids, states, planned_starts, planned_ends, applied, ended, changed, specs, kbps = (
        zip(*rows, strict=True) if rows else ((),) * 10
    )
    # Sessions with no file yet record one MP4 to VOD, the default output.
    stored = [outputs.get(pk, (1, False)) for pk in pks]
    priced = {spec: priced_spec(spec) for spec in set(specs)}
    return SessionColumns(
        room_ids=room_ids,
        states=states,
        planned_starts=planned_starts,
        planned_ends=planned_ends,
        applied=applied,
        ended=ended,
        changed=changed,
        specs=[priced[spec] for spec in specs],
        bps=[rate * 1000 for rate in kbps],
        channels=[formats for formats, _ in stored],
        to_cos=[to_cos for _, to_cos in stored],
    )


def app_infos() -> list[AppInfo]:
    return [
        AppInfo(*values)
        for values in ClientApp.objects.order_by().values_list("pk", "name", "concurrency_spec")
    ]


def room_infos(month: date) -> list[RoomInfo]:
    rooms = Room.objects.filter(pk__in=month_sessions(month).values("room_id")).order_by()
    return [RoomInfo(*values) for values in rooms.values_list("pk", "name", "room_key", "client_app_id")]


@dataclass(frozen=True)
class PricedReport:
    report: MonthReport
    price_book: PriceBook
    prices: Prices


def cost_report(*, month: date, now: datetime) -> PricedReport:
    """The month's report at the price book in effect on its first day (NoPriceBookError without one)."""
    book = price_book_for(month.replace(day=1))
    prices = book.typed
    with collector_paused():
        report = month_report(
            month=month,
            sessions=session_columns(month),
            apps=app_infos(),
            rooms=room_infos(month),
            prices=prices,
            context=deployment_context(),
            now=now,
        )
    return PricedReport(report, book, prices)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a month is priced: its rows and columns are hundreds of
    thousands of acyclic objects (tuples, ints), and each allocation burst set off collections that re-scanned
    every live object, reclaiming nothing: `make bench-costs` (50,000 sessions) serves the page in about 0.62 s
    paused and 0.79 s not (at 10,000 sessions the two are within noise). Reference counting still frees them."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@dataclass(frozen=True)
class UsageDay:
    day: date
    upstream_gb: Decimal
    peak_upstream_mbps: Decimal
    downstream_gb: Decimal


@dataclass(frozen=True)
class CloudUsage:
    """Tencent's measured usage of the month so far (UTC+8 days)."""

    days: tuple[UsageDay, ...]
    peak_record_channels: int
    vod_storage_gb: Decimal
    until: datetime

    @property
    def upstream_gb(self) -> Decimal:
        return sum((d.upstream_gb for d in self.days), Decimal(0))

    @property
    def downstream_gb(self) -> Decimal:
        return sum((d.downstream_gb for d in self.days), Decimal(0))

    @property
    def peak_upstream_mbps(self) -> Decimal:
        return max((d.peak_upstream_mbps for d in self.days), default=Decimal(0))


@dataclass(frozen=True)
class UsageResult:
    usage: CloudUsage | None
    note: str  # why there is no usage (the cloud call failed, or the month has not begun)


def _fetch_usage(lo: datetime, until: datetime) -> CloudUsage:
    # Hourly points (a 31-day span is allowed at 60-minute granularity) summed into UTC+8 billing days; an
    # hour's bandwidth is its busiest 5 minutes, so a day's peak is the largest of its hours.
    push = css.describe_push_bandwidth_and_flux(start_time=lo, end_time=until, granularity=60)
    play = css.describe_bill_bandwidth_and_flux(start_time=lo, end_time=until, granularity=60)
    upstream: dict[date, Decimal] = defaultdict(Decimal)
    peaks: dict[date, Decimal] = defaultdict(Decimal)
    downstream: dict[date, Decimal] = defaultdict(Decimal)
    for point in push.points:
        day = point.time.astimezone(BILLING_TZ).date()
        upstream[day] += Decimal(str(point.flux_mb)) / MB_PER_GB
        peaks[day] = max(peaks[day], Decimal(str(point.bandwidth_mbps)))
    for point in play.points:
        downstream[point.time.astimezone(BILLING_TZ).date()] += Decimal(str(point.flux_mb)) / MB_PER_GB
    # One call covers the month: DescribeConcurrentRecordStreamNum takes a span of up to a month (267/36188).
    points = css.describe_concurrent_record_stream_num(start_time=lo, end_time=until)
    channels = max((p.num for p in points), default=0)
    stored = vod.describe_storage_data()
    days = sorted(set(upstream) | set(downstream))
    return CloudUsage(
        days=tuple(
            UsageDay(day, upstream[day], peaks[day], downstream[day])
            for day in days
            if lo <= day_bounds(day)[0]
        ),
        peak_record_channels=channels,
        vod_storage_gb=Decimal(stored.total_storage_bytes) / BYTES_PER_GB,
        until=until,
    )


def cloud_usage(*, month: date, now: datetime) -> UsageResult:
    """Tencent's usage figures for the month up to now, through the gateway; cached for a few minutes
    (a failure for one minute, so an unreachable cloud does not slow every page view)."""
    lo, hi = month_bounds(month)
    if now <= lo:
        return UsageResult(None, "The month has not begun: Tencent has no usage for it yet.")
    until = min(hi, now).replace(second=0, microsecond=0)
    key = f"billing:usage:{month:%Y-%m}"
    cached = cache.get(key)
    if isinstance(cached, UsageResult):
        return cached
    try:
        result = UsageResult(_fetch_usage(lo, until), "")
        timeout = USAGE_CACHE_SECONDS
    except TencentError as exc:
        result = UsageResult(
            None,
            f"Tencent's usage figures are unavailable ({exc.code}: {exc.message}); "
            "the actuals below are computed from the sessions.",
        )
        timeout = USAGE_FAILURE_CACHE_SECONDS
    cache.set(key, result, timeout)
    return result
