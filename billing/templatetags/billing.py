from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django import template

from billing.charts import component_label
from billing.estimator.output import cents
from billing.regions import region_label

register = template.Library()


@register.filter
def usd(amount: Decimal | float | int | None) -> str:
    """Money for people: rounded to cents, thousands separated, e.g. $1,234.56."""
    if amount is None:
        return "—"
    value = cents(Decimal(str(amount)))
    sign = "-" if value < 0 else ""
    return f"{sign}${abs(value):,.2f}"


@register.filter
def qty(amount: Decimal | float | int | None, places: int = 3) -> str:
    """A quantity with at most `places` decimals and no trailing zeros (GB, Mbps, ratios)."""
    if amount is None:
        return "—"
    value = Decimal(str(amount)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP).normalize()
    if value.is_zero():  # a small negative difference rounds to -0, which reads as a sign error
        value = value.copy_abs()
    return f"{value:,f}"


@register.filter
def region(key: str) -> str:
    """A price book's region key (singapore, AP1, mainland…) as people read it, in the active language."""
    return str(region_label(key))


@register.filter
def component(name: str) -> str:
    """A cost component's English key (CAR packs, Storage, Total…) as the active language names it."""
    return component_label(name)
