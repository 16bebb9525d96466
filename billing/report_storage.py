"""The cost report's storage line: each stored file priced, day by day, in the class it really was in.

A file is stored from the end of its recording (STANDARD) and enters a colder class at each move the console
made (lifecycle's FileClassChange rows), until it is deleted. A file still stored counts to the month's end:
that is what the month's bill will be if nothing changes, so a report made before a policy moves files and one
made after differ by exactly what the move saves (lifecycle's preview says how much beforehand). Leaving a class
before its minimum duration adds the early-deletion charge on the day it happens.

Time is summed as integers (bytes x microseconds per room, class and day) and priced once per room and class
with `billing.estimator.classes.gb_days_cost`, the same GB-day price the estimator and the preview use.
Pure: rows in, a `StorageResult` (the estimator's shape) out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from billing.estimator.classes import BYTES_PER_STORED_GB, STANDARD, ClassCost, Where, minimum_days
from billing.estimator.estimate import PlanContext
from billing.estimator.prices import Prices
from billing.estimator.storage import StorageResult
from billing.estimator.timeline import DAY_MICROS

BYTE_MICROS_PER_GB_DAY = BYTES_PER_STORED_GB * DAY_MICROS


@dataclass(frozen=True)
class StoredFile:
    """One recorded file, times in epoch microseconds."""

    room_id: int
    storage: str  # "vod" or "cos"
    size_bytes: int
    stored_at: int  # when it was stored: its recording's end
    deleted_at: int | None
    changes: tuple[tuple[int, str], ...] = ()  # (when, class entered), oldest first
    rejected: bool = False  # rejected in review: a policy may keep it a shorter time


@dataclass(frozen=True)
class WholeMonth:
    """The bytes of a room's files in STANDARD to the month's end, outside any policy and never moved: stored
    before the month (`first_day` -1), or from a day of it (`head`: their bytes x microseconds that day)."""

    room_id: int
    storage: str
    size_bytes: int
    first_day: int = -1
    head: int = 0


@dataclass(frozen=True)
class StorageSums:
    """The same files as `WholeMonth` rows, summed further by the database: each room's bytes x microseconds
    stored in the month (per room and storage), and the month's days apart from the rooms (per storage and
    first day: bytes and the first day's bytes x microseconds). A room's sum is exactly its `WholeMonth` rows'
    (head + bytes x whole days = bytes x (month's end - stored)), so the prices are identical; it is a few
    thousand rows where `WholeMonth` was a row per room and day (25,000 in a month of 50,000 sessions)."""

    by_room: Sequence[tuple[int, str, int]] = ()  # (room pk, storage, bytes x µs in the month)
    # (storage, first day or -1, bytes, the first day's bytes x µs)
    by_day: Sequence[tuple[str, int, int, int]] = ()


NO_SUMS = StorageSums()


@dataclass(frozen=True)
class PolicyTerms:
    """What the report's estimate needs of a retention policy (lifecycle.RetentionPolicy's numbers)."""

    keep_days: int | None
    rejected_keep_days: int | None
    transitions: tuple[tuple[int, str], ...]  # (days after the recording, class), warmest first


def as_planned(stored: StoredFile, policy: PolicyTerms | None) -> StoredFile:
    """The file as its policy plans it — moved and deleted on the policy's days (kept in STANDARD forever
    without one): the report's estimate side, beside the actual class history."""
    if policy is None:
        return replace(stored, changes=(), deleted_at=None)
    keep = policy.keep_days
    if stored.rejected and policy.rejected_keep_days is not None:
        keep = policy.rejected_keep_days if keep is None else min(keep, policy.rejected_keep_days)
    changes = tuple(
        (stored.stored_at + days * DAY_MICROS, storage_class)
        for days, storage_class in policy.transitions
        if keep is None or days < keep
    )
    deleted = None if keep is None else stored.stored_at + keep * DAY_MICROS
    return replace(stored, changes=changes, deleted_at=deleted)


def _spans(stored: StoredFile) -> list[tuple[str, int, int | None]]:
    marks = [(stored.stored_at, STANDARD)] + [
        (at, cls) for at, cls in stored.changes if at > stored.stored_at
    ]
    spans: list[tuple[str, int, int | None]] = []
    for index, (start, storage_class) in enumerate(marks):
        end = marks[index + 1][0] if index + 1 < len(marks) else stored.deleted_at
        if stored.deleted_at is not None and end is not None:
            end = min(end, stored.deleted_at)
        if end is None or end > start:
            spans.append((storage_class, start, end))
        if end is not None and stored.deleted_at is not None and end >= stored.deleted_at:
            break
    return spans


