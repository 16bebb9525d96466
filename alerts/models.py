"""Alerts for people: channels (where messages go), rules (what is watched, with thresholds), alerts (one open
condition each, by dedupe key) and notifications (every message sent or to be sent, the outbox and its log).

Conditions are read from the database by a periodic job (alerts.services.alerts_evaluate), never from events in
Redis, so an outage of Redis or of a worker delays an alert but never loses it.
"""

from __future__ import annotations

from datetime import datetime

import apprise
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dashboard.timezones import format_local


class ChannelKind(models.TextChoices):
    EMAIL = "email", _("E-mail (the console's mail settings)")
    APPRISE = "apprise", _("Apprise URL (WeCom, DingTalk, Feishu/Lark, Slack, Teams, JSON, …)")


class Channel(models.Model):
    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=8, choices=ChannelKind.choices)
    # An Apprise URL (which may hold a token or a password) or e-mail addresses separated by commas. Never shown
    # back in full: pages show `Channel.display_target`.
    target = models.CharField(max_length=1000)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_test_at = models.DateTimeField(null=True, blank=True)
    last_test_ok = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def display_target(self) -> str:
        """Addresses as they are; an Apprise URL as Apprise's privacy form (passwords starred, tokens shortened to
        their first and last character) without its query string."""
        if self.kind == ChannelKind.EMAIL:
            return self.target
        plugin = apprise.Apprise.instantiate(self.target)
        if plugin is None:
            scheme = self.target.split("://", 1)[0]
            return f"{scheme}://…"
        return str(plugin.url(privacy=True)).split("?", 1)[0]


class RuleKind(models.TextChoices):
    RECORDING_FAILED = "recording_failed", _("A recording failed")
    LATE_START = "late_start", _("A recording started late")
    STREAM_ANOMALY = "stream_anomaly", _("Stream anomaly")
    NO_FILES = "no_files", _("No files after a stop")
    BUDGET_WARNING = "budget_warning", _("Budget at its warning level")
    BUDGET_EXCEEDED = "budget_exceeded", _("Budget at 100 %")
    RECONCILIATION = "reconciliation", _("Reconciliation repaired a session")
    REVIEW_QUEUE = "review_queue", _("Review queue waiting too long")
    TENCENT_ERRORS = "tencent_errors", _("Tencent API error rate")


class Rule(models.Model):
    """One per kind (alerts.rules.rules_ensure creates them); what each threshold means is in alerts.rules.SPECS."""

    kind = models.CharField(max_length=20, choices=RuleKind.choices, unique=True)
    enabled = models.BooleanField(default=True)
    threshold = models.PositiveIntegerField(default=0)
    threshold2 = models.PositiveIntegerField(default=0)
    group_window_s = models.PositiveIntegerField(
        _("grouping window (seconds)"),
        default=60,
        help_text=_(
            "Wait this long after an alert opens, and between updates, so that what happens together "
            "goes out as one message."
        ),
    )
    channels = models.ManyToManyField(Channel, blank=True, related_name="rules")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.get_kind_display()


class AlertState(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")


class AlertQuerySet(models.QuerySet["Alert"]):
    def open(self) -> AlertQuerySet:
        return self.filter(state=AlertState.OPEN)

    def listing(self) -> AlertQuerySet:
        return self.select_related("rule").order_by("-opened_at", "-id")


class Alert(models.Model):
    """A condition of one rule while it holds: opened, updated as its items change, resolved when it clears.

    `items` are what the condition currently finds ({"key", "text"}: ten failed recordings are ten items of one
    alert); `notified_keys` are the items the last message named, so an update names only what is new.
    """

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="alerts")
    dedupe_key = models.CharField(max_length=200)
    title = models.CharField(max_length=300)
    state = models.CharField(max_length=8, choices=AlertState.choices, default=AlertState.OPEN)
    items = models.JSONField(default=list, blank=True)
    notified_keys = models.JSONField(default=list, blank=True)
    opened_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    last_notified_at = models.DateTimeField(null=True, blank=True)
    muted_until = models.DateTimeField(null=True, blank=True)
    muted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = AlertQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key"],
                condition=Q(state="open"),
                name="alert_one_open_per_dedupe_key",
                violation_error_message="An alert with this dedupe key is already open.",
            )
        ]
        indexes = [models.Index(fields=["state", "-opened_at"], name="alert_state_opened_idx")]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_state_display().lower()} since {format_local(self.opened_at)})"

    def is_muted(self, now: datetime) -> bool:
        return self.muted_until is not None and self.muted_until > now


class NotificationEvent(models.TextChoices):
    OPENED = "opened", _("Opened")
    UPDATED = "updated", pgettext_lazy("alert notification", "Updated")
    RESOLVED = "resolved", _("Resolved")
    TEST = "test", _("Test")


class NotificationState(models.TextChoices):
    PENDING = "pending", pgettext_lazy("alert notification", "Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Notification(models.Model):
    """One message to one channel: written in the transaction that decided it, sent after, retried if it failed."""

    alert = models.ForeignKey(
        Alert, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="notifications")
    event = models.CharField(max_length=8, choices=NotificationEvent.choices)
    title = models.CharField(max_length=300)
    body = models.TextField()
    state = models.CharField(
        max_length=8, choices=NotificationState.choices, default=NotificationState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "created_at"], name="notification_state_idx")]

    def __str__(self) -> str:
        return f"{self.get_event_display()} to {self.channel}: {self.title}"
