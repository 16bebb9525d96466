"""Navigation shown to each user: only the sections their roles may use."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from dashboard.access import Capability, current_user, has_capability, roles_of
from dashboard.models import ApiToken


@dataclass(frozen=True)
class NavItem:
    label: str | Promise  # Promise: a gettext_lazy label, translated when the page is drawn
    url_name: str
    capabilities: tuple[Capability, ...]
    section: str
    needs_api_token: bool = False  # shown only to users holding an active API token


# Sections are keyed by their English name; people read the translation.
SECTION_LABELS = {
    "Operate": _("Operate"),
    "Review": _("Review"),
    "Catalog": _("Catalog"),
    "Costs": _("Costs"),
    "System": _("System"),
}

NAVIGATION: tuple[NavItem, ...] = (
    NavItem(_("Overview"), "overview", (), "Operate"),
    NavItem(_("Alerts"), "alerts:alert_list", (Capability.VIEW_ALERTS,), "Operate"),
    NavItem(_("Live now"), "recordings:live_board", (Capability.VIEW_RECORDINGS,), "Operate"),
    NavItem(_("Recordings"), "recordings:session_list", (Capability.VIEW_RECORDINGS,), "Operate"),
    NavItem(_("Schedules"), "recordings:schedule_list", (Capability.VIEW_RECORDINGS,), "Operate"),
    NavItem(_("Files"), "recordings:file_list", (Capability.VIEW_RECORDINGS,), "Operate"),
    NavItem(_("Storage"), "lifecycle:storage", (Capability.VIEW_RECORDINGS,), "Operate"),
    NavItem(
        _("Review queue"), "recordings:review_queue", (Capability.REVIEW, Capability.VIEW_REVIEWS), "Review"
    ),
    NavItem(_("Rooms"), "recordings:room_list", (Capability.VIEW_CATALOG,), "Catalog"),
    NavItem(_("Client apps"), "recordings:app_list", (Capability.VIEW_CATALOG,), "Catalog"),
    NavItem(_("Cost reports"), "billing:report", (Capability.VIEW_COSTS,), "Costs"),
    NavItem(_("What-if calculator"), "billing:calculator", (Capability.VIEW_COSTS,), "Costs"),
    NavItem(_("Capacity"), "billing:capacity", (Capability.VIEW_COSTS,), "Costs"),
    NavItem(_("Budgets"), "billing:budget_list", (Capability.VIEW_COSTS,), "Costs"),
    NavItem(_("Price books"), "billing:pricebook_list", (Capability.VIEW_COSTS,), "Costs"),
    NavItem(_("Cloud setup"), "tencent:cloud_setup", (Capability.OPERATE_RECORDINGS,), "System"),
    NavItem(_("Webhooks"), "webhooks:endpoint_list", (Capability.MANAGE_WEBHOOKS,), "System"),
    NavItem(_("Tencent API calls"), "call_list", (Capability.VIEW_AUDIT,), "System"),
    NavItem(_("CSS callbacks"), "recordings:callback_event_list", (Capability.VIEW_AUDIT,), "System"),
    NavItem(_("Audit log"), "audit_log", (Capability.VIEW_AUDIT,), "System"),
    NavItem(_("API tokens"), "token_list", (), "System"),
    NavItem(_("API reference"), "api_docs", (), "System", needs_api_token=True),
)


def visible_navigation(request: HttpRequest) -> list[dict[str, Any]]:
    user = request.user
    sections: dict[str, list[dict[str, Any]]] = {}
    for item in NAVIGATION:
        if item.capabilities and not any(has_capability(user, cap) for cap in item.capabilities):
            continue
        if item.needs_api_token and not ApiToken.objects.active().filter(user=current_user(request)).exists():
            continue
        url = reverse(item.url_name)
        sections.setdefault(item.section, []).append({"label": item.label, "url": url, "active": False})
    entries = [entry for section in sections.values() for entry in section]
    current = active_url(request.path, [entry["url"] for entry in entries])
    for entry in entries:
        entry["active"] = entry["url"] == current
    return [{"name": SECTION_LABELS.get(name, name), "items": items} for name, items in sections.items()]


def active_url(path: str, urls: list[str]) -> str | None:
    """The one navigation URL a page belongs to: the longest that prefixes its path ("/" only on itself), so
    /costs/capacity/ highlights Capacity and not also Cost reports."""
    matching = [url for url in urls if (path == url if url == "/" else path.startswith(url))]
    return max(matching, key=len, default=None)


def navigation(request: HttpRequest) -> dict[str, Any]:
    if not request.user.is_authenticated:
        return {}
    roles = sorted(role.label for role in roles_of(request.user))
    if request.user.is_superuser:
        roles = [_("Administrator"), *roles]
    return {"nav_sections": visible_navigation(request), "active_roles": roles}
