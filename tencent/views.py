from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from dashboard.access import Capability, requires
from dashboard.listing import paginate, render_list
from tencent.forms import CallFilterForm
from tencent.models import ApiCall


@requires(Capability.VIEW_AUDIT)
def call_list(request: HttpRequest) -> HttpResponse:
    form = CallFilterForm(request.GET or None)
    calls = form.filter(ApiCall.objects.listing())
    return render_list(
        request, "tencent/call_list.html", {"form": form, "page": paginate(request, calls, 50)}
    )
