"""The callback log counts at most LIST_COUNT_CAP events (the fastest-growing table), like the other long lists."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from recordings.media.views import callbacks as views
from recordings.models import CssCallbackEvent

pytestmark = pytest.mark.django_db


def test_the_log_says_more_than_the_cap_and_lists_the_newest(
    client_as: Any, manager: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    CssCallbackEvent.objects.bulk_create(
        CssCallbackEvent(
            received_at=timezone.now() + timedelta(seconds=n),
            event_type=999,
            stream_name=f"s{n}",
            dedupe_key=f"cap-{n}",
            raw_body="{}",
            payload={"stream_id": f"s{n}"},
        )
        for n in range(60)
    )
    monkeypatch.setattr(views, "LIST_COUNT_CAP", 55)
    response = client_as(manager).get("/callbacks/events/")
    page = response.context["page"]
    assert page.paginator.capped and len(page.object_list) == 50
    assert "more than 55" in response.content.decode()
    assert page.object_list[0].payload["stream_id"] == "s59"  # newest first, as before

    monkeypatch.setattr(views, "LIST_COUNT_CAP", 100)
    uncapped = client_as(manager).get("/callbacks/events/").context["page"].paginator
    assert not uncapped.capped and uncapped.count == 60
