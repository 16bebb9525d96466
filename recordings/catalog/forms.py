"""Forms of the catalog pages: client apps and rooms, their list filters, and inline field validation."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from recordings.catalog.models import (
    ClientAppQuerySet,
    RoomQuerySet,
    normalize_tags,
    room_key_validator,
    suggest_stream_name,
)
from recordings.filters import SuggestionsInput
from recordings.form_limits import announce_length_limits
from recordings.models import ClientApp, ClientAppKind, Room

ACTIVE_CHOICES = [("", _("Active and inactive")), ("yes", _("Active only")), ("no", _("Inactive only"))]
VALIDATE_PARAM = "_validate"


class InlineValidationMixin(forms.BaseForm):
    """Text inputs re-validate themselves when changed: htmx posts the whole form to the page's own URL with
    `_validate=<field>` and swaps in that field rendered alone (see `recordings.catalog.views.field_response`).
    """

    def enable_inline_validation(self, url: str) -> None:
        for name, field in self.fields.items():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput | forms.Select):
                continue
            widget.attrs.update(
                {
                    "hx-post": url,
                    "hx-trigger": "change",
                    "hx-target": f"#field-{self.add_prefix(name)}",
                    "hx-swap": "outerHTML",
                    "hx-include": "closest form",
                    "hx-vals": json.dumps({VALIDATE_PARAM: name}),
                }
            )


class ClientAppForm(InlineValidationMixin, forms.ModelForm):
    class Meta:
        model = ClientApp
        fields = [
            "name",
            "kind",
            "car_project_id",
            "car_application_id",
            "car_version_id",
            "url",
            "launch_parameters",
            "concurrency_spec",
            "target_resolution",
            "frame_rate",
            "bitrate_kbps",
            "max_recording_minutes",
            "is_active",
            "notes",
        ]
        widgets = {
            "url": forms.URLInput(attrs={"placeholder": "https://"}),
            "car_project_id": forms.TextInput(attrs={"placeholder": "cap-xxxxxxxx", "spellcheck": "false"}),
            "car_application_id": forms.TextInput(
                attrs={"placeholder": "app-xxxxxxxx", "spellcheck": "false"}
            ),
            "car_version_id": forms.TextInput(attrs={"placeholder": "ver-xxxxxxxx", "spellcheck": "false"}),
            "launch_parameters": forms.TextInput(
                attrs={"placeholder": "--room={room_key} --stream={stream_name}", "spellcheck": "false"}
            ),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    WIDE_FIELDS = ("url", "launch_parameters", "notes")
    # CAR's CreateSession documents it: ApplicationParameters take effect for multi-app shared projects and for
    # single-app exclusive projects with pre-launch off, and are ignored when pre-launch is on.
    PRELAUNCH_WARNING = _(
        "<strong>CAR ignores them for a single-app exclusive project with pre-launch on</strong>: every room would "
        "then record whatever the pre-launched app shows. Turn pre-launch off in the CAR project (or use a "
        "multi-app shared project)."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        announce_length_limits(self)
        launch = self.fields["launch_parameters"]
        launch.help_text = f"{launch.help_text} {self.PRELAUNCH_WARNING}"


class RoomForm(InlineValidationMixin, forms.ModelForm):
    class Meta:
        model = Room
        fields = [
            "name",
            "room_key",
            "client_app",
            "stream_name",
            "entry_parameters",
            "tags",
            "auto_record",
            "max_recording_minutes",
            "is_active",
            "push_domain",
            "play_domain",
            "app_name",
        ]
        widgets = {
            "room_key": forms.TextInput(attrs={"spellcheck": "false", "placeholder": _("e.g. live-1001")}),
            "stream_name": forms.TextInput(attrs={"spellcheck": "false"}),
            "entry_parameters": forms.TextInput(attrs={"spellcheck": "false"}),
            "tags": forms.TextInput(attrs={"placeholder": _("sports, vip")}),
        }
        labels = {"client_app": _("Client app")}
        help_texts = {
            "tags": _(
                "Comma-separated, e.g. sports, vip, 直播: each up to 32 letters (any language), digits, "
                "'-' or '_'. Stored in lowercase."
            )
        }

    WIDE_FIELDS = ("entry_parameters",)
    CSS_FIELDS = ("push_domain", "play_domain", "app_name")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = self.instance.client_app_id if self.instance.pk else None
        app_field = self.fields["client_app"]
        assert isinstance(app_field, forms.ModelChoiceField)
        app_field.queryset = ClientApp.objects.filter(Q(is_active=True) | Q(pk=current)).order_by("name")
        app_field.empty_label = gettext("Choose a client app")
        if not self.instance.pk:  # the suggestion under the field explains what an empty value does
            self.fields["stream_name"].help_text = gettext("Letters, digits, '-' and '_'.")
        self.fields["stream_name"].widget.attrs["placeholder"] = self.stream_name_suggestion() or gettext(
            "derived from the room key"
        )
        announce_length_limits(self)

    def stream_name_suggestion(self) -> str:
        """The stream name a new room gets when the field is left empty ('' before a usable room key)."""
        if self.instance.pk:
            return ""
        key = (self.data.get(self.add_prefix("room_key")) or "").strip() if self.is_bound else ""
        try:
            room_key_validator(key)
        except forms.ValidationError:
            return ""
        return Room.objects.free_stream_name(suggest_stream_name(key))

    def clean_tags(self) -> str:
        return normalize_tags(self.cleaned_data["tags"])


ACTIVE_VALUES = {"": None, "yes": True, "no": False}


class AppFilterForm(forms.Form):
    q = forms.CharField(
        required=False,
        label=_("Search"),
        widget=forms.TextInput(attrs={"placeholder": _("Name or CAR id")}),
    )
    kind = forms.ChoiceField(
        required=False, choices=[("", _("Any kind")), *ClientAppKind.choices], label=_("Kind")
    )
    active = forms.ChoiceField(required=False, choices=ACTIVE_CHOICES, label=_("Status"))

    def filter(self, apps: ClientAppQuerySet) -> ClientAppQuerySet:
        """The apps narrowed by the form (all of them when it is unbound or invalid)."""
        if not self.is_bound or not self.is_valid():
            return apps
        data = self.cleaned_data
        return apps.filtered(q=data["q"], kind=data["kind"], active=ACTIVE_VALUES[data["active"]])


class RoomFilterForm(forms.Form):
    q = forms.CharField(
        required=False,
        label=_("Search"),
        widget=forms.TextInput(attrs={"placeholder": _("Name, room key or stream")}),
    )
    app = forms.ModelChoiceField(
        queryset=ClientApp.objects.order_by("name"),
        required=False,
        empty_label=_("Any app"),
        label=_("Client app"),
    )
    kind = forms.ChoiceField(
        required=False, choices=[("", _("Any kind")), *ClientAppKind.choices], label=_("App kind")
    )
    # Any text, normalised as tags are stored (the API does the same): 'Sports' finds the rooms tagged 'sports'.
    tag = forms.CharField(
        required=False,
        max_length=100,
        label=_("Tag"),
        widget=SuggestionsInput(
            attrs={"placeholder": _("Any tag")}, suggestions=lambda: Room.objects.all_tags()
        ),
    )
    active = forms.ChoiceField(required=False, choices=ACTIVE_CHOICES, label=_("Status"))

    def filter(self, rooms: RoomQuerySet) -> RoomQuerySet:
        """The rooms narrowed by the form (all of them when it is unbound or invalid) — RoomQuerySet.filtered,
        the filter the rooms API applies too."""
        if not self.is_bound or not self.is_valid():
            return rooms
        data = self.cleaned_data
        return rooms.filtered(
            q=data["q"],
            app=data["app"],
            kind=data["kind"],
            tag=data["tag"],
            active=ACTIVE_VALUES[data["active"]],
        )
