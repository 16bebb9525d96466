"""Shared pieces of every list page: pagination and the htmx partial swap.

A list page renders `<template>` in full for a normal request and only its `results` partial for an htmx
request (the filter form targets `#results` and pushes the URL), so the same page works with and without JS.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import cached_property

PAGE_SIZE = 25


class CappedPaginator(Paginator):
    """Counts at most `cap` rows (`SELECT COUNT(*) FROM (… LIMIT cap + 1)`): on a list of 200,000 files the exact
    count costs more than the page itself. Beyond the cap the pagination says "more than cap" and offers the
    pages up to it; filters narrow the rest."""

    def __init__(self, object_list: Any, per_page: int, cap: int) -> None:
        super().__init__(object_list, per_page)
        self.cap = cap

    @cached_property
    def count(self) -> int:
        if isinstance(self.object_list, QuerySet):
            return self.object_list[: self.cap + 1].count()
        return len(self.object_list)

    @property
    def capped(self) -> bool:
        return self.count > self.cap

    @cached_property
    def num_pages(self) -> int:
        return max(1, -(-min(self.count, self.cap) // self.per_page))


def paginate(
    request: HttpRequest, queryset: QuerySet[Any], per_page: int = PAGE_SIZE, count_cap: int | None = None
) -> Page:
    paginator = (
        Paginator(queryset, per_page) if count_cap is None else CappedPaginator(queryset, per_page, count_cap)
    )
    return paginator.get_page(request.GET.get("page"))


def query_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def render_list(
    request: HttpRequest, template: str, context: dict[str, Any], partial: str = "results"
) -> HttpResponse:
    context.setdefault("querystring", query_without_page(request))
    target = request.headers.get("HX-Target", "") if request.htmx else ""  # type: ignore[attr-defined]
    if target == partial:
        return render(request, f"{template}#{partial}", context)
    return render(request, template, context, status=filter_status(context.get("form")))


def filter_status(form: Any) -> int:
    """400 for a full page whose filter form was refused (it shows the form's errors and the unfiltered list).

    Only full pages: htmx does not swap a 4xx answer, so its partial keeps 200 and shows the list.
    """
    if isinstance(form, forms.BaseForm) and form.is_bound and not form.is_valid():
        return 400
    return 200
