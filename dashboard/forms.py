from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dashboard.audit_labels import action_label
from dashboard.models import AuditEntry
from dashboard.params import DayField
from dashboard.timezones import zone_names


class AuditFilterForm(forms.Form):
    q = forms.CharField(
        required=False,
        label=_("Search"),
        widget=forms.TextInput(attrs={"placeholder": _("Object or action")}),
    )
    actor = forms.ModelChoiceField(
        queryset=get_user_model().objects.order_by("username"), required=False, label=_("Actor")
    )
    action = forms.ChoiceField(required=False, label=pgettext_lazy("audit log", "Action"))
    object_type = forms.ChoiceField(required=False, label=_("Object type"))
    since = DayField(required=False, label=_("Since"), widget=forms.DateInput(attrs={"type": "date"}))
    until = DayField(required=False, label=_("Until"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        actions = AuditEntry.objects.order_by("action").values_list("action", flat=True).distinct()
        types = AuditEntry.objects.exclude(object_type="").order_by("object_type")
        self.fields["action"].choices = [  # type: ignore[attr-defined]
            ("", _("Any action")),
            *((a, f"{action_label(a)} ({a})" if action_label(a) != a else a) for a in actions),
        ]
        self.fields["object_type"].choices = [  # type: ignore[attr-defined]
            ("", _("Any object")),
            *((t, t) for t in types.values_list("object_type", flat=True).distinct()),
        ]


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("What uses this token, e.g. 'room backend (prod)'.")
    )


def language_choices() -> list[tuple[str, str]]:
    """settings.LANGUAGES, each named in its own language (someone who cannot read the page can still find theirs)."""
    return [(code, name) for code, name in settings.LANGUAGES]


class ProfileForm(forms.Form):
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        required=False,
        help_text=_("Every page shows times, and reads the times you type, in this zone."),
    )
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        help_text=_("The language of the console's pages; the browser's language when not chosen."),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["time_zone"].choices = [  # type: ignore[attr-defined]
            ("", _("The console's zone (%(zone)s)") % {"zone": settings.TIME_ZONE}),
            *((name, name) for name in zone_names()),
        ]
        self.fields["language"].choices = [  # type: ignore[attr-defined]
            ("", _("The browser's language")),
            *language_choices(),
        ]


class LanguageSwitchForm(forms.Form):
    """The top bar's switcher (POST language=<code>&next=<path>, the fields Django's set_language reads)."""

    language = forms.ChoiceField(choices=language_choices)
