"""What the estimator takes: a month's plan of recordings and traffic (or a month's actual sessions).

A report over actual sessions builds the same `PlannedRecording`s from them (start, real duration, spec,
bitrate, formats, storage), so plans and reports are costed by the very same rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from billing.estimator.prices import COS_CLASSES, CSS_REGIONS, SPECS, VOD_AREAS, VOD_CLASSES
from billing.estimator.timeline import BILLING_TZ, month_days

FORMATS = ("mp4", "hls", "flv", "aac", "mp3")
STORAGE_TARGETS = ("vod", "cos")
DEFAULT_PUSH_MBPS = Decimal(8)


@dataclass(frozen=True)
class PlannedRecording:
    start: datetime  # timezone-aware
    duration: timedelta
    spec: str = "S"
    push_mbps: Decimal = DEFAULT_PUSH_MBPS
    formats: tuple[str, ...] = ("mp4",)
    storage: str = "vod"
    storage_class: str = "STANDARD"
    retention_days: int | None = 30  # None: kept forever
    # The retention policy's moves to colder classes: (days after the recording, class), e.g. ((30, "ARCHIVE"),).
    transitions: tuple[tuple[int, str], ...] = ()
    playback_gb: Decimal = Decimal(
        0
    )  # expected playback traffic of the recording's files (VOD CDN / COS egress)
    label: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.push_mbps, Decimal):
            object.__setattr__(self, "push_mbps", Decimal(str(self.push_mbps)))
        if not isinstance(self.formats, tuple):
            object.__setattr__(self, "formats", tuple(self.formats))
        object.__setattr__(self, "transitions", tuple((int(d), str(c)) for d, c in self.transitions))
        if not isinstance(self.playback_gb, Decimal):
            object.__setattr__(self, "playback_gb", Decimal(str(self.playback_gb)))
        problems = self.problems()
        if problems:
            raise ValueError("; ".join(f"{name}: {text}" for name, text in problems.items()))

    def problems(self) -> dict[str, str]:
        found: dict[str, str] = {}
        if self.start.tzinfo is None or self.start.utcoffset() is None:
            found["start"] = "must carry a time zone"
        if self.duration <= timedelta(0):
            found["duration"] = "must be positive"
        found.update(
            _option_problems(
                self.spec,
                self.push_mbps,
                self.formats,
                self.storage,
                self.storage_class,
                self.retention_days,
            )
        )
        found.update(policy_problems(self.storage_class, self.retention_days, self.transitions))
        if not self.playback_gb.is_finite() or self.playback_gb < 0:
            found["playback_gb"] = "must be ≥ 0"
        return found

    @property
    def end(self) -> datetime:
        return self.start + self.duration


def _option_problems(
    spec: str,
    push_mbps: Decimal,
    formats: tuple[str, ...],
    storage: str,
    storage_class: str,
    retention_days: int | None,
) -> dict[str, str]:
    found: dict[str, str] = {}
    if spec not in SPECS:
        found["spec"] = f"must be one of {', '.join(SPECS)}"
    if not push_mbps.is_finite() or push_mbps <= 0:
        found["push_mbps"] = "must be positive"
    elif int(push_mbps.normalize().as_tuple().exponent) < -6:
        found["push_mbps"] = "must be a whole number of bits per second (at most 6 decimal places)"
    if not formats or len(set(formats)) != len(formats):
        found["formats"] = "list at least one format, each once"
    elif any(f not in FORMATS for f in formats):
        found["formats"] = f"each must be one of {', '.join(FORMATS)}"
    if storage not in STORAGE_TARGETS:
        found["storage"] = "must be vod or cos"
    classes = COS_CLASSES if storage == "cos" else VOD_CLASSES
    if storage_class not in classes:
        found["storage_class"] = f"for {storage} must be one of {', '.join(classes)}"
    if retention_days is not None and retention_days < 1:
        found["retention_days"] = "must be at least 1"
    return found


def policy_problems(
    storage_class: str, retention_days: int | None, transitions: tuple[tuple[int, str], ...]
) -> dict[str, str]:
    """A policy's moves go to colder classes, later each time, all before the deletion (as lifecycle's rules)."""
    order = list(VOD_CLASSES)  # warmest first; COS names its classes the same
    previous_days, previous_class = 0, storage_class
    for days, target in transitions:
        if target not in order or storage_class not in order:
            return {"transitions": f"each class must be one of {', '.join(order)}"}
        if days < 1 or days <= previous_days:
            return {"transitions": "each move must come at least a day later than the one before"}
        if order.index(target) <= order.index(previous_class):
            return {"transitions": "each move must go to a colder class"}
        if retention_days is not None and days >= retention_days:
            return {"transitions": "a move must come before the file is deleted"}
        previous_days, previous_class = days, target
    return {}


@dataclass(frozen=True)
class EstimateInput:
    month: date  # any day of the month; normalised to the first
    car_region: str
    css_region: str
    vod_area: str
    cos_region: str
    downstream_gb_per_day: Decimal
    recordings: tuple[PlannedRecording, ...] = field(default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "month", self.month.replace(day=1))
        object.__setattr__(self, "recordings", tuple(self.recordings))
        object.__setattr__(self, "downstream_gb_per_day", Decimal(self.downstream_gb_per_day))
        if self.css_region not in CSS_REGIONS:
            raise ValueError(f"css_region must be one of {', '.join(CSS_REGIONS)}")
        if self.vod_area not in VOD_AREAS:
            raise ValueError(f"vod_area must be one of {', '.join(VOD_AREAS)}")
        if not self.downstream_gb_per_day.is_finite() or self.downstream_gb_per_day < 0:
            raise ValueError("downstream_gb_per_day must be ≥ 0")

    @property
    def days(self) -> list[date]:
        return month_days(self.month)

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.month, datetime.min.time(), tzinfo=BILLING_TZ)

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(days=len(self.days))

    def with_recordings(self, recordings: tuple[PlannedRecording, ...]) -> EstimateInput:
        return EstimateInput(
            month=self.month,
            car_region=self.car_region,
            css_region=self.css_region,
            vod_area=self.vod_area,
            cos_region=self.cos_region,
            downstream_gb_per_day=self.downstream_gb_per_day,
            recordings=recordings,
        )
