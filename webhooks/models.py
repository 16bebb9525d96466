"""Outgoing webhooks: endpoints, the event outbox, one delivery per (endpoint, event) and its attempts.

The outbox row (`WebhookEvent`) is written in the transaction of the change that caused it, so a committed change
always has its event and a rolled-back one never does. The delivery job fans events out into `WebhookDelivery`
rows (the database, not Redis, says what is still to send) and logs every HTTP attempt as a `WebhookAttempt`.
"""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class EventType(models.TextChoices):
    RECORDING_SCHEDULED = "recording.scheduled", _("A recording was scheduled")
    RECORDING_STARTED = "recording.started", _("A recording is recording (its stream is live)")
    RECORDING_STOPPED = "recording.stopped", _("A recording was stopped")
    RECORDING_COMPLETED = "recording.completed", _("A recording completed (with its files)")
    RECORDING_FAILED = "recording.failed", _("A recording failed")
    FILE_CREATED = "file.created", _("A recording file arrived")
    FILE_DELETED = "file.deleted", _("A recording file was deleted")
    REVIEW_DECIDED = "review.decided", _("A moderator decided on a file")
    BUDGET_THRESHOLD = "budget.threshold", _("A budget reached its warning level or 100 %")
    ATTENTION_RAISED = "attention.raised", _("The orchestration raised an attention item")
    # Sent only by the *Send test event* button / POST /webhooks/{id}/test, to that one endpoint.
    TEST = "webhook.test", _("Test event")


SUBSCRIBABLE = [t for t in EventType if t != EventType.TEST]


class WebhookEndpoint(models.Model):
    url = models.URLField(max_length=500)
    events = models.JSONField(default=list, blank=True, help_text=_("Event types to send; empty = all."))
    client_app = models.ForeignKey(
        "recordings.ClientApp",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="webhook_endpoints",
        help_text=_("Only events of this client app's recordings (empty = every app)."),
    )
    description = models.CharField(max_length=200, blank=True)
    active = models.BooleanField(default=True)
    secret = models.CharField(max_length=100)
    # After a rotation the old secret signs alongside the new one until this time.
    previous_secret = models.CharField(max_length=100, blank=True)
    previous_secret_until = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    # The first failed attempt since the last success: failing for WEBHOOKS_DISABLE_AFTER disables the endpoint.
    failing_since = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.description or self.url

    def wants(self, event: WebhookEvent) -> bool:
        if event.only_endpoint_id is not None:
            return event.only_endpoint_id == self.pk
        if self.events and event.type not in self.events:
            return False
        return self.client_app_id is None or self.client_app_id == event.client_app_id


class WebhookEvent(models.Model):
    """One event in the outbox; `uid` is the `webhook-id` of every attempt to every endpoint."""

    uid = models.CharField(max_length=40, unique=True)
    type = models.CharField(max_length=40, choices=EventType.choices)
    # Plain ids, not foreign keys: the event outlives the rows it describes (a deleted file, a pruned session).
    session_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    client_app_id = models.BigIntegerField(null=True, blank=True)
    only_endpoint = models.ForeignKey(WebhookEndpoint, null=True, blank=True, on_delete=models.CASCADE)
    data = models.JSONField(encoder=DjangoJSONEncoder)
    occurred_at = models.DateTimeField()
    # Set when the delivery job fans the event out (in outbox order, so per-recording numbers only grow).
    sequence = models.PositiveIntegerField(null=True, blank=True)
    body = models.TextField(blank=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["id"],
                condition=models.Q(dispatched_at__isnull=True),
                name="webhook_event_undispatched",
            )
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.uid}"


class DeliveryState(models.TextChoices):
    PENDING = "pending", pgettext_lazy("webhook delivery", "Pending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Gave up")


class WebhookDelivery(models.Model):
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    state = models.CharField(max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    # When it is due; while an attempt is in flight this is pushed ahead (a claim that lapses if the worker dies).
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    first_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event"], name="webhook_delivery_once_per_endpoint")
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="webhook_delivery_due")]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint}"


class WebhookAttempt(models.Model):
    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    ok = models.BooleanField()
    response_start = models.CharField(max_length=500, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.delivery_id} at {self.at:%Y-%m-%d %H:%M:%S}: {self.status_code or self.error}"


class BudgetMark(models.Model):
    """The highest budget level already announced for an app's month, so each crossing is sent once."""

    client_app_id = models.BigIntegerField()
    month = models.DateField()
    level = models.CharField(max_length=10)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client_app_id", "month"], name="webhook_budget_mark_once")
        ]

    def __str__(self) -> str:
        return f"app {self.client_app_id} {self.month:%Y-%m}: {self.level}"
