from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model

from dashboard.models import AuditEntry
from dashboard.params import DayField
from dashboard.timezones import zone_names


class AuditFilterForm(forms.Form):
    q = forms.CharField(
        required=False, label="Search", widget=forms.TextInput(attrs={"placeholder": "Object or action"})
    )
    actor = forms.ModelChoiceField(queryset=get_user_model().objects.order_by("username"), required=False)
    action = forms.ChoiceField(required=False)
    object_type = forms.ChoiceField(required=False, label="Object type")
    since = DayField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = DayField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        actions = AuditEntry.objects.order_by("action").values_list("action", flat=True).distinct()
        types = AuditEntry.objects.exclude(object_type="").order_by("object_type")
        self.fields["action"].choices = [("", "Any action"), *((a, a) for a in actions)]  # type: ignore[attr-defined]
        self.fields["object_type"].choices = [  # type: ignore[attr-defined]
            ("", "Any object"),
            *((t, t) for t in types.values_list("object_type", flat=True).distinct()),
        ]


class ApiTokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What uses this token, e.g. 'room backend (prod)'.")


class ProfileForm(forms.Form):
    time_zone = forms.ChoiceField(
        label="Time zone",
        required=False,
        help_text="Every page shows times, and reads the times you type, in this zone.",
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["time_zone"].choices = [  # type: ignore[attr-defined]
            ("", f"The console's zone ({settings.TIME_ZONE})"),
            *((name, name) for name in zone_names()),
        ]
