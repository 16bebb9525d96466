from __future__ import annotations

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from recordings.models import ClientApp
from webhooks.models import SUBSCRIBABLE, WebhookEndpoint
from webhooks.services import EndpointInput


class EndpointForm(forms.Form):
    url = forms.CharField(
        label=_("URL"),
        max_length=500,
        help_text=_("http:// or https://; loopback, private and link-local addresses are refused."),
        widget=forms.URLInput(attrs={"autocomplete": "off"}),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=[(t.value, format_lazy("{} — {}", t.value, t.label)) for t in SUBSCRIBABLE],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every event."),
    )
    client_app = forms.ModelChoiceField(
        label=_("Client app"),
        queryset=ClientApp.objects.order_by("name"),
        required=False,
        empty_label=_("Every client app"),
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    @classmethod
    def for_endpoint(cls, endpoint: WebhookEndpoint, data: object = None) -> EndpointForm:
        initial = {
            "url": endpoint.url,
            "events": endpoint.events,
            "client_app": endpoint.client_app,
            "description": endpoint.description,
            "active": endpoint.active,
        }
        return cls(data=data, initial=initial)  # type: ignore[arg-type]

    def to_input(self) -> EndpointInput:
        data = self.cleaned_data
        return EndpointInput(
            data["url"].strip(), list(data["events"]), data["client_app"], data["description"], data["active"]
        )
