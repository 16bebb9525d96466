from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from dashboard.access import Capability, current_user, requires
from tencent.forms import CloudSetupForm
from tencent.setup import tencent_setup_run


@requires(Capability.OPERATE_RECORDINGS)
@require_http_methods(["GET", "POST"])
def cloud_setup(request: HttpRequest) -> HttpResponse:
    """The setup doctor: GET checks the account, POST creates what is missing (then shows the checks again)."""
    form = CloudSetupForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "tencent/cloud_setup.html", {"form": form, "report": None}, status=400)
        report = tencent_setup_run(apply=True, force=form.cleaned_data["force"], actor=current_user(request))
        created = [
            _("%(check)s: %(created)s") % {"check": check.name, "created": check.created}
            for check in report.checks
            if check.created
        ]
        messages.success(
            request,
            _("Created %(what)s.") % {"what": "; ".join(created)} if created else _("Nothing was missing."),
        )
        return redirect("tencent:cloud_setup")
    return render(request, "tencent/cloud_setup.html", {"form": form, "report": tencent_setup_run()})
