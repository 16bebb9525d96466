"""What the cost report reads: the month's sessions as lightweight rows (one values query each for sessions,
their files' formats, apps and rooms) and the month's stored files with their class history. Tencent's own usage figures are billing/usage.py's."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    Func,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast

from billing.deployment import deployment_context
from billing.estimator import Prices
from billing.estimator.prices import priced_spec
from billing.estimator.timeline import DAY_MICROS, day_bounds, micros
from billing.models import PriceBook
from billing.report_storage import PolicyTerms, StorageSums, StoredFile, WholeMonth, as_planned
from billing.reports import AppInfo, MonthReport, RoomInfo, SessionColumns, month_report
from billing.services import price_book_for
from lifecycle.models import FileClassChange, RetentionPolicy, governing
from recordings.models import ClientApp, FileFormat, RecordingFile, RecordingSession, ReviewStatus, Room

EXACT = DecimalField(max_digits=38, decimal_places=0)


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """The month's first instant and the next month's, in billing time (UTC+8)."""
    first = month.replace(day=1)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return day_bounds(first)[0], day_bounds(following)[0]


def month_sessions(month: date) -> QuerySet[RecordingSession]:
    """Sessions planned in the month or holding a concurrency during it.

    Three arms, each a range one index answers (session_planned_end_idx, session_ended_applied_idx): planned to
    end after the month begins and start before it ends; or ended after it begins, having held a concurrency
    before it ends; or not ended yet. PostgreSQL ORs the three index scans (BitmapOr), so the months before
    and after are never read; the former `planned | (applied & (ended null | ended > lo))` nested the OR
    inside an AND and scanned every session.
    """
    lo, hi = month_bounds(month)
    return RecordingSession.objects.filter(
        Q(planned_end__gt=lo, planned_start__lt=hi)
        | Q(ended_at__gt=lo, concurrency_applied_at__lt=hi)
        | Q(ended_at__isnull=True, concurrency_applied_at__lt=hi)
    )


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


class FormatCount(Count):
    """COUNT(DISTINCT format) of a session's files, never NULL (each group has a file): Count's converter,
    which turns NULL into 0, would make Django copy each of the month's 50,000 rows into a list and back."""

    def get_db_converters(self, connection):  # type: ignore[no-untyped-def]
        return []


def transposed(rows: QuerySet[Any, tuple[Any, ...]]) -> tuple[Sequence[Any], ...]:
    """A values_list query's columns. On PostgreSQL the database transposes them: one row holding an array per
    column (array_agg over the query), which psycopg reads as lists. Read as rows, a month's 50,000 sessions of
    ten values were 50,000 row tuples to build, then take apart again into columns, with the garbage
    collections all those short-lived objects set off: a fifth of the cold report's CPU. SQLite (the demo) has no
    arrays and reads the rows."""
    # values_list() records every column it selects, in the order the SQL selects them.
    width = len(rows.query.selected or ())
    connection = connections[rows.db]
    if connection.vendor == "postgresql":
        try:
            sql, params = rows.query.get_compiler(connection=connection).as_sql()
        except EmptyResultSet:  # e.g. .none(): Django answers without asking
            return ((),) * width
        names = ", ".join(f"c{index}" for index in range(width))
        arrays = ", ".join(f"array_agg(c{index})" for index in range(width))
        with connection.cursor() as cursor:
            # Every aggregate of one group reads the same rows in the same order: the columns line up.
            cursor.execute(f"SELECT {arrays} FROM ({sql}) AS source ({names})", params)
            found = cursor.fetchone()
        return tuple(column or [] for column in found)  # no rows: NULL arrays
    listed = list(rows)
    return tuple(zip(*listed, strict=True)) if listed else ((),) * width


