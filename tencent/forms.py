from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class CloudSetupForm(forms.Form):
    """`tencent_setup --apply [--force]` from the Cloud setup page."""

    force = forms.BooleanField(
        required=False,
        label=_("Also replace what exists but is wrong"),
        help_text=_(
            "A new record or callback template is created and the push domain's callback rule re-bound; "
            "nothing existing is edited."
        ),
    )
