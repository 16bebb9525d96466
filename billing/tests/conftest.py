from __future__ import annotations

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
