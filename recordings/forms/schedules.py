"""The schedule form: a one-off window, weekly days + time, or a cron expression, in a chosen time zone."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from django import forms
from django.core.exceptions import ValidationError

from recordings.models import Room, Schedule, ScheduleKind
from recordings.models.schedules import MAX_SCHEDULE_MINUTES, WEEKDAY_NAMES


class ScheduleForm(forms.ModelForm):
    starts_at_local = forms.DateTimeField(
        label="Starts at (local time)",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="One-off: when the window opens, in the schedule's time zone.",
    )
    weekday_list = forms.TypedMultipleChoiceField(
        label="Days",
        choices=list(enumerate(WEEKDAY_NAMES)),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Weekly: the days it records.",
    )
    time_zone = forms.ChoiceField(choices=[])
    confirm_overbooking = forms.BooleanField(
        label="Save even though it books more concurrencies than the CAR project has",
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
            "duration_minutes": "Longer than the room's maximum (or 24 h) is split into consecutive recordings.",
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

    def clean_duration_minutes(self) -> int:
        minutes: int = self.cleaned_data["duration_minutes"]
        if minutes > MAX_SCHEDULE_MINUTES:
            raise forms.ValidationError("At most 7 days per window.")
        return minutes

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind")
        zone_name = data.get("time_zone")
        local: datetime | None = data.get("starts_at_local")
        if kind == ScheduleKind.ONCE:
            if local is None:
                self.add_error("starts_at_local", "A one-off window needs its start.")
            elif zone_name:
                self.instance.starts_at = local.replace(tzinfo=None).replace(tzinfo=ZoneInfo(zone_name))
        else:
            self.instance.starts_at = None
        self.instance.weekdays = ",".join(str(d) for d in sorted(data.get("weekday_list") or []))
        if kind == ScheduleKind.WEEKLY and not data.get("weekday_list"):
            self.add_error("weekday_list", "Pick at least one day.")
        return data

    def _update_errors(self, errors: ValidationError) -> None:  # type: ignore[misc]
        # The model's errors on `weekdays`/`starts_at` belong to the form fields that edit them.
        if hasattr(errors, "error_dict"):
            for model_field, form_field in (("weekdays", "weekday_list"), ("starts_at", "starts_at_local")):
                if model_field in errors.error_dict:
                    moved = errors.error_dict.pop(model_field)
                    if form_field not in self.errors:
                        errors.error_dict.setdefault(form_field, []).extend(moved)
        super()._update_errors(errors)  # type: ignore[misc]
