"""Recording pages: the list (filters, live-updating states), a session's page (progress, timeline, Tencent
calls, files), and the start/stop actions."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from dashboard.access import Capability, current_user, has_capability, requires
from dashboard.listing import paginate, render_list
from recordings.estimates import recording_estimate
from recordings.forms.sessions import SessionFilterForm, StartForm
from recordings.lifecycle import OPEN_STATES, Trigger
from recordings.models import Attention, RecordingSession, Room
from recordings.services import sessions as services
from tencent.models import ApiCall


@requires(Capability.VIEW_RECORDINGS)
def session_list(request: HttpRequest) -> HttpResponse:
    form = SessionFilterForm(request.GET or None)
    sessions = RecordingSession.objects.listing()
    if form.is_valid():
        data = form.cleaned_data
        if data["state"]:
            sessions = sessions.filter(state=data["state"])
        if data["app"]:
            sessions = sessions.filter(room__client_app=data["app"])
        if data["room"]:
            sessions = sessions.filter(Q(room__name__icontains=data["room"]) | Q(room__room_key=data["room"]))
        if data["trigger"]:
            sessions = sessions.filter(trigger=data["trigger"])
        if form.since_at():
            sessions = sessions.filter(planned_start__gte=form.since_at())
        if form.until_at():
            sessions = sessions.filter(planned_start__lte=form.until_at())
    page = paginate(request, sessions)
    live = any(session.state in OPEN_STATES for session in page.object_list)
    return render_list(request, "recordings/session_list.html", {"form": form, "page": page, "live": live})


def session_context(request: HttpRequest, session: RecordingSession) -> dict[str, object]:
    return {
        "session": session,
        "progress": session.start_progress(),
        "stop_progress": session.stop_progress(),
        "can_operate": has_capability(request.user, Capability.OPERATE_RECORDINGS),
        "live": session.is_open,
    }


@requires(Capability.VIEW_RECORDINGS)
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(
        RecordingSession.objects.select_related("room__client_app", "started_by", "schedule"), pk=pk
    )
    context = session_context(request, session)
    if request.htmx and request.headers.get("HX-Target") == "session-status":  # type: ignore[attr-defined]
        return render(request, "recordings/session_detail.html#status", context)
    context.update(
        transitions=session.transitions.select_related("actor"),
        record_tasks=session.record_tasks.all(),
        calls=ApiCall.objects.for_session(session.pk)[:200],
    )
    return render(request, "recordings/session_detail.html", context)


@requires(Capability.OPERATE_RECORDINGS)
def session_start(request: HttpRequest, room_pk: int) -> HttpResponse:
    room = get_object_or_404(Room.objects.select_related("client_app"), pk=room_pk)
    form = StartForm(request.POST or None, room=room, initial={"idempotency_key": uuid.uuid4().hex})
    if request.method == "POST" and form.is_valid():
        try:
            session, _ = services.session_start_now(
                room=room,
                actor=current_user(request),
                trigger=Trigger.MANUAL,
                duration_minutes=form.cleaned_data["duration_minutes"],
                idempotency_key=form.cleaned_data["idempotency_key"] or "",
            )
        except services.StartRefused as exc:
            form.add_error(exc.field or None, exc.message)
        else:
            messages.success(request, f"Recording #{session.pk} of {room.name} is starting.")
            return redirect("recordings:session_detail", pk=session.pk)
    active = RecordingSession.objects.filter(room=room).active().first()
    context = {"room": room, "form": form, "active": active, **estimate_context(request, room)}
    return render(request, "recordings/session_start.html", context)


def estimate_context(request: HttpRequest, room: Room) -> dict[str, object]:
    """The estimate box of the start form, for the duration in the request (or the default)."""
    if not has_capability(request.user, Capability.ESTIMATE):
        return {}
    raw = (request.POST or request.GET).get("duration_minutes", "")
    minutes = int(raw) if raw.isdigit() and int(raw) > 0 else min(60, room.effective_max_recording_minutes)
    minutes = min(minutes, room.effective_max_recording_minutes)
    return {
        "estimate": recording_estimate(room=room, start=timezone.now(), minutes=minutes),
        "estimate_minutes": minutes,
    }


@requires(Capability.ESTIMATE)
def session_estimate(request: HttpRequest, room_pk: int) -> HttpResponse:
    room = get_object_or_404(Room.objects.select_related("client_app"), pk=room_pk)
    return render(
        request, "recordings/session_start.html#estimate", {"room": room, **estimate_context(request, room)}
    )


@requires(Capability.OPERATE_RECORDINGS)
@require_POST
def session_stop(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(RecordingSession, pk=pk)
    if not session.can_stop:
        messages.info(request, f"Recording #{session.pk} is already {session.get_state_display().lower()}.")
    else:
        session = services.session_stop(session=session, actor=current_user(request))
        messages.success(request, f"Recording #{session.pk} is {session.get_state_display().lower()}.")
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "recordings/session_detail.html#status", session_context(request, session))
    return redirect("recordings:session_detail", pk=session.pk)


@requires(Capability.OPERATE_RECORDINGS)
@require_POST
def attention_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(Attention, pk=pk)
    services.attention_resolve(item=item, actor=current_user(request))
    messages.success(request, "Dismissed from the attention list.")
    return redirect("overview")
