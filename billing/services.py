"""Billing workflows: pricing plans with the price book in effect, new price-book versions, budgets.

Estimates never write anything; creating a price book and saving or deleting a budget are audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from billing.actuals import recordings_by_app
from billing.deployment import deployment_context
from billing.documents import price_changes
from billing.estimator import (
    Estimate,
    EstimateInput,
    PlanContext,
    PlannedRecording,
    Prices,
    PricesError,
    estimate,
)
from billing.estimator.estimate import RecordingCost
from billing.estimator.output import as_dict
from billing.estimator.push import PushDay
from billing.estimator.timeline import BILLING_TZ, day_bounds
from billing.models import Budget, BudgetLevel, PriceBook
from dashboard import audit
from recordings.models import ClientApp


class NoPriceBookError(LookupError):
    pass


@dataclass(frozen=True)
class PricedEstimate:
    estimate: Estimate
    price_book: PriceBook

    def as_dict(self) -> dict[str, Any]:
        return as_dict(
            self.estimate, price_book=self.price_book.reference(), currency=self.price_book.currency
        )


def price_book_for(month: date) -> PriceBook:
    book = PriceBook.objects.in_effect(month)
    if book is None:
        raise NoPriceBookError(
            gettext("No price book exists yet: run the migrations (they seed the list prices).")
        )
    return book


def estimate_plan(*, plan: EstimateInput, price_book: PriceBook | None = None) -> PricedEstimate:
    book = price_book or price_book_for(plan.month)
    return PricedEstimate(estimate(plan, book.typed), book)


def billing_month(moment: datetime) -> date:
    return moment.astimezone(BILLING_TZ).date().replace(day=1)


@dataclass(frozen=True)
class EstimateDelta:
    """What adding one recording does to its month (the month of its start, UTC+8)."""

    price_book: PriceBook
    recording: RecordingCost  # the new recording's attributed cost, by component
    month_total_before: Decimal
    month_total_after: Decimal
    push_days: list[tuple[PushDay, PushDay]]  # (before, after) for every billing day the recording touches
    peak_channels_before: int
    peak_channels_after: int

    @property
    def cost(self) -> Decimal:
        return self.recording.total

    @property
    def month_delta(self) -> Decimal:
        return self.month_total_after - self.month_total_before

    @property
    def push_rule_flips(self) -> bool:
        return any(after.billed and not before.billed for before, after in self.push_days)


def estimate_with_planned(
    *,
    planned: list[PlannedRecording],
    extra: PlannedRecording,
    context: PlanContext | None = None,
    price_book: PriceBook | None = None,
) -> EstimateDelta:
    """Estimate `extra` on top of the recordings already planned (the caller builds those from its sessions
    and schedules; any outside `extra`'s month are ignored). Regions default to this deployment's."""
    where = context or deployment_context()
    month = billing_month(extra.start)
    base = EstimateInput(
        month=month,
        car_region=where.car_region,
        css_region=where.css_region,
        vod_area=where.vod_area,
        cos_region=where.cos_region,
        downstream_gb_per_day=where.downstream_gb_per_day,
        recordings=tuple(planned),
    )
    book = price_book or price_book_for(month)
    before = estimate(base, book.typed)
    after = estimate(base.with_recordings((*base.recordings, extra)), book.typed)
    touched = [
        index
        for index, day in enumerate(base.days)
        if day_bounds(day)[0] < extra.end and extra.start < day_bounds(day)[1]
    ]
    return EstimateDelta(
        price_book=book,
        recording=after.recordings[-1],
        month_total_before=before.total,
        month_total_after=after.total,
        push_days=[(before.push.days[i], after.push.days[i]) for i in touched],
        peak_channels_before=before.recording.peak_channels,
        peak_channels_after=after.recording.peak_channels,
    )


@transaction.atomic
def price_book_create(
    *,
    name: str,
    effective_from: date,
    notes: str,
    prices: dict[str, Any],
    based_on: PriceBook | None,
    actor: User,
) -> PriceBook:
    """A new version (old versions stay as they were: past estimates and reports keep naming them)."""
    try:
        typed = Prices.from_document(prices)
    except PricesError as exc:
        raise ValidationError({"prices": exc.errors}) from exc
    # Locking the newest book serialises concurrent creations, so each gets the next version number.
    latest = PriceBook.objects.select_for_update().order_by("-version").first()
    book = PriceBook.objects.create(
        name=name,
        version=(latest.version if latest else 0) + 1,
        effective_from=effective_from,
        notes=notes,
        prices=typed.to_document(),
        created_by=actor,
    )
    audit.record(
        actor=actor,
        action="pricebook.create",
        obj=book,
        changes={
            "based_on_version": based_on.version if based_on else None,
            "effective_from": effective_from.isoformat(),
            "prices": price_changes(based_on.prices, book.prices) if based_on else {},
        },
    )
    return book


@dataclass(frozen=True)
class BudgetStatus:
    app: ClientApp
    month: date
    spent: Decimal
    limit: Decimal | None  # None: the app has no budget for the month
    ratio: Decimal | None
    level: BudgetLevel
    blocks_manual_starts: bool
    budget: Budget | None

    @property
    def percent(self) -> int | None:
        return None if self.ratio is None else int(self.ratio * 100)


def status_of(*, app: ClientApp, month: date, budget: Budget | None, spent: Decimal) -> BudgetStatus:
    if budget is None:
        return BudgetStatus(app, month, spent, None, None, BudgetLevel.OK, False, None)
    ratio = spent / budget.amount_usd
    if ratio >= 1:
        level = BudgetLevel.EXCEEDED
    elif ratio * 100 >= budget.warning_percent:
        level = BudgetLevel.WARNING
    else:
        level = BudgetLevel.OK
    blocks = budget.block_manual_starts and level == BudgetLevel.EXCEEDED
    return BudgetStatus(app, month, spent, budget.amount_usd, ratio, level, blocks, budget)


def recordings_spend(
    *,
    month: date,
    recordings: Sequence[PlannedRecording],
    context: PlanContext | None = None,
    price_book: PriceBook | None = None,
) -> Decimal:
    """What these recordings cost in `month`, priced as if they were the month's only recordings (so an app
    pays its own packs in full: budgets err on the safe side) and without playback traffic (viewers' cost)."""
    if not recordings:
        return Decimal(0)
    where = context or deployment_context()
    plan = EstimateInput(
        month=month,
        car_region=where.car_region,
        css_region=where.css_region,
        vod_area=where.vod_area,
        cos_region=where.cos_region,
        downstream_gb_per_day=Decimal(0),
        recordings=tuple(recordings),
    )
    result = estimate_plan(plan=plan, price_book=price_book).estimate
    return sum((r.total for r in result.recordings), Decimal(0))


def budget_status(
    *,
    app: ClientApp,
    month: date,
    recordings: Sequence[PlannedRecording] | None = None,
    context: PlanContext | None = None,
) -> BudgetStatus:
    """The app's spending against its budget for `month` (any day of it).

    `recordings` are what is priced: pass the app's recordings of the month (e.g. its sessions plus a planned
    one, to ask "would this start exceed the budget?"); when omitted, its actual sessions (billing.actuals).
    """
    first = month.replace(day=1)
    budget = next((b for b in Budget.objects.filter(app=app).applying(first)), None)
    if recordings is None:
        recordings = recordings_by_app(first, [app]).get(app.pk, [])
    return status_of(
        app=app,
        month=first,
        budget=budget,
        spent=recordings_spend(month=first, recordings=recordings, context=context),
    )


def budget_statuses(month: date) -> list[BudgetStatus]:
    """The status of every budget applying to `month`, from the apps' actual sessions."""
    first = month.replace(day=1)
    budgets = Budget.objects.applying(first)
    if not budgets:
        return []
    actual = recordings_by_app(first, [b.app for b in budgets])
    book = price_book_for(first)
    return [
        status_of(
            app=b.app,
            month=first,
            budget=b,
            spent=recordings_spend(month=first, recordings=actual.get(b.app_id, []), price_book=book),
        )
        for b in budgets
    ]


@transaction.atomic
def budget_save(*, budget: Budget, actor: User) -> Budget:
    """Create or update a budget (already validated by its form), audited with the changed fields."""
    creating = budget.pk is None
    before = {} if creating else audit.snapshot(Budget.objects.get(pk=budget.pk))
    if creating:
        budget.created_by = actor
    budget.save()
    after = audit.snapshot(budget, ["app", "month", "amount_usd", "warning_percent", "block_manual_starts"])
    audit.record(
        actor=actor,
        action="budget.create" if creating else "budget.update",
        obj=budget,
        changes=audit.diff_fields(before, after),
    )
    return budget


@transaction.atomic
def budget_delete(*, budget: Budget, actor: User) -> None:
    audit.record(actor=actor, action="budget.delete", obj=budget, changes=audit.snapshot(budget))
    budget.delete()


def current_budget_status(app: ClientApp) -> BudgetStatus | None:
    """This month's budget status of the app for its page; None without a budget (or a price book)."""
    try:
        status = budget_status(app=app, month=billing_month(timezone.now()))
    except NoPriceBookError:
        return None
    return status if status.budget is not None else None
