"""Schedule pages: the list with next occurrences, create/edit (with the concurrency booking check),
pause/resume, and a 14-day calendar."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from dashboard.access import Capability, current_user, has_capability, requires
from dashboard.listing import paginate, render_list
from dashboard.params import DayField, ascii_int
from dashboard.timezones import format_local
from recordings.estimates import recording_estimate
from recordings.models import Schedule
from recordings.sessions.forms.schedules import ScheduleForm
from recordings.sessions.services import schedules as services
from recordings.sessions.services.calendar import calendar

CALENDAR_DAYS = 14
CALENDAR_DAY_LIMIT = 25  # entries a day on the 14-day calendar; the day's own page shows them all
NEXT_IN_LIST = 3
NEXT_ON_FORM = 10


@requires(Capability.VIEW_RECORDINGS)
def schedule_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    page = paginate(request, Schedule.objects.listing())
    schedules = list(page.object_list)  # statuses and next windows only for the schedules shown
    statuses = services.schedule_statuses(schedules, now=now)
    rows = [
        {
            "schedule": schedule,
            "status": statuses[schedule.pk],
            "next": []
            if schedule.paused or statuses[schedule.pk].finished
            else schedule.windows(start=now, end=now + timedelta(days=366), limit=NEXT_IN_LIST),
        }
        for schedule in schedules
    ]
    return render_list(
        request,
        "recordings/schedule_list.html",
        {
            "rows": rows,
            "page": page,
            "can_operate": has_capability(request.user, Capability.OPERATE_RECORDINGS),
        },
    )


def described_schedule(form: ScheduleForm, schedule: Schedule) -> Schedule | None:
    """The schedule as the form describes it: the submitted values when they are valid, else the saved one."""
    if form.is_bound:
        return form.save(commit=False) if form.is_valid() else None
    return schedule if schedule.pk else None


def estimate_context(request: HttpRequest, schedule: Schedule | None) -> dict[str, object]:
    """The estimate card of the schedule form: its next occurrence priced on top of the month so far."""
    if not has_capability(request.user, Capability.ESTIMATE):
        return {}
    now = timezone.now()
    upcoming = schedule.windows(start=now, end=now + timedelta(days=366), limit=1) if schedule else []
    if schedule is None or not upcoming:
        return {"can_estimate": True, "next_window": None}
    window = upcoming[0]
    minutes = window.duration // timedelta(minutes=1)
    return {
        "can_estimate": True,
        "next_window": window,
        "estimate_minutes": minutes,
        "estimate": recording_estimate(room=schedule.room, start=window.start, minutes=minutes),
    }


def schedule_form(request: HttpRequest, schedule: Schedule) -> HttpResponse:
    form = ScheduleForm(request.POST or None, instance=schedule)
    candidate = described_schedule(form, schedule)
    booking = None
    if request.method == "POST" and candidate is not None:
        booking = services.schedule_booking_check(schedule=candidate)
        if booking is not None and booking.over and not form.cleaned_data["confirm_overbooking"]:
            when = format_local(booking.first_conflict) if booking.first_conflict else ""
            form.add_error(
                "confirm_overbooking",
                (
                    gettext(
                        "At its busiest this books %(peak)d concurrent recordings on CAR project %(project)s, "
                        "which has %(total)d concurrencies (first at %(when)s). Recordings beyond that wait for "
                        "a free concurrency and may fail. Tick to save anyway."
                    )
                    if when
                    else gettext(
                        "At its busiest this books %(peak)d concurrent recordings on CAR project %(project)s, "
                        "which has %(total)d concurrencies. Recordings beyond that wait for "
                        "a free concurrency and may fail. Tick to save anyway."
                    )
                )
                % {
                    "peak": booking.peak,
                    "project": candidate.room.client_app.car_project_id,
                    "total": booking.total,
                    "when": when,
                },
            )
            form.needs_confirmation = True
        else:
            saved = services.schedule_save(schedule=candidate, actor=current_user(request))
            if booking is None:
                messages.warning(
                    request, gettext("CAR could not be asked for the project's concurrencies; not checked.")
                )
            messages.success(request, gettext("Schedule “%(name)s” saved.") % {"name": saved.name})
            return redirect("recordings:schedule_list")
    now = timezone.now()
    upcoming = (
        schedule.windows(start=now, end=now + timedelta(days=366), limit=NEXT_ON_FORM) if schedule.pk else []
    )
    context = {
        "form": form,
        "schedule": schedule,
        "status": services.schedule_statuses([schedule], now=now)[schedule.pk] if schedule.pk else None,
        "upcoming": upcoming,
        **estimate_context(request, candidate),
    }
    return render(request, "recordings/schedule_form.html", context)


@requires(Capability.ESTIMATE)
def schedule_estimate(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """The estimate card again, for the values the form holds now (htmx, as they change)."""
    schedule = get_object_or_404(Schedule, pk=pk) if pk else Schedule()
    form = ScheduleForm(request.GET, instance=schedule)
    context = estimate_context(request, described_schedule(form, schedule))
    return render(request, "recordings/schedule_form.html#estimate", context)


@requires(Capability.OPERATE_RECORDINGS)
def schedule_create(request: HttpRequest) -> HttpResponse:
    schedule = Schedule(time_zone=timezone.get_current_timezone_name())
    room_pk = ascii_int(request.GET.get("room"), maximum=2**31 - 1)
    if room_pk is not None:
        schedule.room_id = room_pk
    return schedule_form(request, schedule)


@requires(Capability.OPERATE_RECORDINGS)
def schedule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return schedule_form(
        request, get_object_or_404(Schedule.objects.select_related("room__client_app"), pk=pk)
    )


@requires(Capability.OPERATE_RECORDINGS)
@require_POST
def schedule_pause(request: HttpRequest, pk: int) -> HttpResponse:
    schedule = get_object_or_404(Schedule, pk=pk)
    services.schedule_set_paused(schedule=schedule, paused=True, actor=current_user(request))
    messages.success(request, gettext("Schedule “%(name)s” paused.") % {"name": schedule.name})
    return redirect("recordings:schedule_list")


@requires(Capability.OPERATE_RECORDINGS)
@require_POST
def schedule_resume(request: HttpRequest, pk: int) -> HttpResponse:
    schedule = get_object_or_404(Schedule, pk=pk)
    services.schedule_set_paused(schedule=schedule, paused=False, actor=current_user(request))
    messages.success(request, gettext("Schedule “%(name)s” resumed.") % {"name": schedule.name})
    return redirect("recordings:schedule_list")


class CalendarDayForm(forms.Form):
    """`?day=YYYY-MM-DD`: that one day in full instead of the next 14 days."""

    day = DayField(required=False)


@requires(Capability.VIEW_RECORDINGS)
def schedule_calendar(request: HttpRequest) -> HttpResponse:
    """The next 14 days with at most CALENDAR_DAY_LIMIT entries a day (each day links to itself in full), or one
    day in full: 500 schedules make ~3,000 entries in 14 days, half a megabyte of HTML."""
    form = CalendarDayForm(request.GET)
    day = form.cleaned_data["day"] if form.is_valid() else None
    first = day or timezone.localdate()
    days = 1 if day else CALENDAR_DAYS
    rows = calendar(first=first, days=days, now=timezone.now(), limit=None if day else CALENDAR_DAY_LIMIT)
    return render(
        request,
        "recordings/schedule_calendar.html",
        {"days": rows, "day": day, "form": form},
        status=200 if form.is_valid() else 400,
    )
