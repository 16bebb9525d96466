"""The month's cost report as pure functions: session columns in, estimate vs actual by app and by room out.

The *estimate* prices every session of the month as it was planned (planned start and end); the *actual*
prices the sessions as they really ran (from holding a CAR concurrency to their end, `billing.actuals`).
Both go through the one estimator, with all the month's sessions together, so shared costs (packs, push
days, the recording fee's peak) are attributed to each room (the estimator's groups) by its own rules and the
rows of the by-app and by-room tables add up to the month's total (playback traffic excepted: it is the viewers').
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal

from billing.actuals import ACTUAL_RETENTION_DAYS, actual_end
from billing.estimator import MonthCosts, PlanContext, Prices, price_month
from billing.estimator.columns import Columns, StorageOption
from billing.estimator.timeline import day_bounds, micros, month_days
from billing.report_storage import NO_SUMS, StorageSums, StoredFile, WholeMonth, month_storage

MICROS_PER_HOUR = Decimal(3_600_000_000)
CANCELLED = "cancelled"
# Indexed by whether the files are in COS. The sessions' storage priced by these is replaced in the report by the
# stored files' own (month_report); the estimator still needs an option per session.
STORAGE_OPTIONS = (
    StorageOption("vod", "STANDARD", ACTUAL_RETENTION_DAYS),
    StorageOption("cos", "STANDARD", ACTUAL_RETENTION_DAYS),
)


@dataclass(frozen=True)
class SessionColumns:
    """The month's sessions as parallel columns (one values query), times in epoch microseconds."""

    room_ids: Sequence[int]
    states: Sequence[str]
    planned_starts: Sequence[int]
    planned_ends: Sequence[int]
    applied: Sequence[int | None]  # when it held a CAR concurrency
    ended: Sequence[int | None]
    changed: Sequence[int]  # when its state last changed
    specs: Sequence[str]  # its app's, as priced (CPU specs as S)
    bps: Sequence[int]  # its app's push bitrate
    channels: Sequence[int]  # its files' formats (one, MP4, when it has none yet)
    to_cos: Sequence[bool]  # its files are in COS (else VOD)


@dataclass(frozen=True)
class AppInfo:
    pk: int
    name: str
    spec: str


@dataclass(frozen=True)
class RoomInfo:
    pk: int
    name: str
    room_key: str
    app_id: int


@dataclass
class Costs:
    """One group's attributed cost by component (an accumulator while the report is built)."""

    sessions: int = 0
    micros: int = 0  # recorded time
    car: Decimal = Decimal(0)
    push: Decimal = Decimal(0)
    recording: Decimal = Decimal(0)
    storage: Decimal = Decimal(0)

    def merge(self, other: Costs) -> None:
        self.sessions += other.sessions
        self.micros += other.micros
        self.car += other.car
        self.push += other.push
        self.recording += other.recording
        self.storage += other.storage

    @property
    def hours(self) -> Decimal:
        return self.micros / MICROS_PER_HOUR

    @property
    def total(self) -> Decimal:
        return self.car + self.push + self.recording + self.storage


@dataclass(frozen=True)
class GroupRow:
    """One app or room: what its sessions cost as they ran, and as they were planned."""

    pk: int
    name: str
    detail: str  # the room's key, or the app's spec
    app_name: str
    actual: Costs = field(default_factory=Costs)
    estimate: Costs = field(default_factory=Costs)

    @property
    def difference(self) -> Decimal:
        return self.actual.total - self.estimate.total


@dataclass(frozen=True)
class ComponentLine:
    name: str
    estimate: Decimal
    actual: Decimal

    @property
    def difference(self) -> Decimal:
        return self.actual - self.estimate


