"""The schedule form: a one-off window, weekly days + time, or a cron expression, in a chosen time zone.

Every kind's fields are in the page, grouped by kind, so it works without JavaScript; the fields of the kinds not
chosen are ignored (their values and errors dropped). static/js/schedule_form.js hides and disables them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dashboard.params import MomentField
from recordings.form_limits import announce_length_limits
from recordings.models import Room, Schedule, ScheduleKind
from recordings.sessions.models.schedules import MAX_SCHEDULE_MINUTES, WEEKDAY_NAMES
from recordings.sessions.recurrence import cron_ever_fires, is_valid_cron

# The fields only some kinds use; the kind's own fields are required by the browser when JavaScript shows them.
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    ScheduleKind.ONCE: ("starts_at_local",),
    ScheduleKind.WEEKLY: ("weekday_list", "start_time", "valid_from", "valid_until"),
    ScheduleKind.CRON: ("cron_expression", "valid_from", "valid_until"),
}
REQUIRED_WHEN_SHOWN = ("starts_at_local", "start_time", "cron_expression")
EMPTY_VALUES: dict[str, object] = {"weekday_list": [], "cron_expression": ""}


@dataclass(frozen=True)
class KindGroup:
    """A fieldset of the form: fields used only by `kinds`."""

    kinds: tuple[str, ...]
    legend: str
    fields: list[forms.BoundField]


class ScheduleForm(forms.ModelForm):
    starts_at_local = MomentField(
        label=_("Starts at (local time)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("One-off: when the window opens, in the schedule's time zone."),
    )
    weekday_list = forms.TypedMultipleChoiceField(
        label=_("Days"),
        choices=list(enumerate(WEEKDAY_NAMES)),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Weekly: the days it records."),
    )
    time_zone = forms.ChoiceField(choices=[], label=_("Time zone"))
    confirm_overbooking = forms.BooleanField(
        label=_("Save even though it books more concurrencies than the CAR project has"),
        required=False,
    )

    class Meta:
        model = Schedule
        fields = [
            "room",
            "name",
            "kind",
            "time_zone",
            "start_time",
            "cron_expression",
            "duration_minutes",
            "valid_from",
            "valid_until",
        ]
        widgets = {
            "start_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "valid_from": forms.DateInput(attrs={"type": "date"}),
            "valid_until": forms.DateInput(attrs={"type": "date"}),
        }
        help_texts = {
            "duration_minutes": _(
                "Longer than the room's maximum (or 24 h) is split into consecutive recordings."
            ),
            "cron_expression": _("e.g. 0 20 * * 1-5 (minute hour day month weekday)."),
            "valid_from": _("Optional: the first day it records."),
            "valid_until": _("Optional: the last day it records."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["room"].queryset = Room.objects.active().select_related("client_app")  # type: ignore[attr-defined]
        self.fields["time_zone"].choices = [(name, name) for name in sorted(available_timezones())]  # type: ignore[attr-defined]
        self.fields["duration_minutes"].max_value = MAX_SCHEDULE_MINUTES  # type: ignore[attr-defined]
        schedule: Schedule = self.instance
        if schedule.pk:
            self.initial["weekday_list"] = sorted(schedule.weekday_set)
            if schedule.starts_at:
                local = schedule.starts_at.astimezone(ZoneInfo(schedule.time_zone)).replace(tzinfo=None)
                self.initial["starts_at_local"] = local
        self.needs_confirmation = False
        # What was saved, so that editing a schedule whose one-off start or last day has passed still saves
        # when those values are left as they are.
        self.saved_start = schedule.starts_at if schedule.pk and schedule.kind == ScheduleKind.ONCE else None
        self.saved_until = schedule.valid_until if schedule.pk else None
        for name in REQUIRED_WHEN_SHOWN:
            self.fields[name].widget.attrs["data-required-when-shown"] = "true"
        announce_length_limits(self)

    def sections(self) -> list[KindGroup]:
        """The form in page order; a section without kinds holds fields that every kind uses."""
        once, weekly, cron = ScheduleKind.ONCE, ScheduleKind.WEEKLY, ScheduleKind.CRON
        return [
            KindGroup((), "", [self[name] for name in ("room", "name", "kind", "time_zone")]),
            KindGroup((once,), gettext("One-off window"), [self["starts_at_local"]]),
            KindGroup((weekly,), gettext("Weekly"), [self["weekday_list"], self["start_time"]]),
            KindGroup((cron,), gettext("Cron"), [self["cron_expression"]]),
            KindGroup((), "", [self["duration_minutes"]]),
            KindGroup(
                (weekly, cron),
                gettext("Validity (weekly and cron)"),
                [self["valid_from"], self["valid_until"]],
            ),
        ]

    def clean_duration_minutes(self) -> int:
        minutes: int = self.cleaned_data["duration_minutes"]
        if minutes > MAX_SCHEDULE_MINUTES:
            raise forms.ValidationError(gettext("At most 7 days per window."))
        return minutes

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind")
        if kind in KIND_FIELDS:
            self._ignore_other_kinds(kind, data)
        zone_name = data.get("time_zone")
        local: datetime | None = data.get("starts_at_local")
        if kind == ScheduleKind.ONCE:
            if local is None:
                if "starts_at_local" not in self.errors:
                    self.add_error("starts_at_local", gettext("A one-off window needs its start."))
            elif zone_name:
                starts_at = local.replace(tzinfo=None).replace(tzinfo=ZoneInfo(zone_name))
                saved = self.saved_start
                if saved is not None and saved.replace(second=0, microsecond=0) == starts_at:
                    starts_at = saved  # left as it was (the field shows minutes only)
                else:
                    self._refuse_past_start(starts_at, ZoneInfo(zone_name))
                self.instance.starts_at = starts_at
        else:
            self.instance.starts_at = None
        until: date | None = data.get("valid_until")
        if until and zone_name and until != self.saved_until:
            today = timezone.now().astimezone(ZoneInfo(zone_name)).date()
            if until < today:
                self.add_error(
                    "valid_until",
                    gettext(
                        "%(day)s is in the past (today is %(today)s in %(zone)s): "
                        "the schedule would never record. Pick a later day or leave it empty."
                    )
                    % {"day": f"{until:%Y-%m-%d}", "today": f"{today:%Y-%m-%d}", "zone": zone_name},
                )
        self.instance.weekdays = ",".join(str(d) for d in sorted(data.get("weekday_list") or []))
        if kind == ScheduleKind.WEEKLY and not data.get("weekday_list"):
            self.add_error("weekday_list", gettext("Pick at least one day."))
        cron = data.get("cron_expression") or ""
        if kind == ScheduleKind.CRON and is_valid_cron(cron) and not cron_ever_fires(cron):
            self.add_error(
                "cron_expression", gettext("This expression never fires (no such day, e.g. 31 February).")
            )
        return data

    def _ignore_other_kinds(self, kind: str, data: dict[str, Any]) -> None:
        """Drop the values and errors of the fields the chosen kind does not use (filled in without JS)."""
        mine = set(KIND_FIELDS[kind])
        for name in {name for names in KIND_FIELDS.values() for name in names} - mine:
            self.errors.pop(name, None)
            data[name] = EMPTY_VALUES.get(name)

    def _refuse_past_start(self, starts_at: datetime, zone: ZoneInfo) -> None:
        # The start is entered to the minute: the current minute still counts as now.
        now = timezone.now().astimezone(zone)
        if starts_at < now.replace(second=0, microsecond=0):
            self.add_error(
                "starts_at_local",
                gettext(
                    "%(start)s is in the past (it is now %(now)s in %(zone)s). "
                    "A one-off window must start now or later."
                )
                % {"start": f"{starts_at:%Y-%m-%d %H:%M}", "now": f"{now:%Y-%m-%d %H:%M}", "zone": zone.key},
            )

    def _update_errors(self, errors: ValidationError) -> None:  # type: ignore[misc]
        # The model's errors on `weekdays`/`starts_at` belong to the form fields that edit them.
        if hasattr(errors, "error_dict"):
            for model_field, form_field in (("weekdays", "weekday_list"), ("starts_at", "starts_at_local")):
                if model_field in errors.error_dict:
                    moved = errors.error_dict.pop(model_field)
                    if form_field not in self.errors:
                        errors.error_dict.setdefault(form_field, []).extend(moved)
        super()._update_errors(errors)  # type: ignore[misc]
