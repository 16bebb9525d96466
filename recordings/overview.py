"""Overview panels of the recordings app (see `dashboard.overview`)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.cache import cache
from django.db.models import Count, Q
from django.utils.translation import gettext

from dashboard.access import Capability, has_capability
from dashboard.overview import Panel
from recordings.models import ClientApp, Room
from recordings.review.overview import review_panels
from recordings.sessions.overview import session_panels

# The catalog's counts change only when an app or a room is saved or deleted (signals connected in
# RecordingsConfig.ready drop them then); a write that bypasses save() shows within a minute.
CATALOG_CACHE_KEY = "catalog:overview-counts"
CATALOG_CACHE_SECONDS = 60


def catalog_changed(**_kwargs: object) -> None:
    cache.delete(CATALOG_CACHE_KEY)


def catalog_counts() -> tuple[dict[str, int], dict[str, int]]:
    cached = cache.get(CATALOG_CACHE_KEY)
    if isinstance(cached, tuple) and len(cached) == 2:
        return cached
    apps = ClientApp.objects.aggregate(total=Count("id"), active=Count("id", filter=Q(is_active=True)))
    rooms = Room.objects.aggregate(
        total=Count("id"),
        active=Count("id", filter=Q(is_active=True)),
        auto=Count("id", filter=Q(is_active=True, auto_record=True)),
    )
    cache.set(CATALOG_CACHE_KEY, (apps, rooms), CATALOG_CACHE_SECONDS)
    return apps, rooms


def catalog_panel() -> Panel:
    apps, rooms = catalog_counts()
    return Panel(
        title=gettext("Catalog"),
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
