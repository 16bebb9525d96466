"""The Tencent API call log page: every attempt the gateway (tencent/) recorded, filtered and paginated.

The gateway writes the log (tencent/calllog.py); reading it is the console's, like the audit log beside it.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dashboard.access import Capability, requires
from dashboard.listing import paginate, render_list
from dashboard.timezones import within_days
from tencent.models import ApiCall, ApiCallQuerySet


class CallFilterForm(forms.Form):
    action = forms.ChoiceField(required=False, label=pgettext_lazy("tencent api call", "Action"))
    outcome = forms.ChoiceField(
        required=False, label=_("Outcome"), choices=[("", _("Any outcome")), *ApiCall.Outcome.choices]
    )
    session = forms.IntegerField(
        required=False,
        min_value=1,
        label=_("Session id"),
        widget=forms.NumberInput(attrs={"placeholder": _("e.g. 42")}),
    )
    since = forms.DateField(required=False, label=_("Since"), widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, label=_("Until"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        actions = ApiCall.objects.order_by("action").values_list("action", flat=True).distinct()
        self.fields["action"].choices = [("", _("Any action")), *((a, a) for a in actions)]  # type: ignore[attr-defined]

    def filter(self, calls: ApiCallQuerySet) -> ApiCallQuerySet:
        """`calls` narrowed by the valid filters (an invalid form filters nothing and shows its errors)."""
        if not self.is_valid():
            return calls
        data = self.cleaned_data
        if data["action"]:
            calls = calls.filter(action=data["action"])
        if data["outcome"]:
            calls = calls.filter(outcome=data["outcome"])
        if data["session"]:
            calls = calls.filter(session_id=data["session"])
        calls = calls.filter(within_days("started_at", data["since"], data["until"]))
        return calls


@requires(Capability.VIEW_AUDIT)
def call_list(request: HttpRequest) -> HttpResponse:
    form = CallFilterForm(request.GET or None)
    calls = form.filter(ApiCall.objects.listing())
    return render_list(
        request, "dashboard/call_list.html", {"form": form, "page": paginate(request, calls, 50)}
    )
