"""Webhook pages for operators: endpoints, each with its delivery log, Redeliver and Send test event."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dashboard.access import Capability, current_user, requires
from dashboard.listing import paginate
from webhooks import services
from webhooks.forms import EndpointForm
from webhooks.models import WebhookDelivery, WebhookEndpoint

SECRET_SESSION_KEY = "webhooks:new_secret"


def _save(
    request: HttpRequest, form: EndpointForm, endpoint: WebhookEndpoint | None
) -> WebhookEndpoint | None:
    if not form.is_valid():
        return None
    try:
        if endpoint is None:
            return services.endpoint_create(data=form.to_input(), actor=current_user(request))
        return services.endpoint_update(endpoint=endpoint, data=form.to_input(), actor=current_user(request))
    except services.EndpointInvalid as exc:
        form.add_error(exc.field, exc.message)
        return None


@requires(Capability.MANAGE_WEBHOOKS)
def endpoint_list(request: HttpRequest) -> HttpResponse:
    endpoints = WebhookEndpoint.objects.select_related("client_app")
    return render(request, "webhooks/endpoint_list.html", {"endpoints": endpoints})


@requires(Capability.MANAGE_WEBHOOKS)
def endpoint_create(request: HttpRequest) -> HttpResponse:
    form = EndpointForm(data=request.POST if request.method == "POST" else None)
    if request.method == "POST":
        endpoint = _save(request, form, None)
        if endpoint is not None:
            # Shown once, on the next page, then dropped from the session.
            request.session[SECRET_SESSION_KEY] = endpoint.secret
            messages.success(request, _("Webhook endpoint added."))
            return redirect("webhooks:endpoint_detail", pk=endpoint.pk)
    return render(request, "webhooks/endpoint_form.html", {"form": form, "endpoint": None})


@requires(Capability.MANAGE_WEBHOOKS)
def endpoint_edit(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    form = EndpointForm.for_endpoint(endpoint, request.POST if request.method == "POST" else None)
    if request.method == "POST" and _save(request, form, endpoint) is not None:
        messages.success(request, _("Webhook endpoint saved."))
        return redirect("webhooks:endpoint_detail", pk=endpoint.pk)
    return render(request, "webhooks/endpoint_form.html", {"form": form, "endpoint": endpoint})


@requires(Capability.MANAGE_WEBHOOKS)
def endpoint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = get_object_or_404(WebhookEndpoint.objects.select_related("client_app"), pk=pk)
    deliveries = endpoint.deliveries.select_related("event").prefetch_related("attempt_log")
    page = paginate(request, deliveries, per_page=25)
    return render(
        request,
        "webhooks/endpoint_detail.html",
        {"endpoint": endpoint, "page": page, "new_secret": request.session.pop(SECRET_SESSION_KEY, None)},
    )


@require_POST
@requires(Capability.MANAGE_WEBHOOKS)
def endpoint_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    request.session[SECRET_SESSION_KEY] = services.endpoint_rotate_secret(
        endpoint=endpoint, actor=current_user(request)
    )
    messages.success(request, _("New secret made; the old one keeps signing alongside it for 24 hours."))
    return redirect("webhooks:endpoint_detail", pk=pk)


@require_POST
@requires(Capability.MANAGE_WEBHOOKS)
def endpoint_test(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    services.endpoint_send_test(endpoint=endpoint, actor=current_user(request))
    messages.success(request, _("Test event queued; its delivery appears below."))
    return redirect("webhooks:endpoint_detail", pk=pk)


@require_POST
@requires(Capability.MANAGE_WEBHOOKS)
def endpoint_delete(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    services.endpoint_delete(endpoint=endpoint, actor=current_user(request))
    messages.success(request, _("Webhook endpoint deleted."))
    return redirect("webhooks:endpoint_list")


@require_POST
@requires(Capability.MANAGE_WEBHOOKS)
def delivery_redeliver(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = get_object_or_404(WebhookDelivery.objects.select_related("event", "endpoint"), pk=pk)
    services.delivery_redeliver(delivery=delivery, actor=current_user(request))
    messages.success(
        request, _("%(event)s queued again with the same webhook-id.") % {"event": delivery.event.type}
    )
    return redirect("webhooks:endpoint_detail", pk=delivery.endpoint_id)
