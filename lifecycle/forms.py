"""The console's forms of the storage lifecycle: a retention policy (of a client app, or a room's override) and
a legal hold. A policy is validated by the model (its field validators and RetentionPolicy.clean, the rules the
API and retention_policy_save apply), so the form, the API and the service cannot disagree."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from lifecycle.models import LegalHold, RetentionPolicy
from lifecycle.services import POLICY_FIELDS

INHERIT, OVERRIDE = "inherit", "override"


class RetentionPolicyForm(forms.ModelForm):  # type: ignore[type-arg]
    """Days of a policy; empty fields mean "forever" / "never". The instance is the unsaved policy the preview
    prices; saving goes through retention_policy_save (audited)."""

    class Meta:
        model = RetentionPolicy
        fields = POLICY_FIELDS
        labels = {
            "keep_days": _("Keep for (days)"),
            "rejected_keep_days": _("Keep rejected files for (days)"),
            "standard_ia_after_days": _("Move to infrequent access after (days)"),
            "archive_after_days": _("Move to archive after (days)"),
            "deep_archive_after_days": _("Move to deep archive after (days)"),
        }
        help_texts = {
            "keep_days": _("Counted from the end of the recording; empty: keep forever."),
            "rejected_keep_days": _("Files rejected in review; empty: as long as the others."),
            "standard_ia_after_days": _("Empty: never."),
            "archive_after_days": _("An archived file plays only after a restore; empty: never."),
            "deep_archive_after_days": _("A restore from deep archive takes a day or more; empty: never."),
        }
        widgets = {
            name: forms.NumberInput(attrs={"min": 0, "inputmode": "numeric"}) for name in POLICY_FIELDS
        }

    def data_for_service(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in POLICY_FIELDS}


class RoomPolicyForm(RetentionPolicyForm):
    """A room either inherits its client app's policy or overrides it; inheriting removes the override."""

    mode = forms.ChoiceField(
        label=_("Policy of this room"),
        choices=[(INHERIT, _("Inherit the client app's policy")), (OVERRIDE, _("Its own policy (override)"))],
        widget=forms.RadioSelect,
    )

    class Meta(RetentionPolicyForm.Meta):
        fields = ["mode", *POLICY_FIELDS]

    def _post_clean(self) -> None:
        # Inheriting ignores the days typed in: they are neither validated nor saved.
        if self.cleaned_data.get("mode") == INHERIT:
            for name in POLICY_FIELDS:
                self.errors.pop(name, None)
                self.cleaned_data[name] = None
            return
        super()._post_clean()  # type: ignore[misc]


class LegalHoldForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = LegalHold
        fields = ["reason", "until"]
        labels = {"reason": _("Reason"), "until": _("Until (optional)")}
        help_texts = {"until": _("Empty: until someone lifts it.")}
        error_messages = {"reason": {"required": _("Give a reason.")}}
        widgets = {
            "reason": forms.TextInput(attrs={"maxlength": 2000}),
            "until": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        }

    def clean_reason(self) -> str:
        reason = str(self.cleaned_data.get("reason") or "").strip()
        if not reason:
            raise forms.ValidationError(gettext("Give a reason."))
        return reason

    def clean_until(self) -> Any:
        until = self.cleaned_data.get("until")
        if until is not None and until <= timezone.now():
            raise forms.ValidationError(gettext("Give a time in the future."))
        return until

    def _post_clean(self) -> None:
        # The hold's target is set by the service; the model's one-target check runs there.
        pass
