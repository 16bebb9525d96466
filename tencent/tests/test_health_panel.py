"""The overview's Tencent API health panel (tencent/overview.py): the error rate of the last hour's calls."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.template.loader import render_to_string
from django.utils import timezone

from dashboard.overview import collect_panels
from dashboard.tests.test_calllog_views import make_call

pytestmark = pytest.mark.django_db


def test_health_panel_shows_the_error_rate_of_the_last_hour(operator: User, moderator: User) -> None:
    make_call()
    make_call(outcome="error", error_code="InternalError")
    make_call(outcome="error", error_code="InternalError", started_at=timezone.now() - timedelta(hours=2))

    panels = [panel for panel in collect_panels(operator) if panel.title == "Tencent API health"]

    assert len(panels) == 1
    assert panels[0].context == {"total": 2, "errors": 1, "error_rate_percent": 50.0, "degraded": True}
    assert "50.0 %" in render_to_string(panels[0].template, {"panel": panels[0].context})
    assert not [panel for panel in collect_panels(moderator) if panel.title == "Tencent API health"]