def month_storage(
    files: Sequence[StoredFile],
    *,
    origin: int,
    days: int,
    group_of: dict[int, int],  # room pk → the room's index in the report
    prices: Prices,
    context: PlanContext,
    whole_month: Sequence[WholeMonth] = (),
    sums: StorageSums = NO_SUMS,
) -> StorageResult:
    """The month [origin, origin + days) of every file's storage, by room and by day. `whole_month` sums the
    files stored the whole month in STANDARD (summed by the database: most files, priced without a row each),
    `sums` the same files summed further (per room, and per day apart from the rooms)."""
    limit = origin + days * DAY_MICROS
    stored: dict[tuple[int, str, str], int] = defaultdict(int)  # (group, storage, class) → bytes·µs
    early: dict[tuple[int, str, str], int] = defaultdict(int)
    day_stored: dict[tuple[int, str, str], int] = defaultdict(int)
    day_early: dict[tuple[int, str, str], int] = defaultdict(int)
    whole_days: dict[tuple[str, str], list[int]] = {}  # (storage, class) → per day: change in bytes present
    for item in files:
        for storage_class, start, end in _spans(item):
            begin, stop = max(start, origin), limit if end is None else min(end, limit)
            key = (group_of[item.room_id], item.storage, storage_class)
            if stop > begin:
                stored[key] += item.size_bytes * (stop - begin)
                # O(1) per span whatever its length: the partial first and last days directly, the whole days
                # between as a difference array of bytes present (summed once per class below).
                first, last = (begin - origin) // DAY_MICROS, (stop - origin - 1) // DAY_MICROS
                if first == last:
                    day_stored[(first, item.storage, storage_class)] += item.size_bytes * (stop - begin)
                else:
                    head = origin + (first + 1) * DAY_MICROS - begin
                    tail = stop - (origin + last * DAY_MICROS)
                    day_stored[(first, item.storage, storage_class)] += item.size_bytes * head
                    day_stored[(last, item.storage, storage_class)] += item.size_bytes * tail
                    steps = whole_days.setdefault((item.storage, storage_class), [0] * (days + 1))
                    steps[first + 1] += item.size_bytes
                    steps[last] -= item.size_bytes
            if end is not None and origin <= end < limit:
                short = start + minimum_days(prices, storage_class) * DAY_MICROS - end
                if short > 0:
                    early[key] += item.size_bytes * short
                    day_early[((end - origin) // DAY_MICROS, item.storage, storage_class)] += (
                        item.size_bytes * short
                    )
    for whole in whole_month:
        full = days - whole.first_day - 1  # the whole days it is stored
        key = (group_of[whole.room_id], whole.storage, STANDARD)
        stored[key] += whole.head + whole.size_bytes * full * DAY_MICROS
        if whole.first_day >= 0:
            day_stored[(whole.first_day, whole.storage, STANDARD)] += whole.head
        steps = whole_days.setdefault((whole.storage, STANDARD), [0] * (days + 1))
        steps[whole.first_day + 1] += whole.size_bytes
        steps[days] -= whole.size_bytes
    for room_id, storage, byte_micros in sums.by_room:
        stored[(group_of[room_id], storage, STANDARD)] += byte_micros
    for storage, first_day, size, head in sums.by_day:
        if first_day >= 0:
            day_stored[(first_day, storage, STANDARD)] += head
        steps = whole_days.setdefault((storage, STANDARD), [0] * (days + 1))
        steps[first_day + 1] += size
        steps[days] -= size
    per_group = [Decimal(0)] * len(group_of)
    total = ClassCost()
    for key in stored.keys() | early.keys():
        group, storage, storage_class = key
        cost = _priced(stored.get(key, 0), early.get(key, 0), storage, storage_class, prices, context)
        total.add(cost)
        per_group[group] += cost.total
    for (storage, storage_class), steps in whole_days.items():
        present = 0
        for day in range(days):
            present += steps[day]
            if present:
                day_stored[(day, storage, storage_class)] += present * DAY_MICROS
    by_day = [Decimal(0)] * days
    for key in day_stored.keys() | day_early.keys():
        day, storage, storage_class = key
        by_day[day] += _priced(
            day_stored.get(key, 0), day_early.get(key, 0), storage, storage_class, prices, context
        ).total
    gb_days = sum(total.gb_days.values(), Decimal(0))
    # The usage table compares this with Tencent's stored GB: the month's average.
    return StorageResult(
        terms=(),
        group_gb=(),
        per_group=tuple(per_group),
        by_day=tuple(by_day),
        gb=gb_days / days,
        unpriced=tuple(sorted(total.unpriced)),
    )


def _priced(
    stored: int, early: int, storage: str, storage_class: str, prices: Prices, context: PlanContext
) -> ClassCost:
    cost = ClassCost()
    cost.add_gb_days(
        prices,
        Where(storage, context.vod_area, context.cos_region),
        storage_class,
        stored=Decimal(stored) / BYTE_MICROS_PER_GB_DAY,
        early=Decimal(early) / BYTE_MICROS_PER_GB_DAY,
    )
    return cost