@dataclass(frozen=True)
class MonthReport:
    month: date
    estimate: MonthCosts
    actual: MonthCosts
    by_app: tuple[GroupRow, ...]  # by actual cost, highest first
    by_room: tuple[GroupRow, ...]  # every room with a session, by actual cost, highest first
    rooms_in_month: int | None = None  # set when by_room keeps only the top rooms (`top`)

    @property
    def room_count(self) -> int:
        return len(self.by_room) if self.rooms_in_month is None else self.rooms_in_month

    def top(self, rooms: int) -> MonthReport:
        """The report with only its `rooms` most costly rooms (and the count of all), its totals with the rooms'
        shares merged (the rows keep theirs)."""
        return replace(
            self,
            estimate=self.estimate.merged(),
            actual=self.actual.merged(),
            by_room=self.by_room[:rooms],
            rooms_in_month=self.room_count,
        )

    @property
    def components(self) -> list[ComponentLine]:
        return [
            ComponentLine(name, planned, ran)
            for (name, planned), (_, ran) in zip(
                component_costs(self.estimate), component_costs(self.actual), strict=True
            )
        ] + [ComponentLine("Total", self.estimate.total, self.actual.total)]


def component_costs(result: MonthCosts) -> list[tuple[str, Decimal]]:
    return [
        ("CAR packs", result.car.cost),
        ("Push (upstream)", result.push.cost),
        ("Playback", result.playback_cost),
        ("Recording", result.recording.cost),
        ("Storage", result.storage_cost),
    ]


@dataclass(frozen=True)
class Rooms:
    """Which room (a group of the estimator) each session costs, and how many rooms there are."""

    of_session: list[int]
    count: int


def _columns(
    sessions: SessionColumns, kept: Sequence[int], starts: Sequence[int], ends: Sequence[int], rooms: Rooms
) -> Columns:
    """The `kept` sessions (indices) over [starts, ends), each costing its room."""
    return Columns(
        starts=starts,
        ends=ends,
        specs=[sessions.specs[i] for i in kept],
        bps=[sessions.bps[i] for i in kept],
        channels=[sessions.channels[i] for i in kept],
        storage=[int(sessions.to_cos[i]) for i in kept],
        groups=[rooms.of_session[i] for i in kept],
        storage_options=STORAGE_OPTIONS,
        group_count=rooms.count,
    )


def planned_columns(sessions: SessionColumns, rooms: Rooms) -> Columns:
    """The sessions as planned; not those cancelled before they ever ran (they were never going to cost)."""
    kept = [
        i
        for i, (state, applied) in enumerate(zip(sessions.states, sessions.applied, strict=True))
        if applied is not None or state != CANCELLED
    ]
    return _columns(
        sessions,
        kept,
        [sessions.planned_starts[i] for i in kept],
        [sessions.planned_ends[i] for i in kept],
        rooms,
    )


def ran_columns(sessions: SessionColumns, rooms: Rooms, now: int) -> Columns:
    """The sessions as they ran: from holding a CAR concurrency until they stopped costing."""
    # Most sessions of a month have ended: their end is read directly, without a call per session.
    ends = [
        ended
        if ended is not None
        else actual_end(state=state, ended_at=None, state_changed_at=changed, now=now)
        for state, ended, changed in zip(sessions.states, sessions.ended, sessions.changed, strict=True)
    ]
    applied = sessions.applied
    kept = [
        i
        for i, (start, end) in enumerate(zip(applied, ends, strict=True))
        if start is not None and end > start
    ]
    starts = [applied[i] for i in kept]
    return _columns(sessions, kept, starts, [ends[i] for i in kept], rooms)  # type: ignore[arg-type]  # kept: not None


def group_costs(columns: Columns, costs: MonthCosts) -> list[Costs]:
    """Each group's sessions, time and attributed costs."""
    found = [
        Costs(car=car, push=push, recording=fee, storage=stored)
        for car, push, fee, stored in zip(
            costs.car.per_group,
            costs.push.per_group,
            costs.recording.per_group,
            costs.storage.per_group,
            strict=True,
        )
    ]
    for group, start, end in zip(columns.groups, columns.starts, columns.ends, strict=True):
        found[group].sessions += 1
        found[group].micros += end - start
    return found


