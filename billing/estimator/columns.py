"""Recordings as parallel columns of plain values: the form every pricing rule reads.

A cost report prices a month of tens of thousands of sessions; an object per session, and Decimal arithmetic
per session, would cost seconds. In columns the rules work on ints (epoch microseconds, bits per second) and
touch Decimals only once per group: each recording's costs go to its `group` — its own index when a plan is
estimated (`Columns.of`), its room when a report prices actual sessions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from billing.estimator.inputs import PlannedRecording
from billing.estimator.timeline import micros

BITS_PER_MEGABIT = 1_000_000


@dataclass(frozen=True)
class StorageOption:
    """Where a recording's files are kept: what decides a file's storage price, besides its size."""

    target: str  # "vod" or "cos"
    storage_class: str  # the class a file is stored in first
    retention_days: int | None  # None: kept forever (priced over FOREVER_HORIZON_DAYS)
    # A retention policy's moves to colder classes: (days after the recording, class), warmest first.
    transitions: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True)
class Columns:
    starts: Sequence[int]  # epoch microseconds
    ends: Sequence[int]
    specs: Sequence[str]  # CAR concurrency spec
    bps: Sequence[int]  # push bitrate, bits per second
    channels: Sequence[int]  # output formats: each is a recording channel and a file
    storage: Sequence[int]  # index into `storage_options`
    groups: Sequence[int]  # index of the group bearing the recording's costs, 0 ≤ group < group_count
    storage_options: Sequence[StorageOption]
    group_count: int

    @classmethod
    def of(cls, recordings: Sequence[PlannedRecording]) -> Columns:
        """A plan's recordings, each its own group."""
        options: dict[StorageOption, int] = {}
        return cls(
            starts=[micros(r.start) for r in recordings],
            ends=[micros(r.end) for r in recordings],
            specs=[r.spec for r in recordings],
            bps=[int(r.push_mbps * BITS_PER_MEGABIT) for r in recordings],
            channels=[len(r.formats) for r in recordings],
            storage=[
                options.setdefault(
                    StorageOption(r.storage, r.storage_class, r.retention_days, r.transitions), len(options)
                )
                for r in recordings
            ],
            groups=list(range(len(recordings))),
            storage_options=list(options),
            group_count=len(recordings),
        )
