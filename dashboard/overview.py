"""The overview page is assembled from panels that each app contributes.

An app adds panels by defining `overview_panels(user) -> list[Panel]` in its own `overview.py`; the dashboard
knows nothing about recordings or costs, so apps stay decoupled.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

from django.apps import apps
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


@dataclass
class Panel:
    title: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    order: int = 100
    wide: bool = False


def collect_panels(user: AbstractBaseUser | AnonymousUser) -> list[Panel]:
    panels: list[Panel] = []
    for config in apps.get_app_configs():
        if config.name == "dashboard" or not config.name.isidentifier():
            continue
        try:
            module = import_module(f"{config.name}.overview")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.overview":
                raise
            continue
        panels.extend(module.overview_panels(user))
    return sorted(panels, key=lambda panel: panel.order)
