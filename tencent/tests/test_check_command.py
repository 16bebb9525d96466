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
