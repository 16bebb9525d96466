from __future__ import annotations

from datetime import datetime, timedelta

from django.db import models
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dashboard.timezones import format_local


class ApiCallQuerySet(models.QuerySet["ApiCall"]):
    def listing(self) -> ApiCallQuerySet:
        return self.order_by("-started_at", "-id")

    def for_session(self, session_id: int) -> ApiCallQuerySet:
        return self.filter(session_id=session_id).order_by("started_at", "id")

    def since(self, moment: datetime) -> ApiCallQuerySet:
        return self.filter(started_at__gte=moment)

    def health(self, *, hours: int = 1) -> dict[str, int]:
        """Counts of the last `hours`: {"total": …, "errors": …} in one query."""
        since = timezone.now() - timedelta(hours=hours)
        return self.since(since).aggregate(
            total=Count("id"), errors=Count("id", filter=Q(outcome=ApiCall.Outcome.ERROR))
        )


class ApiCall(models.Model):
    """One attempt of one Tencent Cloud API call (a retried call leaves one row per attempt).

    `session_id` is the primary key of the recording session the call was made for, set through
    `tencent.context.api_call_context`. It is a plain indexed integer, not a foreign key: the gateway is the
    lowest layer and must not import `recordings` (which imports the gateway), and the call log must outlive
    the rows it mentions.
    """

    class Outcome(models.TextChoices):
        OK = "ok", _("OK")
        ERROR = "error", _("Error")

    service = models.CharField(max_length=16, help_text=_("car, live, vod or cos."))
    action = models.CharField(max_length=64, db_index=True)
    request = models.JSONField(default=dict, blank=True, help_text=_("Parameters, with secrets redacted."))
    started_at = models.DateTimeField(default=timezone.now, db_index=True)
    duration_ms = models.PositiveIntegerField(default=0)
    outcome = models.CharField(max_length=8, choices=Outcome.choices)
    error_code = models.CharField(max_length=128, blank=True)
    error_message = models.TextField(blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    attempt = models.PositiveSmallIntegerField(default=1)
    session_id = models.BigIntegerField(null=True, blank=True, db_index=True)

    objects = ApiCallQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["outcome", "started_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(attempt__gte=1), name="tencent_apicall_attempt_positive"),
            models.CheckConstraint(
                condition=Q(outcome="ok", error_code="") | Q(outcome="error"),
                name="tencent_apicall_ok_has_no_error_code",
            ),
        ]

    def __str__(self) -> str:
        return f"{format_local(self.started_at, 'Y-m-d H:i:s')} {self.action} #{self.attempt} {self.outcome}"
