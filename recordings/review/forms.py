"""Forms of the moderation pages: queue filters, verdicts and time-coded notes."""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.contrib.auth.models import User
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from recordings.filters import RecordingWindowFilterForm
from recordings.models import Decision, FlagKind, RejectReason
from recordings.review.services.review import QueueQuerySet, escalation_targets

CLAIM_FILTERS = [
    ("", _("Any claim")),
    ("unclaimed", _("Unclaimed")),
    ("mine", _("Claimed by me")),
    ("escalated", _("Escalated to me")),
]


class QueueFilterForm(RecordingWindowFilterForm):
    tag = forms.CharField(required=False, max_length=32, label=_("Room tag"))
    flag = forms.ChoiceField(
        required=False, label=_("QA flag"), choices=[("", _("Any flags")), *FlagKind.choices]
    )
    claim = forms.ChoiceField(required=False, choices=CLAIM_FILTERS, label=_("Claim"))

    def filter(self, queryset: QueueQuerySet, *, user: User, now: datetime) -> QueueQuerySet:
        if not self.is_valid():
            return queryset
        queryset = self.filter_window(queryset)
        data = self.cleaned_data
        if data["tag"]:
            queryset = queryset.with_room_tag(data["tag"])  # normalised as stored, like the rooms filter
        if data["flag"]:
            queryset = queryset.with_flag(data["flag"])
        if data["claim"] == "unclaimed":
            queryset = queryset.unclaimed(now)
        elif data["claim"] == "mine":
            queryset = queryset.claimed_by(user, now)
        elif data["claim"] == "escalated":
            queryset = queryset.escalated_to(user)
        return queryset


class VerdictForm(forms.Form):
    decision = forms.ChoiceField(choices=Decision.choices, label=_("Decision"))
    reason = forms.ModelChoiceField(
        RejectReason.objects.active(),
        required=False,
        to_field_name="code",
        empty_label=_("Reason…"),
        label=_("Reason"),
    )
    comment = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}), label=_("Comment")
    )
    hide_from_outputs = forms.BooleanField(
        required=False, initial=True, label=_("Hide from the outputs browser (operators)")
    )
    escalate_to = forms.ModelChoiceField(
        User.objects.none(), required=False, empty_label=_("Escalate to…"), label=_("Escalate to")
    )
    # The revision the page showed (0: none yet), so a verdict on a stale page is refused instead of overruling.
    revision = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    def __init__(self, *args: object, actor: User, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["escalate_to"].queryset = escalation_targets().exclude(pk=actor.pk)  # type: ignore[attr-defined]
        self.fields["reason"].label_from_instance = lambda reason: reason.display_label  # type: ignore[attr-defined]

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("decision") == Decision.REJECT and not data.get("reason"):
            self.add_error("reason", gettext("Choose a reason for the rejection."))
        if data.get("decision") == Decision.ESCALATE and not data.get("escalate_to"):
            self.add_error("escalate_to", gettext("Choose who to escalate to."))
        return data


class UndoForm(forms.Form):
    revision = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class NoteForm(forms.Form):
    position_s = forms.FloatField(min_value=0, initial=0, label=_("At (s)"))
    text = forms.CharField(max_length=2000, label=_("Note"))
