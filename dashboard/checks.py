"""Project system checks (`manage.py check`, `check --deploy`)."""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

EMPTY_CALLBACK_KEY = (
    "CSS_CALLBACK_KEY is empty: every CSS callback is refused (an empty key would let anyone sign one)."
)
EMPTY_CALLBACK_KEY_HINT = (
    "Set CSS_CALLBACK_KEY to the key of the CSS callback template (CSS console → Feature Configuration → "
    "Live Stream Callback)."
)


@register(Tags.security)
def callback_key_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Always reported: without a key, pushes, files and screenshots never reach the console."""
    if settings.CSS_CALLBACK_KEY:
        return []
    return [Warning(EMPTY_CALLBACK_KEY, hint=EMPTY_CALLBACK_KEY_HINT, id="cnr.W001")]


@register(Tags.security, deploy=True)
def callback_key_deploy_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if settings.CSS_CALLBACK_KEY:
        return []
    return [Error(EMPTY_CALLBACK_KEY, hint=EMPTY_CALLBACK_KEY_HINT, id="cnr.E001")]


@register(Tags.security)
def metrics_allowlist_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """An entry that is no address or network would make every /metrics scrape answer 500."""
    errors: list[CheckMessage] = []
    for entry in settings.METRICS_ALLOWED_IPS:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            errors.append(
                Error(
                    f"METRICS_ALLOWED_IPS: {entry!r} is not an IP address or network.",
                    hint="List addresses or CIDR networks, comma-separated (host names are not resolved).",
                    id="cnr.E002",
                )
            )
    return errors
