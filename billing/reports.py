"""The month's cost report as pure functions: session rows in, estimate vs actual by app and by room out.

The *estimate* prices every session of the month as it was planned (planned start and end); the *actual*
prices the sessions as they really ran (from holding a CAR concurrency to their end, `billing.actuals`).
Both go through the one estimator, with all the month's sessions together, so shared costs (packs, push
days, the recording fee's peak) are attributed to each session by the estimator's own rules and the rows of
the by-app and by-room tables add up to the month's total (playback traffic excepted: it is the viewers').
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from billing.actuals import actual_end
from billing.deployment import PlanContext
from billing.estimator import Estimate, EstimateInput, PlannedRecording, Prices, estimate
from billing.estimator.estimate import RecordingCost
from billing.estimator.prices import SPECS
from billing.estimator.timeline import BILLING_TZ

SECONDS_PER_HOUR = Decimal(3600)
CANCELLED = "cancelled"


@dataclass(frozen=True)
class SessionRow:
    """The columns of one recording session the report needs (one `values_list` row)."""

    pk: int
    room_id: int
    app_id: int
    state: str
    planned_start: datetime
    planned_end: datetime
    applied_at: datetime | None  # when it held a CAR concurrency
    ended_at: datetime | None
    state_changed_at: datetime
    formats: tuple[str, ...] = ("mp4",)
    storage: str = "vod"


@dataclass(frozen=True)
class AppInfo:
    pk: int
    name: str
    spec: str
    push_mbps: Decimal


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
    seconds: Decimal = Decimal(0)
    car: Decimal = Decimal(0)
    push: Decimal = Decimal(0)
    recording: Decimal = Decimal(0)
    storage: Decimal = Decimal(0)

    def add(self, cost: RecordingCost) -> None:
        self.sessions += 1
        self.seconds += cost.recording.seconds
        self.car += cost.car
        self.push += cost.push
        self.recording += cost.recording_fee
        self.storage += cost.storage_cost

    def merge(self, other: Costs) -> None:
        self.sessions += other.sessions
        self.seconds += other.seconds
        self.car += other.car
        self.push += other.push
        self.recording += other.recording
        self.storage += other.storage

    @property
    def hours(self) -> Decimal:
        return self.seconds / SECONDS_PER_HOUR

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
    estimate: Estimate
    actual: Estimate
    by_app: tuple[GroupRow, ...]  # by actual cost, highest first
    by_room: tuple[GroupRow, ...]  # every room with a session, by actual cost, highest first

    @property
    def components(self) -> list[ComponentLine]:
        return [
            ComponentLine(name, planned, ran)
            for (name, planned), (_, ran) in zip(
                component_costs(self.estimate), component_costs(self.actual), strict=True
            )
        ] + [ComponentLine("Total", self.estimate.total, self.actual.total)]


def component_costs(result: Estimate) -> list[tuple[str, Decimal]]:
    return [
        ("CAR packs", result.car.cost),
        ("Push (upstream)", result.push.cost),
        ("Playback", result.playback_cost),
        ("Recording", result.recording.cost),
        ("Storage", result.storage_cost),
    ]


def _recording(row: SessionRow, app: AppInfo, start: datetime, end: datetime) -> PlannedRecording:
    return PlannedRecording(
        start=start,
        duration=end - start,
        spec=app.spec if app.spec in SPECS else "S",
        push_mbps=app.push_mbps,
        formats=row.formats,
        storage=row.storage,
        label=str(row.pk),
    )


def as_estimated(row: SessionRow, app: AppInfo) -> PlannedRecording | None:
    """The session as planned; None for one cancelled before it ever ran (it was never going to cost)."""
    if row.state == CANCELLED and row.applied_at is None:
        return None
    return _recording(row, app, row.planned_start, row.planned_end)


def as_ran(
    row: SessionRow, app: AppInfo, now: datetime, estimated: PlannedRecording | None = None
) -> PlannedRecording | None:
    """The session as it ran; the `estimated` recording itself when it ran exactly as planned (most do), so
    the month's sessions are not all built and validated twice."""
    if row.applied_at is None:
        return None
    end = actual_end(state=row.state, ended_at=row.ended_at, state_changed_at=row.state_changed_at, now=now)
    if end <= row.applied_at:
        return None
    if estimated is not None and row.planned_start == row.applied_at and row.planned_end == end:
        return estimated
    return _recording(row, app, row.applied_at, end)


