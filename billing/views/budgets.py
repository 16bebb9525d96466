"""Budgets per client app: the list with this month's spending, create and edit."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from billing.budget_cache import budget_statuses_cached
from billing.forms import BudgetForm
from billing.models import Budget
from billing.services import budget_delete, budget_save
from dashboard.access import Capability, current_user, has_capability, requires


@requires(Capability.VIEW_COSTS)
def budget_list(request: HttpRequest) -> HttpResponse:
    month = timezone.localdate().replace(day=1)
    statuses = {status.budget.pk: status for status in budget_statuses_cached(month) if status.budget}
    rows = [(budget, statuses.get(budget.pk)) for budget in Budget.objects.listing()]
    return render(
        request,
        "billing/budget_list.html",
        {"rows": rows, "month": month, "can_edit": has_capability(request.user, Capability.EDIT_PRICES)},
    )


@requires(Capability.EDIT_PRICES)
def budget_create(request: HttpRequest) -> HttpResponse:
    return _edit(request, Budget())


@requires(Capability.EDIT_PRICES)
def budget_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _edit(request, get_object_or_404(Budget, pk=pk))


@requires(Capability.EDIT_PRICES)
@require_POST
def budget_remove(request: HttpRequest, pk: int) -> HttpResponse:
    budget = get_object_or_404(Budget.objects.select_related("app"), pk=pk)
    budget_delete(budget=budget, actor=current_user(request))
    messages.success(request, gettext("Deleted the budget: %(budget)s.") % {"budget": budget_label(budget)})
    return redirect("billing:budget_list")


def budget_label(budget: Budget) -> str:
    """A budget as a flash message names it, in the request's language (its __str__ is the audit log's English)."""
    when = f"{budget.month:%Y-%m}" if budget.month else gettext("every month")
    return gettext("%(app)s, %(when)s, %(amount)s USD") % {
        "app": budget.app.name,
        "when": when,
        "amount": budget.amount_usd,
    }


def _edit(request: HttpRequest, budget: Budget) -> HttpResponse:
    form = BudgetForm(request.POST or None, instance=budget)
    if request.method == "POST" and form.is_valid():
        saved = budget_save(budget=form.save(commit=False), actor=current_user(request))
        messages.success(request, gettext("Saved the budget: %(budget)s.") % {"budget": budget_label(saved)})
        return redirect("billing:budget_list")
    return render(request, "billing/budget_form.html", {"form": form, "budget": budget})
