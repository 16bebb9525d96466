"""Filter fields shared by the list pages of recordings: client app, room and a day range on content start."""

from __future__ import annotations

from typing import Any, TypeVar

from django import forms
from django.db.models import QuerySet

from dashboard.params import DayField
from dashboard.timezones import day_end, day_start
from recordings.models import ClientApp, Room

RecordingsQuerySet = TypeVar("RecordingsQuerySet", bound=QuerySet[Any])


class RecordingWindowFilterForm(forms.Form):
    """Base of a list page's filters; its fields come first, the subclass's own fields after them."""

    app = forms.ModelChoiceField(ClientApp.objects.order_by("name"), required=False, empty_label="Any app")
    room = forms.ModelChoiceField(Room.objects.order_by("name"), required=False, empty_label="Any room")
    since = DayField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    until = DayField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def filter_window(self, queryset: RecordingsQuerySet) -> RecordingsQuerySet:
        """Narrow a queryset of rows with `room` and `content_start` by app, room and whole local days.

        Call only after `is_valid()` returned True.
        """
        data = self.cleaned_data
        if data["app"]:
            queryset = queryset.filter(room__client_app=data["app"])
        if data["room"]:
            queryset = queryset.filter(room=data["room"])
        if data["since"]:
            queryset = queryset.filter(content_start__gte=day_start(data["since"]))
        if data["until"]:
            queryset = queryset.filter(content_start__lte=day_end(data["until"]))
        return queryset