def _priced(
    month: date, context: PlanContext, prices: Prices, pairs: list[tuple[SessionRow, PlannedRecording]]
) -> tuple[Estimate, list[SessionRow]]:
    plan = EstimateInput(
        month=month,
        car_region=context.car_region,
        css_region=context.css_region,
        vod_area=context.vod_area,
        cos_region=context.cos_region,
        downstream_gb_per_day=context.downstream_gb_per_day,
        recordings=tuple(recording for _, recording in pairs),
    )
    return estimate(plan, prices), [row for row, _ in pairs]


def month_report(
    *,
    month: date,
    rows: Iterable[SessionRow],
    apps: Sequence[AppInfo],
    rooms: Sequence[RoomInfo],
    prices: Prices,
    context: PlanContext,
    now: datetime,
) -> MonthReport:
    app_by_pk = {app.pk: app for app in apps}
    planned: list[tuple[SessionRow, PlannedRecording]] = []
    ran: list[tuple[SessionRow, PlannedRecording]] = []
    for row in rows:
        app = app_by_pk[row.app_id]
        if (as_planned := as_estimated(row, app)) is not None:
            planned.append((row, as_planned))
        if (recording := as_ran(row, app, now, as_planned)) is not None:
            ran.append((row, recording))
    first = month.replace(day=1)
    estimated, estimated_rows = _priced(first, context, prices, planned)
    actual, actual_rows = _priced(first, context, prices, ran)

    by_app = {app.pk: GroupRow(app.pk, app.name, app.spec, app.name) for app in apps}
    by_room = {
        room.pk: GroupRow(room.pk, room.name, room.room_key, app_by_pk[room.app_id].name) for room in rooms
    }
    for result, result_rows, side in (
        (estimated, estimated_rows, "estimate"),
        (actual, actual_rows, "actual"),
    ):
        for cost, row in zip(result.recordings, result_rows, strict=True):
            getattr(by_room[row.room_id], side).add(cost)
    # A room belongs to one app, so each app is the sum of its rooms.
    for room in rooms:
        by_app[room.app_id].actual.merge(by_room[room.pk].actual)
        by_app[room.app_id].estimate.merge(by_room[room.pk].estimate)

    def ranked(groups: Iterable[GroupRow]) -> tuple[GroupRow, ...]:
        used = [g for g in groups if g.actual.sessions or g.estimate.sessions]
        return tuple(sorted(used, key=lambda g: (-g.actual.total, -g.estimate.total, g.name)))

    return MonthReport(
        month=first,
        estimate=estimated,
        actual=actual,
        by_app=ranked(by_app.values()),
        by_room=ranked(by_room.values()),
    )


def daily_components(result: Estimate) -> list[tuple[date, dict[str, Decimal]]]:
    """Each billing day's share of every component; the days add up to the month's total.

    Monthly packs and the recording fee are month-level charges: monthly packs are spread evenly over the
    month, the recording fee over the days with recording; daily packs, push and playback fall on their day;
    a file's storage falls on the day its recording starts.
    """
    days = result.plan.days
    count = Decimal(len(days))
    recording_days = [d.upstream_gb > 0 for d in result.push.days]
    with_recording = sum(recording_days)
    storage: dict[date, Decimal] = {}
    for cost in result.recordings:
        if cost.storage is not None:
            day = cost.recording.start.astimezone(BILLING_TZ).date()
            storage[day] = storage.get(day, Decimal(0)) + cost.storage.cost
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
                    "Storage": storage.get(day, Decimal(0)),
                },
            )
        )
    return rows
