"""Demo mode: the one rule deciding whether the console may show the demo's logins to anyone who asks.

The demo users' passwords are public (they are printed by `seed_demo`, `rundemo` and in the README), so showing
them is only harmless on a console that is itself a throwaway: DEBUG on (never a production setting) and no real
Tencent Cloud account (the local emulator, so no real money or recordings are reachable). Anything else — DEBUG
off, or TENCENT_SECRET_ID set — is a real console and never shows them, whatever users exist.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from dashboard.access import Role

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

DEMO_USERS: dict[str, tuple[Role, str]] = {
    "operator": (Role.OPERATOR, "operator-demo-pass"),
    "manager": (Role.MANAGER, "manager-demo-pass"),
    "moderator": (Role.MODERATOR, "moderator-demo-pass"),
}
ADMIN = ("admin", "admin-demo-pass")


@dataclass(frozen=True)
class DemoLogin:
    label: StrOrPromise
    username: str
    password: str

    def line(self) -> str:
        return f"{self.label!s:<10} {self.username} / {self.password}"


def demo_mode() -> bool:
    """Read at call time (not frozen into a setting) so a test overriding DEBUG or USING_EMULATOR sees it."""
    return bool(settings.DEBUG and settings.USING_EMULATOR)


def all_demo_logins() -> list[DemoLogin]:
    """Every login `seed_demo` creates, one per role and the administrator, in the order it prints them."""
    logins = [DemoLogin(role.label, name, password) for name, (role, password) in DEMO_USERS.items()]
    return [*logins, DemoLogin(_("Admin"), *ADMIN)]


def demo_logins() -> list[DemoLogin]:
    """The demo logins to show: none outside demo mode, and only users that exist and are active (a console
    that was never seeded shows nothing)."""
    if not demo_mode():
        return []
    logins = all_demo_logins()
    present = set(
        get_user_model()
        .objects.filter(username__in=[login.username for login in logins], is_active=True)
        .values_list("username", flat=True)
    )
    return [login for login in logins if login.username in present]


def terminal_language() -> str:
    """The language the demo's printed guidance uses: the terminal's (LANGUAGE, LC_ALL, LC_MESSAGES, LANG, in
    gettext's order: zh_CN.UTF-8 gives zh-hans) when the console has it, else LANGUAGE_CODE."""
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        if value:
            code = value.split(":")[0].split(".")[0].replace("_", "-").lower()
            try:
                return translation.get_supported_language_variant(code)
            except LookupError:
                return str(settings.LANGUAGE_CODE)
    return str(settings.LANGUAGE_CODE)
