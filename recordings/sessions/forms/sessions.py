"""Forms of recording sessions: starting one (page and API), filtering the list, and API events."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dashboard.params import DayField
from dashboard.timezones import within_days
from recordings.filters import RoomPickerInput
from recordings.models import ClientApp, Room
from recordings.sessions.lifecycle import SessionState, Trigger
from recordings.sessions.models.sessions import RecordingSessionQuerySet


class StartForm(forms.Form):
    duration_minutes = forms.IntegerField(
        label=_("Planned duration (minutes)"),
        min_value=1,
        max_value=24 * 60,
        initial=60,
        required=False,
        help_text=_("The recording stops by itself at the end; you can stop it earlier."),
    )
    # Repeating a start with the same key returns the first recording instead of a second one (on the pages a
    # fresh key per form makes a double click harmless).
    idempotency_key = forms.CharField(max_length=100, required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, room: Room | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.room = room

    def clean_duration_minutes(self) -> int | None:
        minutes = self.cleaned_data.get("duration_minutes")
        if minutes and self.room is not None and minutes > self.room.effective_max_recording_minutes:
            raise forms.ValidationError(
                gettext("At most %(minutes)d minutes: the room's hard maximum.")
                % {"minutes": self.room.effective_max_recording_minutes}
            )
        return minutes


class LiveEventForm(forms.Form):
    type = forms.ChoiceField(choices=[("live_started", "live_started"), ("live_ended", "live_ended")])


class SessionFilterForm(forms.Form):
    state = forms.ChoiceField(
        choices=[("", _("Any state")), *SessionState.choices], required=False, label=_("State")
    )
    app = forms.ModelChoiceField(
        queryset=ClientApp.objects.order_by("name"), required=False, empty_label=_("Any app"), label=_("App")
    )
    # Part of a room's name, or its exact key; the picker suggests rooms as the user types.
    room = forms.CharField(required=False, max_length=128, widget=RoomPickerInput, label=_("Room"))
    trigger = forms.ChoiceField(
        choices=[("", _("Any trigger")), *Trigger.choices], required=False, label=_("Trigger")
    )
    since = DayField(required=False, label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    until = DayField(required=False, label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))

    def filter(self, sessions: RecordingSessionQuerySet) -> RecordingSessionQuerySet:
        """The recordings narrowed by the form (all of them when it is unbound or invalid)."""
        if not self.is_bound or not self.is_valid():
            return sessions
        data = self.cleaned_data
        if data["state"]:
            sessions = sessions.filter(state=data["state"])
        if data["app"]:
            sessions = sessions.filter(room__client_app=data["app"])
        if data["room"].strip():
            room = data["room"].strip()
            sessions = sessions.filter(Q(room__name__icontains=room) | Q(room__room_key=room))
        if data["trigger"]:
            sessions = sessions.filter(trigger=data["trigger"])
        sessions = sessions.filter(within_days("planned_start", data["since"], data["until"]))
        return sessions
