from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from billing.list_prices import LIST_PRICES_2024
from billing.models import PriceBook


@pytest.fixture
def list_price_book(db: None) -> PriceBook:
    """Price book v1 as the seed migration creates it (re-created if a transactional test flushed it)."""
    book, _ = PriceBook.objects.get_or_create(
        version=1,
        defaults={
            "name": "Tencent Cloud international list prices",
            "effective_from": date(2024, 10, 1),
            "prices": LIST_PRICES_2024,
        },
    )
    return book


@pytest.fixture(autouse=True)
def _no_cached_report() -> Iterator[None]:
    """Each test prices its own sessions: no report cached by an earlier test of this worker's database."""
    from django.utils import timezone

    from billing.capacity_data import forget_bookings
    from billing.report_cache import forget_report
    from billing.services import billing_month

    months = {billing_month(timezone.now()), date(2026, 12, 1)}
    for month in months:
        forget_report(month)
    forget_bookings()
    yield
    for month in months:
        forget_report(month)
