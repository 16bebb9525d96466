"""Storage of the recorded files, each file's cost for its whole retention, by its retention policy.

Size per format = push bitrate x duration ÷ 8 (decimal GB); every format is a separate file of that size.
A file is stored in its first class, moved to colder classes after the policy's days, and deleted after its
retention (or kept forever: then its first FOREVER_HORIZON_DAYS are priced, and the note says so). Each class's
days are priced by `billing.estimator.classes.spans_cost` — the one way the console prices stored GB — with the
early-deletion charge of leaving a class before its minimum (IA 30, ARCHIVE 90, DEEP_ARCHIVE 180 days), which is
what makes a VOD IA file kept 10 days cost 30.
A file is costed in the month its recording starts, so consecutive monthly reports count each file once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.utils.translation import gettext, ngettext

from billing.estimator.classes import Where, class_price, minimum_days, policy_spans, spans_cost
from billing.estimator.columns import StorageOption
from billing.estimator.prices import Prices
from billing.estimator.usage import BPS_MICROS_PER_GB, MonthUsage
from billing.regions import region_label

DAYS_PER_STORAGE_MONTH = Decimal(30)
FOREVER_HORIZON_DAYS = 365
_ORIGIN = datetime(2000, 1, 1, tzinfo=UTC)  # spans are relative to the file's start: any fixed instant does


@dataclass(frozen=True)
class StorageItem:
    gb: Decimal
    billed_days: int
    unit_price: Decimal
    unit: str  # "GB-day" or "GB-month" (the first class's listed unit)
    cost: Decimal
    note: str


@dataclass(frozen=True)
class StorageTerms:
    """What a file's options alone decide: the billed days, the cost of one GB over them, and the wording."""

    billed_days: int
    unit_price: Decimal  # the first class's listed price
    unit: str
    note: str
    per_gb: Decimal  # USD for one GB over the whole retention, every class and early deletion included

    def cost(self, gb: Decimal) -> Decimal:
        return gb * self.per_gb

    def item(self, gb: Decimal) -> StorageItem:
        return StorageItem(
            gb=gb,
            billed_days=self.billed_days,
            unit_price=self.unit_price,
            unit=self.unit,
            cost=self.cost(gb),
            note=self.note,
        )


def storage_terms(option: StorageOption, prices: Prices, vod_area: str, cos_region: str) -> StorageTerms:
    where = Where(option.target, vod_area, cos_region)
    kept = option.retention_days
    horizon = FOREVER_HORIZON_DAYS if kept is None else kept
    spans = policy_spans(
        start=_ORIGIN, transitions=option.transitions, keep_days=kept, initial_class=option.storage_class
    )
    priced = spans_cost(
        gb=Decimal(1),
        spans=spans,
        # A deletion at the horizon falls inside the window (a microsecond more), so its early charge counts;
        # no span is open then, so the extra microsecond stores nothing.
        window=(_ORIGIN, _ORIGIN + timedelta(days=horizon, microseconds=0 if kept is None else 1)),
        prices=prices,
        where=where,
    )
    last = spans[-1]
    billed = horizon
    if kept is not None:
        # The last class's remaining minimum is billed as if stored: the days Tencent charges for.
        held = (last.end - last.start).days if last.end else 0
        billed += max(0, minimum_days(prices, last.storage_class) - held)
    listed = class_price(prices, where, option.storage_class)
    # The wording is in the active language (the estimator runs inside a request, or in English without one).
    label = "COS" if option.target == "cos" else "VOD"
    place = (
        gettext("in %(region)s") % {"region": region_label(cos_region)}
        if option.target == "cos"
        else f"({region_label(vod_area)})"
    )
    classes = option.storage_class
    if option.transitions:
        moves = ", ".join(
            gettext("%(class)s after %(days)s d") % {"class": cls, "days": days}
            for days, cls in option.transitions
        )
        classes = f"{classes}, {moves},"
    kept_text = (
        ngettext("%(days)s day", "%(days)s days", kept) % {"days": kept}
        if kept is not None
        else gettext("kept forever (first %(days)s days priced)") % {"days": FOREVER_HORIZON_DAYS}
    )
    note = gettext("%(storage)s %(classes)s %(place)s, %(kept)s") % {
        "storage": label,
        "classes": classes,
        "place": place,
        "kept": kept_text,
    }
    if kept is not None and billed > horizon:
        note += gettext(" (class minimum %(days)s days)") % {"days": minimum_days(prices, last.storage_class)}
    if priced.unpriced:
        note += gettext("; no price for %(classes)s") % {"classes": ", ".join(sorted(priced.unpriced))}
    return StorageTerms(
        billed_days=billed,
        unit_price=listed[0] if listed else Decimal(0),
        unit="GB-month" if option.target == "cos" else "GB-day",
        note=note,
        per_gb=priced.total,
    )


@dataclass(frozen=True)
class StorageResult:
    terms: tuple[StorageTerms, ...]  # one per storage option
    group_gb: tuple[tuple[Decimal, ...], ...]  # option → per group: GB of files whose recording starts
    per_group: tuple[Decimal, ...]
    by_day: tuple[Decimal, ...]  # the cost of files by the day their recording starts
    gb: Decimal
    unpriced: tuple[str, ...] = ()  # "storage:class" pairs the price book has no price for (counted as 0)

    @property
    def cost(self) -> Decimal:
        return sum(self.per_group, Decimal(0))


def storage_cost(
    usage: MonthUsage, options: Sequence[StorageOption], prices: Prices, vod_area: str, cos_region: str
) -> StorageResult:
    terms = tuple(storage_terms(o, prices, vod_area, cos_region) for o in options)
    per_group = [Decimal(0)] * usage.group_count
    by_day = [Decimal(0)] * usage.days
    group_gb: list[tuple[Decimal, ...]] = []
    total_gb = Decimal(0)
    for option_terms, sizes, day_sizes in zip(terms, usage.stored, usage.stored_by_day, strict=True):
        gbs = tuple(Decimal(size) / BPS_MICROS_PER_GB for size in sizes)
        group_gb.append(gbs)
        total_gb += sum(gbs, Decimal(0))
        for group, gb in enumerate(gbs):
            if gb:
                per_group[group] += option_terms.cost(gb)
        for day, size in enumerate(day_sizes):
            if size:
                by_day[day] += option_terms.cost(Decimal(size) / BPS_MICROS_PER_GB)
    return StorageResult(
        terms=terms, group_gb=tuple(group_gb), per_group=tuple(per_group), by_day=tuple(by_day), gb=total_gb
    )
