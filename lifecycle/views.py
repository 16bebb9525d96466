"""The console's storage lifecycle pages: the Storage page, the policy forms of a client app and a room (with a
preview of the unsaved policy), legal holds placed and lifted, and the retry of a failed lifecycle action."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST
from redis.exceptions import RedisError

from billing.services import NoPriceBookError
from dashboard.access import Capability, current_user, has_capability, requires
from lifecycle.forms import INHERIT, OVERRIDE, LegalHoldForm, RetentionPolicyForm, RoomPolicyForm
from lifecycle.models import FileLifecycle, LegalHold, RetentionPolicy
from lifecycle.preview import retention_preview
from lifecycle.retry import file_lifecycle_retry
from lifecycle.services import (
    POLICY_FIELDS,
    legal_hold_lift,
    legal_hold_place,
    retention_policy_remove,
    retention_policy_save,
)
from lifecycle.summary import storage_summary
from recordings.models import ClientApp, RecordingFile, RecordingSession, Room, files_visible_to

logger = logging.getLogger(__name__)


@requires(Capability.VIEW_RECORDINGS)
def storage(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "lifecycle/storage.html",
        {
            "summary": storage_summary(),
            "can_manage": has_capability(request.user, Capability.MANAGE_RETENTION),
            "can_hold": has_capability(request.user, Capability.HOLD_FILES),
        },
    )


def _policy_page(
    request: HttpRequest, form: RetentionPolicyForm, context: dict[str, Any], *, preview: bool
) -> HttpResponse:
    """The policy form; with `preview`, what the unsaved policy would do (htmx: that part alone)."""
    result, problem = None, ""
    status = 400 if form.is_bound and not form.is_valid() else 200
    if preview and status == 200:
        try:
            result = retention_preview(policy=context["unsaved"](form))
        except NoPriceBookError as exc:
            problem = str(exc)
    context = {**context, "form": form, "preview": result, "preview_problem": problem, "previewed": preview}
    template = "lifecycle/policy_form.html"
    if preview and request.headers.get("HX-Request"):
        # htmx swaps only 2xx answers: the errors travel in the preview part itself.
        template, status = f"{template}#preview", 200
    return render(request, template, context, status=status)


@requires(Capability.VIEW_CATALOG)
@require_http_methods(["GET", "POST"])
def app_policy(request: HttpRequest, pk: int, preview: bool = False) -> HttpResponse:
    app = get_object_or_404(ClientApp, pk=pk)
    can_manage = has_capability(request.user, Capability.MANAGE_RETENTION)
    if request.method == "POST" and not can_manage:
        raise PermissionDenied(gettext("Your role may not set retention policies."))
    saved = RetentionPolicy.objects.filter(client_app=app, room=None).first()
    instance = saved or RetentionPolicy(client_app=app)
    form = RetentionPolicyForm(request.POST if request.method == "POST" else None, instance=instance)
    if request.method == "POST" and not preview and form.is_valid():
        try:
            retention_policy_save(client_app=app, data=form.data_for_service(), actor=current_user(request))
        except ValidationError as exc:  # a rule the model checks in full_clean only (cannot happen today)
            form.add_error(None, exc)
        else:
            messages.success(request, gettext("Retention policy of %(app)s saved.") % {"app": app.name})
            return redirect("recordings:app_detail", app.pk)
    return _policy_page(
        request,
        form,
        {
            "app": app,
            "saved": saved,
            "can_manage": can_manage,
            "preview_url": reverse("lifecycle:app_policy_preview", args=[app.pk]),
            "unsaved": lambda bound: bound.instance,
        },
        preview=preview,
    )


def _room_unsaved(room: Room, app_policy: RetentionPolicy | None) -> Any:
    def unsaved(form: RoomPolicyForm) -> RetentionPolicy:
        # A GET of the preview URL previews the saved state (the form is unbound: no cleaned_data).
        mode = form.cleaned_data["mode"] if form.is_bound else form.initial["mode"]
        if mode == OVERRIDE:
            return form.instance
        # Inheriting: the app's days applied to this room's files (none: kept forever, nothing happens).
        values = {name: getattr(app_policy, name) if app_policy else None for name in POLICY_FIELDS}
        return RetentionPolicy(room=room, **values)

    return unsaved


@requires(Capability.VIEW_CATALOG)
@require_http_methods(["GET", "POST"])
def room_policy(request: HttpRequest, pk: int, preview: bool = False) -> HttpResponse:
    room = get_object_or_404(Room.objects.select_related("client_app"), pk=pk)
    can_manage = has_capability(request.user, Capability.MANAGE_RETENTION)
    if request.method == "POST" and not can_manage:
        raise PermissionDenied(gettext("Your role may not set retention policies."))
    saved = RetentionPolicy.objects.filter(room=room).first()
    app_policy = RetentionPolicy.objects.filter(client_app_id=room.client_app_id, room=None).first()
    form = RoomPolicyForm(
        request.POST if request.method == "POST" else None,
        instance=saved or RetentionPolicy(room=room),
        initial={"mode": OVERRIDE if saved else INHERIT},
    )
    if request.method == "POST" and not preview and form.is_valid():
        actor = current_user(request)
        if form.cleaned_data["mode"] == INHERIT:
            retention_policy_remove(room=room, actor=actor)
            messages.success(
                request, gettext("%(room)s now follows its client app's policy.") % {"room": room.name}
            )
            return redirect("recordings:room_detail", room.pk)
        try:
            retention_policy_save(room=room, data=form.data_for_service(), actor=actor)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, gettext("Retention policy of %(room)s saved.") % {"room": room.name})
            return redirect("recordings:room_detail", room.pk)
    return _policy_page(
        request,
        form,
        {
            "room": room,
            "saved": saved,
            "app_policy": app_policy,
            "can_manage": can_manage,
            "preview_url": reverse("lifecycle:room_policy_preview", args=[room.pk]),
            "unsaved": _room_unsaved(room, app_policy),
        },
        preview=preview,
    )


def _hold_target(request: HttpRequest, kind: str, pk: int) -> tuple[str, Model]:
    if kind == "file":
        files = files_visible_to(request.user, RecordingFile.objects.present())
        return kind, get_object_or_404(files.select_related("room"), pk=pk)
    if kind == "session":
        return kind, get_object_or_404(RecordingSession.objects.select_related("room"), pk=pk)
    if kind == "room":
        return kind, get_object_or_404(Room, pk=pk)
    raise Http404(kind)


def _target_url(kind: str, target: Model) -> str:
    names = {
        "file": "recordings:file_detail",
        "session": "recordings:session_detail",
        "room": "recordings:room_detail",
    }
    return reverse(names[kind], args=[target.pk])


def _back(request: HttpRequest, default: str) -> HttpResponseRedirect:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(target)
    return HttpResponseRedirect(default)


@requires(Capability.HOLD_FILES)
@require_http_methods(["GET", "POST"])
def hold_place(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    kind, target = _hold_target(request, kind, pk)
    form = LegalHoldForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        legal_hold_place(
            **{kind: target},  # type: ignore[arg-type]  # _hold_target pairs each kind with its model
            reason=form.cleaned_data["reason"],
            until=form.cleaned_data["until"],
            actor=current_user(request),
        )
        messages.success(request, gettext("Legal hold placed on %(target)s.") % {"target": target})
        return _back(request, _target_url(kind, target))
    status = 400 if form.is_bound else 200
    context = {"form": form, "kind": kind, "target": target, "target_url": _target_url(kind, target)}
    return render(request, "lifecycle/hold_form.html", context, status=status)


@requires(Capability.HOLD_FILES)
@require_POST
def hold_lift(request: HttpRequest, pk: int) -> HttpResponse:
    hold = get_object_or_404(LegalHold.objects.active(), pk=pk)
    legal_hold_lift(hold=hold, actor=current_user(request))
    messages.success(request, gettext("Legal hold lifted: %(reason)s") % {"reason": hold.reason})
    return _back(request, reverse("lifecycle:storage"))


@requires(Capability.MANAGE_RETENTION)
@require_POST
def failure_retry(request: HttpRequest, pk: int) -> HttpResponse:
    state = get_object_or_404(FileLifecycle.objects.exclude(last_error="").select_related("file"), pk=pk)
    try:
        file_lifecycle_retry(state=state, actor=current_user(request))
    except RedisError:
        logger.exception("Could not queue the retention of file %s", state.file_id)
        messages.error(request, gettext("The retry could not be queued: the job queue is unreachable."))
        return _back(request, reverse("lifecycle:storage"))
    messages.success(
        request,
        gettext("Retry of %(file)s queued: it leaves this list once Tencent accepts.") % {"file": state.file},
    )
    return _back(request, reverse("lifecycle:storage"))
