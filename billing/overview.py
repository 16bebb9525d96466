"""The overview page's budget panel: apps at or above their warning threshold this month."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.utils import timezone
from django.utils.translation import gettext

from billing.budget_cache import budget_statuses_cached
from billing.models import BudgetLevel
from dashboard.access import Capability, has_capability
from dashboard.overview import Panel


def overview_panels(user: AbstractBaseUser | AnonymousUser) -> list[Panel]:
    if not has_capability(user, Capability.VIEW_COSTS):
        return []
    month = timezone.localdate().replace(day=1)
    statuses = budget_statuses_cached(month)
    alerts = [s for s in statuses if s.level != BudgetLevel.OK]
    alerts.sort(key=lambda s: (s.level != BudgetLevel.EXCEEDED, -(s.ratio or 0)))
    return [
        Panel(
            title=gettext("Budget alerts"),
            template="billing/_budget_panel.html",
            context={"alerts": alerts, "budgets": len(statuses), "month": month},
            order=40,
        )
    ]
