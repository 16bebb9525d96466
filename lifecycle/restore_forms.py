"""The restore box of a file's page and review page: its form (the API takes the same two values, checked by the
service) and what its template (recordings/_file_restore.html) needs."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from lifecycle.restore import MAX_DAYS, RestoreState, RestoreTier
from recordings.models import RecordingFile


class RestoreForm(forms.Form):
    tier = forms.ChoiceField(label=pgettext_lazy("restore tier", "Speed"), widget=forms.RadioSelect)
    days = forms.IntegerField(
        label=_("Keep the restored copy for (days)"),
        min_value=1,
        max_value=MAX_DAYS,
        initial=1,
        help_text=_("Tencent bills the retrieval and the copy's storage for these days."),
    )

    def __init__(self, *args: Any, tiers: tuple[RestoreTier, ...], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        tier_field = self.fields["tier"]
        assert isinstance(tier_field, forms.ChoiceField)
        tier_field.choices = [
            (
                tier.name,
                gettext("%(tier)s: ready within %(delay)s") % {"tier": tier.label, "delay": tier.delay},
            )
            for tier in tiers
        ]
        # Standard is Tencent's default tier and what both archive classes offer; else the fastest.
        names = [tier.name for tier in tiers]
        self.fields["tier"].initial = "Standard" if "Standard" in names else (names[0] if names else None)


def restore_poll_s() -> int:
    """How often a page waiting for a restore asks again (tests and the demo shorten it)."""
    return int(getattr(settings, "RESTORE_POLL_SECONDS", 15))


def restore_box_context(
    recording: RecordingFile, state: RestoreState | None, form: RestoreForm | None = None
) -> dict[str, Any]:
    """`restore` for the page (None: deleted; playable: the player as usual), plus the box's form and poll."""
    if state is None or state.playable:
        return {"restore": state}
    return {
        "file": recording,
        "restore": state,
        "restore_form": form or RestoreForm(tiers=state.tiers),
        "restore_poll_s": restore_poll_s(),
    }
