"""Filter fields shared by the list pages of recordings: client app, room and a day range on content start,
and the inputs that suggest values (a room picker that searches, a text field with a list of suggestions)
instead of a <select> listing every room."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django import forms
from django.db.models import QuerySet
from django.urls import reverse_lazy
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from dashboard.params import DayField
from dashboard.timezones import within_days
from recordings.models import ClientApp, Room

RecordingsQuerySet = TypeVar("RecordingsQuerySet", bound=QuerySet[Any])
ROOM_PICKER_SCRIPT = "js/room_picker.js"


class SuggestionsInput(forms.TextInput):
    """A text input followed by a <datalist> of suggested values (computed when the field is rendered)."""

    def __init__(
        self, attrs: dict[str, Any] | None = None, suggestions: Callable[[], Iterable[str]] | None = None
    ) -> None:
        super().__init__(attrs)
        self.suggestions = suggestions

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        attrs = dict(attrs or {})
        list_id = f"{attrs.get('id') or name}-suggestions"
        attrs.update(list=list_id, autocomplete="off")
        options = format_html_join("", '<option value="{}"></option>', ((v,) for v in self.options()))
        return format_html(
            '{}<datalist id="{}">{}</datalist>',
            super().render(name, value, attrs, renderer),
            list_id,
            options,
        )

    def options(self) -> Iterable[str]:
        return self.suggestions() if self.suggestions is not None else ()


class RoomPickerInput(SuggestionsInput):
    """A room key typed in, with suggestions fetched from the room search (static/js/room_picker.js) as the user
    types: a filter form never lists every room."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({"placeholder": _("Room key or name"), "spellcheck": "false", **(attrs or {})})

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        attrs = {**(attrs or {}), "data-room-picker": str(reverse_lazy("recordings:room_search"))}
        return super().render(name, value, attrs, renderer)


class RoomKeyField(forms.ModelChoiceField):
    """A room chosen by its key (one lookup when the form is cleaned), entered with a RoomPickerInput."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(
            Room.objects.all(),
            to_field_name="room_key",
            widget=RoomPickerInput,
            error_messages={"invalid_choice": _("No room has this key: pick one of the suggestions.")},
            **kwargs,
        )


class RecordingWindowFilterForm(forms.Form):
    """Base of a list page's filters; its fields come first, the subclass's own fields after them."""

    app = forms.ModelChoiceField(
        ClientApp.objects.order_by("name"), required=False, empty_label=_("Any app"), label=_("App")
    )
    room = RoomKeyField(label=_("Room"))
    since = DayField(required=False, label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    until = DayField(required=False, label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))

    def filter_window(self, queryset: RecordingsQuerySet) -> RecordingsQuerySet:
        """Narrow a queryset of rows with `room` and `content_start` by app, room and whole local days.

        Call only after `is_valid()` returned True.
        """
        data = self.cleaned_data
        if data["app"]:
            queryset = queryset.filter(room__client_app=data["app"])
        if data["room"]:
            queryset = queryset.filter(room=data["room"])
        queryset = queryset.filter(within_days("content_start", data["since"], data["until"]))
        return queryset
