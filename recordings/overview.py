"""Overview panels of the recordings app (see `dashboard.overview`)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, Q

from dashboard.access import Capability, has_capability
from dashboard.overview import Panel
from recordings.models import ClientApp, Room
from recordings.review.overview import review_panels
from recordings.sessions.overview import session_panels


def catalog_panel() -> Panel:
    apps = ClientApp.objects.aggregate(total=Count("id"), active=Count("id", filter=Q(is_active=True)))
    rooms = Room.objects.aggregate(
        total=Count("id"),
        active=Count("id", filter=Q(is_active=True)),
        auto=Count("id", filter=Q(is_active=True, auto_record=True)),
    )
    return Panel(
        title="Catalog",
        template="recordings/catalog/overview_panel.html",
        context={"apps": apps, "rooms": rooms},
        order=50,
    )


def overview_panels(user: AbstractBaseUser | AnonymousUser) -> list[Panel]:
    panels = []
    if has_capability(user, Capability.VIEW_CATALOG):
        panels.append(catalog_panel())
    panels.extend(session_panels(user))
    panels.extend(review_panels(user))
    return panels
