"""Roles and the permission matrix: the single place that says who may do what.

Roles are Django groups (created by a migration). Views ask for a *capability*, never for a role, so the
matrix below (also written down in the README) is the only thing to change when a role's rights change.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OPERATOR = "Operators", _("Operator")
    MANAGER = "Managers", _("Manager")
    MODERATOR = "Moderators", _("Moderator")


class Capability(models.TextChoices):
    VIEW_CATALOG = "view_catalog", _("See client apps and rooms")
    MANAGE_CATALOG = "manage_catalog", _("Create and edit client apps and rooms")
    VIEW_RECORDINGS = "view_recordings", _("See recordings, schedules, live streams and files")
    OPERATE_RECORDINGS = (
        "operate_recordings",
        _("Start, stop and schedule recordings; drop streams; delete files"),
    )
    VIEW_COSTS = "view_costs", _("See cost estimates, reports and budgets")
    EDIT_PRICES = "edit_prices", _("Edit price books and budgets")
    ESTIMATE = "estimate", _("See the estimate of a recording before starting it")
    REVIEW = "review", _("Review recorded material")
    VIEW_REVIEWS = "view_reviews", _("See review verdicts and the moderation queue")
    VIEW_AUDIT = "view_audit", _("Read the audit log and the Tencent API call log")
    MANAGE_WEBHOOKS = "manage_webhooks", _("Manage outgoing webhooks and see their deliveries")
    VIEW_ALERTS = "view_alerts", _("See the alerts that concern one's role")
    MANAGE_ALERTS = "manage_alerts", _("Manage alert channels and rules; mute alerts")
    MANAGE_RETENTION = "manage_retention", _("Set retention policies of client apps and rooms")
    HOLD_FILES = "hold_files", _("Place and lift legal holds on files, recordings and rooms")


OPERATOR, MANAGER, MODERATOR = Role.OPERATOR, Role.MANAGER, Role.MODERATOR

PERMISSION_MATRIX: dict[Capability, frozenset[Role]] = {
    Capability.VIEW_CATALOG: frozenset({OPERATOR, MANAGER, MODERATOR}),
    Capability.MANAGE_CATALOG: frozenset({OPERATOR}),
    Capability.VIEW_RECORDINGS: frozenset({OPERATOR, MANAGER, MODERATOR}),
    Capability.OPERATE_RECORDINGS: frozenset({OPERATOR}),
    Capability.VIEW_COSTS: frozenset({MANAGER}),
    Capability.EDIT_PRICES: frozenset({MANAGER}),
    Capability.ESTIMATE: frozenset({OPERATOR, MANAGER}),
    Capability.REVIEW: frozenset({MODERATOR}),
    Capability.VIEW_REVIEWS: frozenset({MODERATOR, MANAGER}),
    Capability.VIEW_AUDIT: frozenset({OPERATOR, MANAGER}),
    Capability.MANAGE_WEBHOOKS: frozenset({OPERATOR}),
    Capability.VIEW_ALERTS: frozenset({OPERATOR, MANAGER, MODERATOR}),
    Capability.MANAGE_ALERTS: frozenset({OPERATOR, MANAGER}),
    Capability.MANAGE_RETENTION: frozenset({OPERATOR, MANAGER}),
    Capability.HOLD_FILES: frozenset({MODERATOR, MANAGER}),
}


def roles_of(user: AbstractBaseUser | AnonymousUser) -> frozenset[Role]:
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_cnr_roles", None)
    if cached is None:
        names = set(user.groups.values_list("name", flat=True))  # type: ignore[attr-defined]
        cached = frozenset(role for role in Role if role.value in names)
        user._cnr_roles = cached  # type: ignore[union-attr,attr-defined]
    return cached


def has_capability(user: AbstractBaseUser | AnonymousUser, capability: Capability) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if getattr(user, "is_superuser", False):
        return True
    return bool(roles_of(user) & PERMISSION_MATRIX[capability])


def current_user(request: HttpRequest) -> User:
    """The logged-in user of a view that `requires` a capability or is `login_required`."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied(gettext("Log in first."))
    return user


def capabilities_of(user: AbstractBaseUser | AnonymousUser) -> frozenset[Capability]:
    return frozenset(cap for cap in Capability if has_capability(user, cap))


ViewFunc = TypeVar("ViewFunc", bound=Callable[..., HttpResponse])


def requires(capability: Capability) -> Callable[[ViewFunc], ViewFunc]:
    """View decorator: login redirect when anonymous, 403 when the user's roles lack the capability."""

    def decorator(view: ViewFunc) -> ViewFunc:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_capability(request.user, capability):
                raise PermissionDenied(
                    gettext("Your role may not: %(capability)s.")
                    % {"capability": str(capability.label).lower()}
                )
            return view(request, *args, **kwargs)

        wrapper.required_capability = capability  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorator
