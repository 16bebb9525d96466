"""Billing data: versioned price books (and budgets per client app).

A price book keeps all its prices in one validated JSON document (`prices`), read through the typed
`billing.estimator.prices.Prices` view. One document rather than normalised rows because a price book is
always read and versioned as a whole, the estimator needs the whole of it at once, and a new version is a copy
with a few numbers changed — rows would add dozens of tables' worth of joins for no query that needs them.
"""

from __future__ import annotations

from datetime import date
from functools import cached_property
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from billing.estimator.prices import Prices, PricesError


class PriceBookQuerySet(models.QuerySet["PriceBook"]):
    def in_effect(self, on: date) -> PriceBook | None:
        """The newest version effective on `on`; before the first book's date, the first book."""
        book = self.filter(effective_from__lte=on).order_by("-effective_from", "-version").first()
        return book or self.order_by("effective_from", "version").first()


class PriceBook(models.Model):
    name = models.CharField(pgettext_lazy("price book", "Name"), max_length=120)
    version = models.PositiveIntegerField(pgettext_lazy("price book", "Version"), unique=True)
    effective_from = models.DateField(
        pgettext_lazy("price book", "Effective from"),
        help_text=_("Estimates and reports for months from this date use this book."),
    )
    currency = models.CharField(
        pgettext_lazy("price book", "Currency"), max_length=3, default="USD", editable=False
    )
    notes = models.TextField(pgettext_lazy("price book", "Notes"), blank=True)
    prices = models.JSONField(
        _("prices"), help_text=_("The price document; see billing/list_prices.py for its shape.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(pgettext_lazy("price book", "Created"), auto_now_add=True)

    objects = PriceBookQuerySet.as_manager()

    class Meta:
        verbose_name = _("price book")
        verbose_name_plural = _("price books")
        ordering = ["-effective_from", "-version"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(version__gte=1),
                name="pricebook_version_positive",
                violation_error_message=_("The version is 1 or more."),
            ),
            models.CheckConstraint(
                condition=models.Q(currency="USD"),
                name="pricebook_currency_usd",
                violation_error_message=_("Price books are in USD."),
            ),
        ]

    def __str__(self) -> str:
        # English on purpose: the audit log stores it (object_repr); pages name a book from its fields.
        return f"{self.name} (v{self.version}, from {self.effective_from:%Y-%m-%d})"

    def clean(self) -> None:
        try:
            Prices.from_document(self.prices)
        except PricesError as exc:
            raise ValidationError({"prices": exc.errors}) from exc

    @cached_property
    def typed(self) -> Prices:
        return Prices.from_document(self.prices)

    def reference(self) -> dict[str, Any]:
        """How estimates and reports name the book they used."""
        return {
            "id": self.pk,
            "name": self.name,
            "version": self.version,
            "effective_from": self.effective_from.isoformat(),
        }


class BudgetLevel(models.TextChoices):
    OK = "ok", _("Within budget")
    WARNING = "warning", _("Near the limit")
    EXCEEDED = "exceeded", pgettext_lazy("budget", "Exceeded")


class BudgetQuerySet(models.QuerySet["Budget"]):
    def listing(self) -> BudgetQuerySet:
        return self.select_related("app").order_by("app__name", "month")

    def applying(self, month: date) -> list[Budget]:
        """One budget per app for `month`: its budget for that very month, else its every-month budget."""
        chosen: dict[int, Budget] = {}
        for budget in self.filter(models.Q(month=month) | models.Q(month__isnull=True)).select_related("app"):
            if budget.app_id not in chosen or budget.month is not None:
                chosen[budget.app_id] = budget
        return sorted(chosen.values(), key=lambda b: b.app.name)


class Budget(models.Model):
    app = models.ForeignKey(
        "recordings.ClientApp",
        on_delete=models.CASCADE,
        related_name="budgets",
        verbose_name=pgettext_lazy("billing", "App"),
    )
    month = models.DateField(
        pgettext_lazy("billing", "Month"),
        null=True,
        blank=True,
        help_text=_("The month this budget is for (its first day); empty: every month."),
    )
    amount_usd = models.DecimalField(_("limit (USD)"), max_digits=12, decimal_places=2)
    warning_percent = models.PositiveSmallIntegerField(
        _("warning percent"),
        default=80,
        help_text=_("Warn when the month's spending reaches this share of the limit."),
    )
    block_manual_starts = models.BooleanField(
        _("block manual starts"),
        default=False,
        help_text=_("Once the limit is exceeded, operators cannot start this app's recordings by hand."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = BudgetQuerySet.as_manager()

    class Meta:
        verbose_name = _("budget")
        verbose_name_plural = _("budgets")
        ordering = ["app__name", "month"]
        constraints = [
            models.UniqueConstraint(
                fields=["app", "month"],
                name="budget_one_per_app_month",
                violation_error_message=_("This app already has a budget for that month."),
            ),
            models.UniqueConstraint(
                fields=["app"],
                condition=models.Q(month__isnull=True),
                name="budget_one_recurring_per_app",
                violation_error_message=_("This app already has an every-month budget."),
            ),
            models.CheckConstraint(
                condition=models.Q(amount_usd__gt=0),
                name="budget_amount_positive",
                violation_error_message=_("The amount must be more than 0."),
            ),
            models.CheckConstraint(
                condition=models.Q(warning_percent__gte=1, warning_percent__lte=99),
                name="budget_warning_1_99",
                violation_error_message=_("The warning threshold is from 1 to 99 percent."),
            ),
            models.CheckConstraint(
                condition=models.Q(month__isnull=True) | models.Q(month__day=1),
                name="budget_month_first_day",
                violation_error_message=_("A month's budget starts on the first day of that month."),
            ),
        ]

    def __str__(self) -> str:
        # English on purpose: the audit log stores it (object_repr); see views.budgets for the page's wording.
        when = f"{self.month:%Y-%m}" if self.month else "every month"
        return f"{self.app} budget, {when}: {self.amount_usd} USD"
