"""Demo budgets for the demo client apps (the price book itself is seeded by migration). Idempotent."""

from __future__ import annotations

from decimal import Decimal

from billing.models import Budget
from recordings.models import ClientApp

# app name → (monthly limit USD, block manual starts once exceeded)
DEMO_BUDGETS = {
    "Gift effects (Android)": (Decimal(500), True),
    "Whiteboard (Windows)": (Decimal(2500), False),
}


def seed() -> list[str]:
    lines: list[str] = []
    for app in ClientApp.objects.filter(name__in=DEMO_BUDGETS):
        amount, block = DEMO_BUDGETS[app.name]
        _, created = Budget.objects.get_or_create(
            app=app, month=None, defaults={"amount_usd": amount, "block_manual_starts": block}
        )
        if created:
            lines.append(f"budget: {app.name}, {amount} USD every month")
    return lines
