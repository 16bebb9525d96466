"""Recording pages: the list (filters, live-updating states), a session's page (progress, timeline, Tencent
calls, files — every section kept current by one poll), and the start/stop actions, each confirmed first (the
estimate before a start, what a stop does before a stop)."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST

from dashboard.access import Capability, current_user, has_capability, requires
from dashboard.listing import paginate, render_list
from dashboard.params import ascii_int
from recordings.estimates import recording_estimate
from recordings.models import Attention, RecordingFile, RecordingSession, Room
from recordings.sessions.forms.sessions import SessionFilterForm, StartForm
from recordings.sessions.lifecycle import OPEN_STATES, Trigger
from recordings.sessions.services import sessions as services
from tencent.models import ApiCall

# Counting every one of 100,000 recordings costs more than showing a page of them: the list counts up to this.
LIST_COUNT_CAP = 10_000


@requires(Capability.VIEW_RECORDINGS)
def session_list(request: HttpRequest) -> HttpResponse:
    form = SessionFilterForm(request.GET or None)
    sessions = form.filter(RecordingSession.objects.listing())
    page = paginate(request, sessions, count_cap=LIST_COUNT_CAP)
    live = any(session.state in OPEN_STATES for session in page.object_list)
    return render_list(request, "recordings/session_list.html", {"form": form, "page": page, "live": live})


# The sections of a session's page that change while it runs, in the order of the poll's version string.
SESSION_SECTIONS = ("status", "timeline", "outputs", "calls")
SECTIONS_TEMPLATE = "recordings/_session_sections.html"
CALLS_SHOWN = 200


def session_context(request: HttpRequest, session: RecordingSession) -> dict[str, object]:
    return {
        "session": session,
        "progress": session.start_progress(),
        "stop_progress": session.stop_progress(),
        "can_operate": has_capability(request.user, Capability.OPERATE_RECORDINGS),
        "live": session.is_open,
        "transitions": session.transitions.select_related("actor"),
        "record_tasks": session.record_tasks.all(),
        "calls": ApiCall.objects.for_session(session.pk)[:CALLS_SHOWN],
        # Files hidden by review stay off the page for those who may not see them (RecordingFile.visible_to).
        "files": list(RecordingFile.objects.of_session(session.pk).visible_to(request.user)),
    }


def render_sections(context: dict[str, object]) -> dict[str, str]:
    # Without the request: the sections need no context processor, and a poll should not run them four times.
    return {name: render_to_string(f"{SECTIONS_TEMPLATE}#{name}", context) for name in SESSION_SECTIONS}


def versions_of(sections: dict[str, str]) -> dict[str, str]:
    """A short digest of each section's HTML: what the page shows, sent back by its poll."""
    return {
        name: hashlib.blake2b(html.encode(), digest_size=6).hexdigest() for name, html in sections.items()
    }


