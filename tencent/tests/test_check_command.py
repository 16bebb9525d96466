from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from tencent.models import ApiCall

pytestmark = pytest.mark.django_db


@pytest.mark.emulator
def test_every_service_answers_through_the_emulator(emu: Any) -> None:
    out = StringIO()
    call_command("tencent_check", stdout=out)
    text = out.getvalue()
    assert all(f"{name}: ok" in text for name in ("CAR", "CSS", "VOD", "COS")), text
    assert set(ApiCall.objects.values_list("service", flat=True)) == {"car", "live", "vod", "cos"}


@pytest.mark.emulator
def test_failures_are_reported_per_service(emu: Any, settings: Any) -> None:
    settings.TENCENT_SECRET_KEY = "wrong"
    out = StringIO()
    with pytest.raises(CommandError, match="Failed: CAR, CSS, VOD, COS"):
        call_command("tencent_check", stdout=out)
    assert "AuthFailure" in out.getvalue()


def test_prune_keeps_the_retention_period() -> None:
    from datetime import timedelta

    from django.utils import timezone

    for age_days in (1, 29, 31, 90):
        ApiCall.objects.create(
            service="car", action="DescribeConcurrentCount", outcome="ok",
            started_at=timezone.now() - timedelta(days=age_days),
        )  # fmt: skip
    out = StringIO()

    call_command("prune_api_calls", "--days", "30", stdout=out)

    assert "Deleted 2" in out.getvalue()
    assert ApiCall.objects.count() == 2
