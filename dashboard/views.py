from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.views import i18n as django_i18n
from django.views.decorators.http import require_POST

from dashboard import services
from dashboard.access import Capability, capabilities_of, current_user, requires
from dashboard.api import authenticate_token, json_response
from dashboard.forms import ApiTokenForm, AuditFilterForm, LanguageSwitchForm, ProfileForm
from dashboard.listing import paginate, render_list
from dashboard.middleware import remember_language, remember_time_zone
from dashboard.models import ApiToken, AuditEntry, Profile
from dashboard.openapi import openapi_document
from dashboard.overview import collect_panels
from dashboard.timezones import within_days


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "dashboard/overview.html",
        {"panels": collect_panels(request.user), "capabilities": capabilities_of(request.user)},
    )


@requires(Capability.VIEW_AUDIT)
def audit_log(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    entries = AuditEntry.objects.listing()
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            entries = entries.filter(
                Q(object_repr__icontains=data["q"]) | Q(action__icontains=data["q"]) | Q(object_id=data["q"])
            )
        if data["actor"]:
            entries = entries.filter(actor=data["actor"])
        if data["action"]:
            entries = entries.filter(action=data["action"])
        if data["object_type"]:
            entries = entries.filter(object_type=data["object_type"])
        entries = entries.filter(within_days("at", data["since"], data["until"]))
    return render_list(
        request, "dashboard/audit_log.html", {"form": form, "page": paginate(request, entries, 50)}
    )


@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None)
    new_secret = None
    if request.method == "POST" and form.is_valid():
        token, new_secret = services.api_token_create(
            user=current_user(request), name=form.cleaned_data["name"]
        )
        messages.success(
            request,
            gettext("Token “%(name)s” created. Copy it now: it will not be shown again.")
            % {"name": token.name},
        )
        form = ApiTokenForm()
    tokens = ApiToken.objects.filter(user=current_user(request))
    return render(
        request, "dashboard/tokens.html", {"form": form, "tokens": tokens, "new_secret": new_secret}
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, user=current_user(request))
    services.api_token_revoke(token=token, actor=current_user(request))
    messages.success(request, gettext("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("token_list")


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    initial = {"time_zone": Profile.time_zone_of(user), "language": Profile.language_of(user)}
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        zone, language = form.cleaned_data["time_zone"], form.cleaned_data["language"]
        services.profile_update(user=user, time_zone=zone, language=language)
        remember_time_zone(request, zone)
        remember_language(request, language)
        # The confirmation is already written in the newly chosen language.
        translation.activate(language or translation.get_language_from_request(request))
        if zone:
            messages.success(request, gettext("Times are now shown in %(zone)s.") % {"zone": zone})
        else:
            messages.success(
                request,
                gettext("Times are now shown in the console's zone (%(zone)s).")
                % {"zone": settings.TIME_ZONE},
            )
        return redirect("profile")
    return render(request, "dashboard/profile.html", {"form": form, "now": timezone.now()})


@require_POST
def language_switch(request: HttpRequest) -> HttpResponse:
    """The top bar's switcher: signed in, the choice is saved to the profile; in every case Django's set_language
    sets the language cookie (it lasts past the session) and redirects back to `next`."""
    form = LanguageSwitchForm(request.POST)
    if form.is_valid() and request.user.is_authenticated:
        language = form.cleaned_data["language"]
        services.profile_update(user=current_user(request), language=language)
        remember_language(request, language)
    return django_i18n.set_language(request)


def openapi_json(request: HttpRequest) -> HttpResponse:
    # The console's users (session) and the business backend's code generators (an API token) may read it.
    if not request.user.is_authenticated and authenticate_token(request) is None:
        return redirect_to_login(request.get_full_path())
    return json_response(openapi_document())


@login_required
def api_docs(request: HttpRequest) -> HttpResponse:
    return render(request, "dashboard/api_docs.html", {"doc": openapi_document()})


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", {"reason": str(exception or "")}, status=403)
