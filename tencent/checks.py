"""Django system checks: on a real Tencent account (no TENCENT_API_ENDPOINT), settings whose demo defaults would
silently misbehave must be set. `manage.py tencent_setup` reports the same problems among its lines."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Error, register

from tencent.setup import required_setting_problems, template_id_problem, user_ip_problem


@register("tencent")
def real_account_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    problem = template_id_problem()
    if problem:
        errors.append(Error(f"CSS_RECORD_TEMPLATE_ID: {problem}.", id="tencent.E001"))
    problem = user_ip_problem()
    if problem:
        errors.append(Error(f"CAR_USER_IP: {problem}.", id="tencent.E002"))
    for name, problem in required_setting_problems():
        errors.append(Error(f"{name}: {problem}.", id="tencent.E003"))
    return errors
