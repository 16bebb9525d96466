"""Number filters of the billing pages."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billing.templatetags.billing import qty


@pytest.mark.parametrize(
    ("amount", "places", "shown"),
    [
        (Decimal("-0.004"), 2, "0"),  # rounds to zero: no "-0" that reads as a sign error
        (Decimal("-0.005"), 2, "-0.01"),
        (Decimal("1234.500"), 3, "1,234.5"),
        (0.1 + 0.2, 3, "0.3"),
        (None, 2, "—"),
    ],
)
def test_quantities_are_rounded_without_trailing_zeros_or_a_negative_zero(
    amount: Decimal | float | None, places: int, shown: str
) -> None:
    assert qty(amount, places) == shown
