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

PAGE_SIZE = 25


def paginate(request: HttpRequest, queryset: QuerySet[Any], per_page: int = PAGE_SIZE) -> Page:
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


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
