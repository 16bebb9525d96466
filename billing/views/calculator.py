"""The what-if calculator: edit a month's plan, see its estimate (htmx re-renders the breakdown in place)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone

from billing.charts import PushDayRow, components_chart, figure_html, push_days_chart
from billing.forms import (
    MAX_RECORDINGS,
    MonthField,
    PlanForm,
    RecordingFormSet,
    default_plan,
    default_recording,
    flag_recordings_outside_month,
)
from billing.policy import StoragePlan, storage_plan_named
from billing.services import NoPriceBookError, PricedEstimate, estimate_plan
from dashboard.access import Capability, requires
from dashboard.params import ascii_int

PREFIX = "rec"
POLICY_FIELDS = ("standard_ia_after_days", "archive_after_days", "deep_archive_after_days", "retention_days")


def _as_data(values: dict[str, Any], prefix: str = "") -> dict[str, list[str]]:
    """Form values as the strings a browser would post."""
    data: dict[str, list[str]] = {}
    for name, value in values.items():
        key = f"{prefix}{name}"
        if isinstance(value, list):
            data[key] = [str(v) for v in value]
        elif isinstance(value, date) and not hasattr(value, "hour"):
            data[key] = [value.strftime("%Y-%m")]
        elif hasattr(value, "hour"):
            data[key] = [timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")]
        else:
            data[key] = [str(value)]
    return data


def _query_dict(values: dict[str, list[str]]) -> QueryDict:
    data = QueryDict(mutable=True)
    for key, items in values.items():
        data.setlist(key, items)
    return data


def initial_data(today: date, storage: StoragePlan | None = None) -> QueryDict:
    plan = default_plan(today)
    values = _as_data(plan)
    values.update(_as_data(default_recording(plan["month"], storage), f"{PREFIX}-0-"))
    values.update({f"{PREFIX}-TOTAL_FORMS": ["1"], f"{PREFIX}-INITIAL_FORMS": ["0"]})
    return _query_dict(values)


def with_row_edits(post: QueryDict) -> QueryDict:
    """Apply the "Add recording" / "Remove" buttons: renumber the kept rows, append a default row."""
    try:
        total = max(0, min(int(post.get(f"{PREFIX}-TOTAL_FORMS", "0")), MAX_RECORDINGS))
    except ValueError:
        total = 0
    keep = list(range(total))
    removed = ascii_int(post.get("remove_row"))
    if removed is not None and removed in keep:
        keep.remove(removed)
    values: dict[str, list[str]] = {
        key: post.getlist(key)
        for key in post
        if not key.startswith(f"{PREFIX}-") and key not in {"add_row", "remove_row"}
    }
    for new, old in enumerate(keep):
        old_prefix = f"{PREFIX}-{old}-"
        for key in post:
            if key.startswith(old_prefix):
                values[f"{PREFIX}-{new}-{key[len(old_prefix) :]}"] = post.getlist(key)
    count = len(keep)
    if "add_row" in post and count < MAX_RECORDINGS:
        try:
            month = MonthField().clean(post.get("month", ""))
        except forms.ValidationError:  # an invalid month still gets a row, in the current month
            month = None
        values.update(
            _as_data(default_recording(month or timezone.localdate().replace(day=1)), f"{PREFIX}-{count}-")
        )
        if count:  # a new row's files live under the same retention policy as the row above
            for name in POLICY_FIELDS:
                values[f"{PREFIX}-{count}-{name}"] = values.get(f"{PREFIX}-{count - 1}-{name}", [""])
        count += 1
    values.update({f"{PREFIX}-TOTAL_FORMS": [str(count)], f"{PREFIX}-INITIAL_FORMS": ["0"]})
    return _query_dict(values)


def _charts(priced: PricedEstimate) -> list[str]:
    result = priced.estimate
    components = [
        ("CAR packs", result.car.cost),
        ("Push (upstream)", result.push.cost),
        ("Playback", result.playback_cost),
        ("Recording", result.recording.cost),
        ("Storage", result.storage_cost),
    ]
    days = [
        PushDayRow(d.day, d.upstream_gb, d.downstream_gb, d.peak_upstream_mbps, d.billed)
        for d in result.push.days
    ]
    min_peak = priced.price_book.typed.push_min_peak_mbps
    return [figure_html(components_chart(components)), figure_html(push_days_chart(days, min_peak))]


@requires(Capability.VIEW_COSTS)
def calculator(request: HttpRequest) -> HttpResponse:
    data = (
        with_row_edits(request.POST)
        if request.method == "POST"
        # ?app=<id> or ?room=<room key>: the first row's files live under that app's or room's retention policy.
        else initial_data(
            timezone.localdate(),
            storage_plan_named(
                app_id=ascii_int(request.GET.get("app")), room_key=request.GET.get("room", "")
            ),
        )
    )
    plan_form = PlanForm(data)
    formset = RecordingFormSet(data, prefix=PREFIX)
    priced: PricedEstimate | None = None
    problem = ""
    if plan_form.is_valid() and formset.is_valid():
        forms_ = [form for form in formset.forms if form.cleaned_data]
        plan = plan_form.to_input([form.to_planned() for form in forms_])
        if flag_recordings_outside_month(plan, forms_):
            try:
                priced = estimate_plan(plan=plan)
            except NoPriceBookError as exc:
                problem = str(exc)
    context: dict[str, Any] = {
        "plan_form": plan_form,
        "formset": formset,
        "priced": priced,
        "problem": problem,
        "policy_fields": [*POLICY_FIELDS, "playback_gb"],  # drawn together in one narrow cell
        "charts": _charts(priced) if priced else [],
        "push_days_with_upstream": [d for d in priced.estimate.push.days if d.upstream_gb > 0]
        if priced
        else [],
    }
    template = "billing/calculator.html"
    target = request.headers.get("HX-Target") if request.headers.get("HX-Request") else None
    if target in {"estimate", "calculator"}:
        template = f"{template}#{target}"
    return render(request, template, context)
