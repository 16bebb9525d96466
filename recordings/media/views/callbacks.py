"""The CSS callback endpoint (no login, no CSRF: CSS authenticates with t/sign) and the stored-events list."""

from __future__ import annotations

import logging
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from dashboard.access import Capability, current_user, has_capability, requires
from dashboard.jsonbody import BadJsonBody, request_body
from dashboard.listing import paginate, render_list
from dashboard.observability import metrics
from recordings.media.services import callbacks
from recordings.models import CallbackEventType, CallbackState, CssCallbackEvent
from tencent.signing import CallbackRejected, verify_css_callback

logger = logging.getLogger(__name__)
# The callback log is the fastest-growing table (every CSS callback): its page counts at most this many rows,
# like the recordings and files lists, and says "more than" beyond.
LIST_COUNT_CAP = 10_000


def _count(**labels: Any) -> None:
    try:
        metrics.callback(**labels)
    except Exception:  # counting must never turn an answered callback into an error
        logger.exception("Could not count a CSS callback")


def _refused(status: int, result: str, message: str) -> JsonResponse:
    _count(event_type="other", result=result)
    return JsonResponse({"code": status, "message": message}, status=status)


@csrf_exempt
@require_POST
def css_callback(request: HttpRequest) -> HttpResponse:
    """Verify, store once and answer (the body parsed once); an RQ job applies the event (services.callbacks)."""
    try:
        body = request_body(request)
        payload = callbacks.parse_body(body)
    except (BadJsonBody, callbacks.MalformedCallback) as exc:
        return _refused(400, "malformed", str(exc))
    try:
        verify_css_callback(payload=payload, key=settings.CSS_CALLBACK_KEY)
    except CallbackRejected as exc:
        return _refused(403, "rejected", str(exc))
    try:
        callbacks.refuse_reused_signature(payload)
    except callbacks.SignatureReused as exc:
        return _refused(409, "reused", str(exc))
    event_id, created = callbacks.css_callback_receive(
        payload=payload, raw_body=body.decode("utf-8", errors="replace")
    )
    happened = callbacks.event_time(payload)
    _count(
        event_type=callbacks.event_type_of(payload),
        result="stored" if created else "duplicate",
        lag_seconds=(timezone.now() - happened).total_seconds() if happened else None,
    )
    return JsonResponse({"code": 0, "event": event_id, "duplicate": not created})


class CallbackFilterForm(forms.Form):
    event_type = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("Any type")), *CallbackEventType.choices],
        label=_("Event type"),
    )
    unknown = forms.BooleanField(required=False, label=_("Unknown types only"))
    state = forms.ChoiceField(
        required=False, choices=[("", _("Any state")), *CallbackState.choices], label=_("State")
    )
    stream = forms.CharField(required=False, max_length=128, label=_("Stream"))


@requires(Capability.VIEW_AUDIT)
def callback_event_list(request: HttpRequest) -> HttpResponse:
    form = CallbackFilterForm(request.GET or None)
    events = CssCallbackEvent.objects.listing().visible_to(request.user)
    if form.is_valid():
        data = form.cleaned_data
        if data["event_type"] is not None:
            events = events.filter(event_type=data["event_type"])
        if data["unknown"]:
            events = events.filter(state=CallbackState.UNKNOWN)
        if data["state"]:
            events = events.filter(state=data["state"])
        if data["stream"]:
            events = events.filter(stream_name=data["stream"])
    return render_list(
        request,
        "recordings/callback_events.html",
        {"form": form, "page": paginate(request, events, 50, count_cap=LIST_COUNT_CAP)},
    )


@requires(Capability.VIEW_AUDIT)
def callback_event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(CssCallbackEvent.objects.visible_to(request.user), pk=pk)
    can_operate = has_capability(request.user, Capability.OPERATE_RECORDINGS)
    return render(request, "recordings/callback_event.html", {"event": event, "can_operate": can_operate})


@requires(Capability.OPERATE_RECORDINGS)
@require_POST
def callback_event_replay(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(CssCallbackEvent.objects.visible_to(request.user), pk=pk)
    event = callbacks.css_callback_replay(event_id=event.pk, actor=current_user(request))
    messages.success(
        request,
        gettext("Event #%(pk)d applied again: %(state)s.")
        % {"pk": event.pk, "state": event.get_state_display().lower()},
    )
    return redirect("recordings:callback_event_detail", pk=event.pk)