def month_report(
    *,
    month: date,
    sessions: SessionColumns,
    apps: Sequence[AppInfo],
    rooms: Sequence[RoomInfo],
    prices: Prices,
    context: PlanContext,
    now: datetime,
    files: Sequence[StoredFile] = (),
    planned_files: Sequence[StoredFile] | None = None,
    whole_month: Sequence[WholeMonth] = (),
    storage_sums: StorageSums = NO_SUMS,
) -> MonthReport:
    """The month's sessions priced twice, as planned and as they ran, each side all its sessions together.

    Storage is the month's stored files (`billing.report_storage`): the actual by their class history, the
    estimate as their retention policies plan them (`planned_files`; the same files as stored when not given);
    `whole_month` (the same on both sides) sums the files stored all month in STANDARD outside any policy;
    `storage_sums` sums them further (per room, and per day apart from the rooms).
    `rooms` lists the rooms of the sessions and of the files."""
    room_index = {room.pk: index for index, room in enumerate(rooms)}
    grouped = Rooms([room_index[pk] for pk in sessions.room_ids], len(rooms))
    first = month.replace(day=1)
    days = month_days(first)
    planned_side, ran_side = (
        month_storage(
            stored,
            origin=micros(day_bounds(first)[0]),
            days=len(days),
            group_of=room_index,
            prices=prices,
            context=context,
            whole_month=whole_month,
            sums=storage_sums,
        )
        for stored in (files if planned_files is None else planned_files, files)
    )
    sides = []
    for columns, stored in (
        (planned_columns(sessions, grouped), planned_side),
        (ran_columns(sessions, grouped, micros(now)), ran_side),
    ):
        costs = replace(price_month(columns, month=first, where=context, prices=prices), storage=stored)
        sides.append((costs, group_costs(columns, costs)))
    (estimated, planned_by_room), (actual, ran_by_room) = sides

    app_names = {app.pk: app.name for app in apps}
    by_room = [
        GroupRow(room.pk, room.name, room.room_key, app_names[room.app_id], actual=ran, estimate=planned)
        for room, ran, planned in zip(rooms, ran_by_room, planned_by_room, strict=True)
    ]
    # A room belongs to one app, so each app is the sum of its rooms.
    by_app = {app.pk: GroupRow(app.pk, app.name, app.spec, app.name) for app in apps}
    for room, row in zip(rooms, by_room, strict=True):
        by_app[room.app_id].actual.merge(row.actual)
        by_app[room.app_id].estimate.merge(row.estimate)

    def ranked(groups: Iterable[GroupRow]) -> tuple[GroupRow, ...]:
        used = [g for g in groups if g.actual.sessions or g.estimate.sessions or g.actual.storage]
        return tuple(sorted(used, key=lambda g: (-g.actual.total, -g.estimate.total, g.name)))

    return MonthReport(
        month=first,
        estimate=estimated,
        actual=actual,
        by_app=ranked(by_app.values()),
        by_room=ranked(by_room),
    )


def daily_components(result: MonthCosts) -> list[tuple[date, dict[str, Decimal]]]:
    """Each billing day's share of every component; the days add up to the month's total.

    Monthly packs and the recording fee are month-level charges: monthly packs are spread evenly over the
    month, the recording fee over the days with recording; daily packs, push and playback fall on their day;
    storage falls on each day a file is stored (early-deletion charges on the day a file leaves its class).
    """
    days = result.days
    count = Decimal(len(days))
    recording_days = [d.upstream_gb > 0 for d in result.push.days]
    with_recording = sum(recording_days)
    rows: list[tuple[date, dict[str, Decimal]]] = []
    for index, day in enumerate(days):
        car = sum(
            (
                spec.monthly_packs * spec.monthly_price / count
                + max(0, spec.day_peaks[index] - spec.monthly_packs) * spec.daily_price
                for spec in result.car.specs
            ),
            Decimal(0),
        )
        push_day = result.push.days[index]
        fee = result.recording.cost / with_recording if recording_days[index] else Decimal(0)
        rows.append(
            (
                day,
                {
                    "CAR packs": car,
                    "Push (upstream)": push_day.cost,
                    "Playback": push_day.playback_cost,
                    "Recording": fee,
                    "Storage": result.storage.by_day[index],
                },
            )
        )
    return rows
