"""The overview's open alerts, for the roles each rule concerns (see `dashboard.overview`)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.utils import timezone
from django.utils.translation import gettext

from alerts.models import Alert
from alerts.rules import SPECS
from dashboard.access import Capability, has_capability
from dashboard.overview import Panel


def alerts_concerning(user: AbstractBaseUser | AnonymousUser) -> list[Alert]:
    """The open alerts of the rules whose audience capability `user` has."""
    kinds = [kind for kind, spec in SPECS.items() if has_capability(user, spec.audience)]
    return list(Alert.objects.open().listing().filter(rule__kind__in=kinds)[:50])


def overview_panels(user: AbstractBaseUser | AnonymousUser) -> list[Panel]:
    if not has_capability(user, Capability.VIEW_ALERTS):
        return []
    alerts = alerts_concerning(user)
    if not alerts:
        return []
    return [
        Panel(
            title=gettext("Open alerts"),
            template="alerts/overview_panel.html",
            context={"alerts": alerts, "now": timezone.now()},
            order=5,
            wide=True,
        )
    ]