@requires(Capability.VIEW_RECORDINGS)
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The page, or (an htmx poll carrying the versions it shows, `?v=`) the sections that changed since: the
    poller itself plus each changed section out of band; 204 when nothing changed. The poller stops once the
    recording is in a final state."""
    session = get_object_or_404(
        RecordingSession.objects.select_related("room__client_app", "started_by", "schedule"), pk=pk
    )
    context = session_context(request, session)
    sections = render_sections(context)
    versions = versions_of(sections)
    context.update(sections=sections, versions=".".join(versions.values()), poll_path=request.path)
    shown = request.GET.get("v")
    if not request.htmx or shown is None:  # type: ignore[attr-defined]
        return render(request, "recordings/session_detail.html", context)
    seen = dict(zip(SESSION_SECTIONS, shown.split("."), strict=False))
    changed = {name: html for name, html in sections.items() if seen.get(name) != versions[name]}
    if not changed:
        return HttpResponse(status=204)
    return HttpResponse(
        render_to_string(f"{SECTIONS_TEMPLATE}#poll_response", {**context, "changed": changed})
    )


@requires(Capability.OPERATE_RECORDINGS)
def session_start(request: HttpRequest, room_pk: int) -> HttpResponse:
    """The estimate, then the start on confirmation. A start whose duration is not the one estimated on the page
    (a stale form, a changed duration without JavaScript) shows the estimate again instead of starting."""
    room = get_object_or_404(Room.objects.select_related("client_app"), pk=room_pk)
    estimate = estimate_context(request, room)
    initial = {"idempotency_key": uuid.uuid4().hex, "duration_minutes": planned_minutes(request, room)}
    form = StartForm(request.POST or None, room=room, initial=initial)
    if request.method == "POST" and form.is_valid():
        minutes = form.cleaned_data["duration_minutes"] or default_minutes(room)
        if estimate and request.POST.get("estimated_minutes") != str(minutes):
            messages.info(
                request,
                gettext("Check the estimate for %(minutes)d minutes, then start.") % {"minutes": minutes},
            )
        else:
            response = start_now(request, room, form)
            if response is not None:
                return response
    active = RecordingSession.objects.filter(room=room).active().first()
    context = {"room": room, "form": form, "active": active, **estimate}
    return render(request, "recordings/session_start.html", context)


def start_now(request: HttpRequest, room: Room, form: StartForm) -> HttpResponse | None:
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
        return None
    # A fact that stays true (the page shows the live state itself): no "is starting" left behind once it runs.
    messages.success(
        request, gettext("You started recording #%(pk)d of %(room)s.") % {"pk": session.pk, "room": room.name}
    )
    return redirect("recordings:session_detail", pk=session.pk)


def default_minutes(room: Room) -> int:
    return min(60, room.effective_max_recording_minutes)


def planned_minutes(request: HttpRequest, room: Room) -> int:
    """The duration asked for in the request (the room page's field, the start form), within the room's
    maximum; the default when absent or not a positive number."""
    raw = (request.POST or request.GET).get("duration_minutes", "")
    minutes = ascii_int(raw) or default_minutes(room)
    return min(minutes, room.effective_max_recording_minutes)


def estimate_context(request: HttpRequest, room: Room) -> dict[str, object]:
    """The estimate box of the start form, for the duration in the request (or the default)."""
    if not has_capability(request.user, Capability.ESTIMATE):
        return {}
    minutes = planned_minutes(request, room)
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


def running_since(session: RecordingSession) -> datetime | None:
    """When the recording began for the operator: the stream going live, else the start's first step."""
    return session.stream_live_at or session.concurrency_requested_at


@requires(Capability.OPERATE_RECORDINGS)
@require_http_methods(["GET", "POST"])
def session_stop(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: what a stop does, the room and the time recorded so far, to confirm (a page, or its body for the
    dialog the session, room and live pages open). POST: the stop."""
    session = get_object_or_404(RecordingSession.objects.select_related("room__client_app"), pk=pk)
    if request.method == "GET":
        since = running_since(session)
        context = {
            "session": session,
            "since": since,
            "elapsed_s": (timezone.now() - since).total_seconds() if since else None,
        }
        template = "recordings/session_stop_confirm.html"
        return render(request, f"{template}#confirm" if request.htmx else template, context)  # type: ignore[attr-defined]
    if not session.can_stop:
        messages.info(
            request,
            gettext("Recording #%(pk)d was already %(state)s.")
            % {"pk": session.pk, "state": session.get_state_display().lower()},
        )
    else:
        session = services.session_stop(session=session, actor=current_user(request))
        done = (
            gettext("You cancelled recording #%(pk)d of %(room)s.")
            if session.state == "cancelled"
            else gettext("You stopped recording #%(pk)d of %(room)s.")
        )
        messages.success(request, done % {"pk": session.pk, "room": session.room.name})
    return redirect("recordings:session_detail", pk=session.pk)


@requires(Capability.OPERATE_RECORDINGS)
@require_POST
def attention_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(Attention, pk=pk)
    services.attention_resolve(item=item, actor=current_user(request))
    messages.success(request, gettext("Dismissed from the attention list."))
    return redirect("overview")
