"""Forms of the alerts pages: a channel, a rule's thresholds and channels, muting an alert."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from alerts.channels import validate_target
from alerts.models import Channel, ChannelKind, Rule
from alerts.rules import SPECS
from alerts.services import MAX_MUTE
from dashboard.params import MomentField
from recordings.form_limits import announce_length_limits


class ChannelForm(forms.ModelForm):
    class Meta:
        model = Channel
        fields = ["name", "kind", "target"]
        labels = {"target": _("Addresses or URL")}
        help_texts = {
            "target": _(
                "E-mail: addresses separated by commas (sent with the console's mail settings). Apprise: a "
                "URL such as <code>wecombot://KEY</code>, <code>dingtalk://TOKEN</code>, "
                "<code>lark://TOKEN</code>, <code>slack://…</code>, <code>msteams://…</code> or "
                "<code>json://host/path</code>. Tokens are stored but never shown again in full."
            ),
        }
        widgets = {"target": forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        announce_length_limits(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind, target = data.get("kind"), data.get("target")
        if kind in ChannelKind.values and target:
            try:
                data["target"] = validate_target(kind, target)
            except ValidationError as exc:
                self.add_error("target", exc)
        return data


class RuleForm(forms.ModelForm):
    channels = forms.ModelMultipleChoiceField(
        queryset=Channel.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Who is told when this rule opens, updates and resolves an alert."),
    )

    class Meta:
        model = Rule
        fields = ["enabled", "threshold", "threshold2", "group_window_s", "channels"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        spec = SPECS[self.instance.kind]
        window = self.fields["group_window_s"]
        window.validators = [
            *window.validators,
            *forms.IntegerField(min_value=0, max_value=86400).validators,
        ]
        window.widget.attrs.update(min=0, max=86400)
        for name, threshold in (("threshold", spec.threshold), ("threshold2", spec.threshold2)):
            if threshold is None:
                del self.fields[name]
                continue
            field = self.fields[name]
            field.label = threshold.label
            field.help_text = threshold.help or gettext("From %(low)s to %(high)s.") % {
                "low": threshold.minimum,
                "high": threshold.maximum,
            }
            field.validators = [
                *field.validators,
                *forms.IntegerField(min_value=threshold.minimum, max_value=threshold.maximum).validators,
            ]
            field.widget.attrs.update(min=threshold.minimum, max=threshold.maximum)


class MuteForm(forms.Form):
    until = MomentField(
        label=_("Mute until"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_(
            "No message about this alert (or its reopening) before then. In the console's time zone."
        ),
    )

    def clean_until(self) -> datetime:
        until: datetime = self.cleaned_data["until"]
        now = timezone.now()
        if until <= now:
            raise ValidationError(gettext("Pick a time in the future."))
        if until > now + MAX_MUTE:
            raise ValidationError(gettext("At most 30 days ahead."))
        return until

    @staticmethod
    def default_until() -> datetime:
        return timezone.localtime() + timedelta(hours=1)
