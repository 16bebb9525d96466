"""The "Tencent API health" overview panel: calls and error rate of the last hour, for VIEW_AUDIT users."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.utils.translation import gettext

from dashboard.access import Capability, has_capability
from dashboard.overview import Panel
from tencent.models import ApiCall

WARN_ERROR_RATE = 0.05


def overview_panels(user: AbstractBaseUser | AnonymousUser) -> list[Panel]:
    if not has_capability(user, Capability.VIEW_AUDIT):
        return []
    counts = ApiCall.objects.health(hours=1)
    total, errors = counts["total"], counts["errors"]
    rate = errors / total if total else 0.0
    return [
        Panel(
            title=gettext("Tencent API health"),
            template="tencent/_health_panel.html",
            context={
                "total": total,
                "errors": errors,
                "error_rate_percent": round(rate * 100, 1),
                "degraded": rate >= WARN_ERROR_RATE,
            },
            order=900,
        )
    ]
