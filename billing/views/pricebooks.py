"""Price books: list, detail (with the changes from the previous version) and "new version from current"."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext

from billing.documents import price_changes
from billing.forms import CSS_REGION_LABELS, PriceBookForm
from billing.list_prices import LIST_PRICES_2024
from billing.models import PriceBook
from billing.services import price_book_create
from dashboard.access import Capability, current_user, has_capability, requires
from dashboard.params import ascii_int


@requires(Capability.VIEW_COSTS)
def pricebook_list(request: HttpRequest) -> HttpResponse:
    books = PriceBook.objects.select_related("created_by")
    in_effect = PriceBook.objects.in_effect(timezone.localdate())
    return render(
        request,
        "billing/pricebook_list.html",
        {
            "books": books,
            "in_effect": in_effect,
            "can_edit": has_capability(request.user, Capability.EDIT_PRICES),
        },
    )


@requires(Capability.VIEW_COSTS)
def pricebook_detail(request: HttpRequest, pk: int) -> HttpResponse:
    book = get_object_or_404(PriceBook.objects.select_related("created_by"), pk=pk)
    previous = PriceBook.objects.filter(version__lt=book.version).order_by("-version").first()
    return render(
        request,
        "billing/pricebook_detail.html",
        {
            "book": book,
            "prices": book.typed,
            "cos_rows": [
                (
                    region,
                    book.typed.cos_storage["STANDARD"][region],
                    book.typed.cos_storage["STANDARD_IA"][region],
                )
                for region in book.typed.cos_regions
            ],
            "css_labels": CSS_REGION_LABELS,
            "previous": previous,
            "changes": price_changes(previous.prices, book.prices) if previous else {},
            "can_edit": has_capability(request.user, Capability.EDIT_PRICES),
        },
    )


@requires(Capability.EDIT_PRICES)
def pricebook_create(request: HttpRequest) -> HttpResponse:
    base_pk = ascii_int(request.GET.get("from"))
    base = (
        get_object_or_404(PriceBook, pk=base_pk)
        if base_pk is not None
        else PriceBook.objects.in_effect(timezone.localdate())
    )
    initial = {"name": base.name if base else "", "effective_from": timezone.localdate().replace(day=1)}
    form = PriceBookForm(
        request.POST or None, initial=initial, base_prices=base.prices if base else LIST_PRICES_2024
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            book = price_book_create(
                name=data["name"],
                effective_from=data["effective_from"],
                notes=data["notes"],
                prices=data["prices"],
                based_on=base,
                actor=current_user(request),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, gettext("Price book version %(version)s created.") % {"version": book.version}
            )
            return redirect("billing:pricebook_detail", pk=book.pk)
    return render(request, "billing/pricebook_form.html", {"form": form, "base": base})