def session_columns(month: date) -> SessionColumns:
    """The month's sessions with their app's spec and bitrate (one query) and their files' formats and
    storage (one grouped query), transposed into columns."""
    sessions = month_sessions(month)
    # Only the sessions whose files differ from the default output (one format, in VOD) come back: most
    # sessions record one MP4 to VOD, so this is a fifth of the rows at most in a usual month. Only those
    # can have a file in COS or one other than MP4 (two formats means one is not MP4), so only their files are
    # grouped: grouping every file of the month's sessions was the slowest of the report's queries.
    different = RecordingFile.objects.filter(
        Q(storage="cos") | ~Q(format=FileFormat.MP4), session__in=sessions.values("pk")
    ).values("session_id")
    files = (
        RecordingFile.objects.filter(session__in=different)
        .order_by()
        .values("session_id")
        .annotate(formats=FormatCount("format", distinct=True), storage=Min("storage"))
        .filter(Q(formats__gt=1) | Q(storage="cos"))
        .values_list("session_id", "formats", "storage")
    )
    channels_of: dict[int, int] = {}
    in_cos: set[int] = set()
    for session_id, formats, storage in files:
        channels_of[session_id] = formats
        if storage == "cos":  # "cos" < "vod": the smallest storage is COS when any file is there
            in_cos.add(session_id)
    pks, room_ids, states, planned_starts, planned_ends, applied, ended, changed, specs, kbps = transposed(
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
    priced = {spec: priced_spec(spec) for spec in set(specs)}
    return SessionColumns(
        room_ids=room_ids,
        states=states,
        planned_starts=planned_starts,
        planned_ends=planned_ends,
        applied=applied,
        ended=ended,
        changed=changed,
        specs=list(map(priced.__getitem__, specs)),
        bps=[rate * 1000 for rate in kbps],
        # Sessions with no file yet record one MP4 to VOD, the default output.
        channels=[channels_of.get(pk, 1) for pk in pks],
        to_cos=[pk in in_cos for pk in pks],
    )


@dataclass(frozen=True)
class StoredMonth:
    files: list[StoredFile]  # row by row: stored part of the month, moved, or under a policy
    whole_month: list[WholeMonth]  # the rest, summed per room and storage by the database


def _governed_rooms() -> QuerySet[Room, Any]:
    """The rooms a retention policy governs (their own, or their app's), as a subquery: the files are tested
    against a few ids instead of being joined to their room."""
    return (
        Room.objects.filter(
            Q(pk__in=RetentionPolicy.objects.exclude(room=None).values("room_id"))
            | Q(client_app_id__in=RetentionPolicy.objects.filter(room=None).values("client_app_id"))
        )
        .order_by()
        .values("pk")
    )


def _month_files(month: date) -> tuple[QuerySet[RecordingFile], Q]:
    """The files stored at some time in the month, and the condition of the plain ones: never moved, outside
    any policy, not deleted (stored in STANDARD to the month's end). A file whose room was deleted is left out:
    a report's rows are rooms."""
    lo, hi = month_bounds(month)
    # Deleted at the month's first instant still counts: its early-deletion charge is this month's.
    files = RecordingFile.objects.filter(content_end__lt=hi, room__isnull=False).filter(
        Q(deleted_at__isnull=True) | Q(deleted_at__gte=lo)
    )
    moved = Exists(FileClassChange.objects.filter(file_id=OuterRef("pk")))
    return files.order_by(), Q(deleted_at__isnull=True) & ~Q(room_id__in=_governed_rooms()) & ~Q(moved)


def _first_day(lo: datetime) -> Case:
    """The month's day a file was stored on (-1: before the month)."""
    origin = micros(lo)
    return Case(
        When(content_end__lte=lo, then=Value(-1)),
        default=(EpochMicros("content_end") - Value(origin)) / Value(DAY_MICROS),
        output_field=BigIntegerField(),
    )


def _head(lo: datetime) -> Case:
    """The bytes x microseconds of a file's first day in the month (0 when stored before it); numeric: bytes x
    µs overflows a bigint. Reads the `first_day` annotation."""
    origin = micros(lo)
    return Case(
        When(content_end__lte=lo, then=Value(0)),
        default=Cast("size_bytes", EXACT)
        * Cast(
            Value(origin + DAY_MICROS) + F("first_day") * Value(DAY_MICROS) - EpochMicros("content_end"),
            EXACT,
        ),
        output_field=EXACT,
    )


def stored_files(month: date) -> StoredMonth:
    """The files stored at some time in the month, with their class history (three queries). Most files are
    simply there all month in STANDARD, never moved and outside any policy: the database sums their bytes per
    room, storage and first day, and only the others come back row by row (`detailed_files`). The report reads
    the plain files summed further (`storage_sums`)."""
    files, plain = _month_files(month)
    lo = month_bounds(month)[0]
    whole_month = [
        WholeMonth(room_id, storage, int(size), int(day), int(first))
        for room_id, storage, day, size, first in files.filter(plain)
        .annotate(first_day=_first_day(lo))
        .values("room_id", "storage", "first_day")
        .annotate(size=Sum("size_bytes"), head=Sum(_head(lo)))
        .values_list("room_id", "storage", "first_day", "size", "head")
    ]
    return StoredMonth(files=detailed_files(month), whole_month=whole_month)


def storage_sums(month: date) -> StorageSums:
    """The plain files (never moved, no policy, not deleted) summed by the database in two grouped queries:
    bytes x microseconds to the month's end per room and storage, and bytes and first-day bytes x µs per
    storage and first day. Grouping by room and day at once made 25,000 groups of a month's 180,000 files,
    sorted on disk, and as many rows to convert (0.7 s of the cold report).

    Most of those files were stored before the month (all of its history): each is there all month, so only
    their bytes are summed (an integer sum), and their bytes x µs is that sum times the month's length. Only
    the month's own files (about a third) take the per-row numeric product and the per-day grouping; doing
    both for every file was a quarter of the cold report."""
    files, plain = _month_files(month)
    lo, hi = month_bounds(month)
    earlier = Q(content_end__lte=lo)
    # One statement (UNION ALL of the two groupings), rows told apart by their last column.
    by_room = (
        files.filter(plain)
        .values("room_id", "storage")
        .annotate(
            earlier=Cast(Sum("size_bytes", filter=earlier), EXACT),
            during=Sum(
                Cast("size_bytes", EXACT) * Cast(Value(micros(hi)) - EpochMicros("content_end"), EXACT),
                filter=~earlier,
            ),
            kind=Value(0, output_field=BigIntegerField()),
        )
        .values_list("room_id", "storage", "earlier", "during", "kind")
    )
    by_day = (
        files.filter(plain)
        .exclude(earlier)
        .annotate(first_day=_first_day(lo))
        .values("first_day", "storage")
        .annotate(
            size=Sum(Cast("size_bytes", EXACT)),
            head=Sum(_head(lo)),
            kind=Value(1, output_field=BigIntegerField()),
        )
        .values_list("first_day", "storage", "size", "head", "kind")
    )
    month_micros = micros(hi) - micros(lo)
    rooms: list[tuple[int, str, int]] = []
    days: list[tuple[str, int, int, int]] = []
    before: dict[str, int] = defaultdict(int)  # per storage: the bytes stored before the month
    for key, storage, first, second, kind in by_room.union(by_day, all=True):
        if kind == 0:
            stored_before = int(first or 0)
            rooms.append((key, storage, stored_before * month_micros + int(second or 0)))
            before[storage] += stored_before
        else:
            days.append((storage, int(key), int(first), int(second)))
    days.extend((storage, -1, size, 0) for storage, size in before.items() if size)
    return StorageSums(by_room=rooms, by_day=days)


def detailed_files(month: date) -> list[StoredFile]:
    """The month's stored files other than the plain ones — deleted, moved, or under a policy — row by row with
    their class history. Read as three disjoint sets, each an indexed lookup (deleted: recfile_deleted_idx;
    under a policy: the room index; moved: the class changes' file ids), not as the plain files' negation,
    which PostgreSQL could only answer by scanning every file (0.1 s at 180,000 files, to find none)."""
    files, _plain = _month_files(month)
    lo, hi = month_bounds(month)
    kept = files.filter(deleted_at__isnull=True)
    governed = _governed_rooms()
    columns = (
        "pk",
        "room_id",
        "storage",
        "size_bytes",
        EpochMicros("content_end"),
        EpochMicros("deleted_at"),
        "review_status",
    )
    # One statement: a UNION ALL of the three sets, each planned on its own index.
    rows = list(
        files.filter(deleted_at__gte=lo)
        .values_list(*columns)
        .union(
            kept.filter(room_id__in=governed).values_list(*columns),
            kept.exclude(room_id__in=governed)
            .filter(pk__in=FileClassChange.objects.order_by().values("file_id"))
            .values_list(*columns),
            all=True,
        )
    )
    changes: dict[int, list[tuple[int, str]]] = defaultdict(list)
    # Every moved file is a detailed one: the changes of the month's files are exactly theirs.
    history = FileClassChange.objects.filter(file__in=files.values("pk"), at__lt=hi).order_by(
        "file_id", "at", "pk"
    )
    for file_id, at, storage_class in history.values_list("file_id", EpochMicros("at"), "storage_class"):
        changes[file_id].append((at, storage_class))
    return [
        StoredFile(
            room,
            storage,
            size,
            stored_at,
            deleted_at,
            tuple(changes.get(pk, ())),
            rejected=status == ReviewStatus.REJECTED,
        )
        for pk, room, storage, size, stored_at, deleted_at, status in rows
    ]


def planned_files(files: list[StoredFile], rooms: list[RoomInfo]) -> list[StoredFile]:
    """The files as the retention policies in effect plan them (the room's own, else its app's; one query)."""
    policies = RetentionPolicy.objects.by_owner()
    app_of = {room.pk: room.app_id for room in rooms}

    def terms(room_id: int) -> PolicyTerms | None:
        policy = governing(policies, room_id=room_id, client_app_id=app_of[room_id])
        if policy is None:
            return None
        return PolicyTerms(policy.keep_days, policy.rejected_keep_days, tuple(policy.transitions()))

    return [as_planned(item, terms(item.room_id)) for item in files]


def app_infos() -> list[AppInfo]:
    return [
        AppInfo(*values)
        for values in ClientApp.objects.order_by().values_list("pk", "name", "concurrency_spec")
    ]


def room_infos(room_ids: Iterable[int]) -> list[RoomInfo]:
    """The rooms of the month's sessions, by the ids already read (not a second pass over the month)."""
    rooms = Room.objects.filter(pk__in=sorted(set(room_ids))).order_by()
    return [RoomInfo(*values) for values in rooms.values_list("pk", "name", "room_key", "client_app_id")]


@dataclass(frozen=True)
class PricedReport:
    report: MonthReport
    price_book: PriceBook
    prices: Prices


def cost_report(*, month: date, now: datetime) -> PricedReport:
    """The month's report at the price book in effect on its first day (NoPriceBookError without one)."""
    return price_report(month=month, book=price_book_for(month.replace(day=1)), now=now)


def price_report(*, month: date, book: PriceBook, now: datetime) -> PricedReport:
    prices = book.typed
    sessions = session_columns(month)
    files = detailed_files(month)
    sums = storage_sums(month)
    rooms = room_infos(
        [
            *sessions.room_ids,
            *(item.room_id for item in files),
            *(room_id for room_id, _storage, _total in sums.by_room),
        ]
    )
    report = month_report(
        month=month,
        sessions=sessions,
        apps=app_infos(),
        rooms=rooms,
        prices=prices,
        context=deployment_context(),
        now=now,
        files=files,
        planned_files=planned_files(files, rooms),
        storage_sums=sums,
    )
    return PricedReport(report, book, prices)
