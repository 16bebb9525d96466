"""The capacity calendar: the coming weeks' booked recordings against the CAR concurrency owned, and the pack
mix to buy for next month."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing.capacity import days_from_peaks, packs_for_peaks
from billing.capacity_data import booked_ranges, owned_concurrency
from billing.deployment import deployment_context
from billing.estimator.timeline import BILLING_TZ
from billing.report_data import month_bounds
from billing.services import NoPriceBookError, price_book_for
from dashboard.access import Capability, requires

CALENDAR_DAYS = 28


class OwnedForm(forms.Form):
    owned = forms.IntegerField(
        label=_("Concurrency owned"),
        min_value=0,
        max_value=100_000,
        required=False,
        help_text=_("Used when CAR cannot be asked."),
    )


@requires(Capability.VIEW_COSTS)
def capacity(request: HttpRequest) -> HttpResponse:
    form = OwnedForm(request.GET)
    entered = form.cleaned_data["owned"] if form.is_valid() else None
    owned = owned_concurrency()
    count = owned.count if owned.count is not None else entered

    now = timezone.now()
    today = now.astimezone(BILLING_TZ).date()
    days = [today + timedelta(days=i) for i in range(CALENDAR_DAYS)]
    next_month = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    lo, hi = month_bounds(next_month)
    month_days = [next_month + timedelta(days=i) for i in range((hi - lo).days)]
    booked = booked_ranges([days, month_days], now=now)
    calendar_peaks, month_peaks = booked.peaks
    calendar = days_from_peaks(calendar_peaks, days, count)

    specs = sorted({spec for day in calendar for spec in day.peaks})
    context: dict[str, object] = {
        "form": form,
        "owned": owned,
        "owned_count": count,
        "calendar": calendar,
        "specs": specs,
        "rows": [(day, [day.peaks.get(spec, 0) for spec in specs]) for day in calendar],
        "over_days": sum(1 for day in calendar if day.over),
        "next_month": next_month,
        "booked_at": booked.computed_at,
    }
    try:
        book = price_book_for(next_month)
    except NoPriceBookError as exc:
        context["book_error"] = str(exc)
    else:
        region = deployment_context().car_region
        context["book"] = book
        context["car_region"] = region
        context["recommendation"] = packs_for_peaks(month_peaks, book.typed.car_packs[region])
    return render(request, "billing/capacity.html", context)
