"""Length limits that are told, not enforced by cutting: a text field with a limit says it in its help text, and
a longer value is refused on submit with "At most N characters" (the browser's maxlength would cut a pasted
value silently, and counts differently from the database for characters outside the BMP)."""

from __future__ import annotations

from django import forms
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

MESSAGE = _("At most %(limit_value)d characters (this has %(show_value)d).")


def announce_length_limits(form: forms.BaseForm) -> None:
    for field in form.fields.values():
        limit = getattr(field, "max_length", None)
        if not limit or isinstance(field.widget, forms.HiddenInput):
            continue
        field.widget.attrs.pop("maxlength", None)
        field.validators = [
            MaxLengthValidator(limit, message=MESSAGE) if isinstance(v, MaxLengthValidator) else v
            for v in field.validators
        ]
        hint = gettext("At most %(limit)d characters.") % {"limit": limit}
        if hint not in str(field.help_text):
            field.help_text = f"{field.help_text} {hint}".strip()
