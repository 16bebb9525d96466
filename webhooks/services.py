"""Managing endpoints (create, change, rotate the secret, delete), redelivering and test events; all audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from dashboard import audit
from recordings.models import ClientApp
from webhooks.events import webhook_event_emit
from webhooks.models import DeliveryState, EventType, WebhookDelivery, WebhookEndpoint
from webhooks.signing import new_secret
from webhooks.urlsafety import UnsafeUrl, check_url
from webhooks.wakeup import kick_on_commit

ROTATION_OVERLAP = timedelta(hours=24)
FIELDS = ["url", "events", "client_app", "description", "active"]


class EndpointInvalid(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class EndpointInput:
    url: str
    events: list[str]
    client_app: ClientApp | None
    description: str
    active: bool


def validate(data: EndpointInput) -> None:
    unknown = sorted(set(data.events) - {t.value for t in EventType if t != EventType.TEST})
    if unknown:
        raise EndpointInvalid("events", gettext("Unknown event type: %(type)s.") % {"type": unknown[0]})
    try:
        check_url(data.url)
    except UnsafeUrl as exc:
        raise EndpointInvalid("url", str(exc)) from exc


def _snapshot(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {
        "url": endpoint.url,
        "events": list(endpoint.events),
        "client_app": endpoint.client_app_id,
        "description": endpoint.description,
        "active": endpoint.active,
    }


@transaction.atomic
def endpoint_create(*, data: EndpointInput, actor: User) -> WebhookEndpoint:
    """A new endpoint with a fresh `whsec_` secret (the caller shows it once)."""
    validate(data)
    endpoint = WebhookEndpoint.objects.create(
        url=data.url,
        events=sorted(set(data.events)),
        client_app=data.client_app,
        description=data.description,
        active=data.active,
        secret=new_secret(),
        created_by=actor,
    )
    audit.record(actor=actor, action="webhook.create", obj=endpoint, changes=_snapshot(endpoint))
    return endpoint


@transaction.atomic
def endpoint_update(*, endpoint: WebhookEndpoint, data: EndpointInput, actor: User) -> WebhookEndpoint:
    validate(data)
    before = _snapshot(endpoint)
    endpoint.url, endpoint.events, endpoint.client_app = data.url, sorted(set(data.events)), data.client_app
    endpoint.description = data.description
    if data.active and not endpoint.active:
        # Re-enabled by hand: its failures start counting afresh and what waited while it was off goes out.
        endpoint.disabled_reason, endpoint.failing_since = "", None
        WebhookDelivery.objects.filter(endpoint=endpoint, state=DeliveryState.PENDING).update(
            next_attempt_at=timezone.now()
        )
    endpoint.active = data.active
    endpoint.save()
    after = _snapshot(endpoint)
    changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    audit.record(actor=actor, action="webhook.update", obj=endpoint, changes=changes)
    return endpoint


@transaction.atomic
def endpoint_delete(*, endpoint: WebhookEndpoint, actor: User) -> None:
    audit.record(actor=actor, action="webhook.delete", obj=endpoint, changes=_snapshot(endpoint))
    endpoint.delete()


@transaction.atomic
def endpoint_rotate_secret(*, endpoint: WebhookEndpoint, actor: User, now: datetime | None = None) -> str:
    """A new secret signs from now on; the old one keeps signing alongside it for 24 hours."""
    now = now or timezone.now()
    endpoint.previous_secret, endpoint.previous_secret_until = endpoint.secret, now + ROTATION_OVERLAP
    endpoint.secret = new_secret()
    endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_until", "updated_at"])
    audit.record(
        actor=actor,
        action="webhook.rotate_secret",
        obj=endpoint,
        changes={"old_secret_signs_until": endpoint.previous_secret_until.isoformat()},
    )
    return endpoint.secret


def endpoint_disable(*, endpoint: WebhookEndpoint, reason: str, at: datetime, alert: bool) -> None:
    """Switched off by the sender (a 410, or failing for days); with `alert`, an attention item says so."""
    with transaction.atomic():
        changed = WebhookEndpoint.objects.filter(pk=endpoint.pk, active=True).update(
            active=False, disabled_reason=reason[:300], updated_at=timezone.now()
        )
        endpoint.active, endpoint.disabled_reason = False, reason[:300]
        if not changed:
            return
        audit.record(
            actor=None,
            action="webhook.disable",
            obj=endpoint,
            object_repr=str(endpoint),
            changes={"reason": reason},
        )
        if alert:
            from recordings.models import Attention

            # Not through attention(): that would emit attention.raised to this very endpoint's peers
            # about a machine matter; the overview lists the item for operators all the same.
            Attention.objects.create(
                kind="webhook_disabled",
                subject=str(endpoint)[:100],
                message=f"Webhook endpoint {endpoint.url} was disabled: {reason}",
                action_taken="Disabled the endpoint; re-enable it on its page once the receiver works.",
                at=at,
            )


@transaction.atomic
def delivery_redeliver(*, delivery: WebhookDelivery, actor: User) -> WebhookDelivery:
    """Send the same event again (same `webhook-id`), with a fresh retry schedule."""
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        state=DeliveryState.PENDING, next_attempt_at=timezone.now(), first_attempt_at=None, delivered_at=None
    )
    audit.record(
        actor=actor,
        action="webhook.redeliver",
        obj=delivery.endpoint,
        changes={"event": delivery.event.uid, "type": delivery.event.type},
    )
    kick_on_commit()
    delivery.refresh_from_db()
    return delivery


@transaction.atomic
def endpoint_send_test(*, endpoint: WebhookEndpoint, actor: User) -> None:
    webhook_event_emit(
        EventType.TEST,
        data={
            "message": "A test event from CNR Console.",
            "endpoint": endpoint.pk,
            "sent_by": actor.get_username(),
        },
        only_endpoint_id=endpoint.pk,
    )
    audit.record(actor=actor, action="webhook.test", obj=endpoint, changes={})
