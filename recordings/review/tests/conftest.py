"""Fixtures of the moderation tests."""

from __future__ import annotations

from importlib import import_module

import pytest

from recordings.models import RejectReason


@pytest.fixture(autouse=True)
def reject_reasons(db: None) -> None:
    """The reasons the data migration seeds; a transactional test elsewhere may have flushed them."""
    for position, (code, label) in enumerate(
        import_module("recordings.migrations.0005_reject_reasons").REASONS, 1
    ):
        RejectReason.objects.get_or_create(code=code, defaults={"label": label, "position": position * 10})


@pytest.fixture(autouse=True)
def fresh_overview_counts() -> None:
    """The overview caches the pending count for 30 s (recordings.review.overview); each test starts without it."""
    from django.core.cache import cache

    from recordings.review.overview import PENDING_CACHE_KEY

    cache.delete(PENDING_CACHE_KEY)
