"""Retention policies, legal holds and what the console last made Tencent do to each recorded file.

A policy belongs to a client app, or overrides it for one room. A hold protects a file, a recording (session) or
a room. `FileLifecycle` is the console's record of a file's storage class and VOD ExpireTime as last set, so the
daily `retention_apply` calls Tencent only where the wanted state differs (idempotent).
"""

from __future__ import annotations

from datetime import datetime
from itertools import pairwise
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from recordings.catalog.models import Room

MAX_DAYS = 36_500  # a century: beyond it "forever" is the honest setting


class StorageClass(models.TextChoices):
    """Tencent's storage classes, warmest first (VOD and COS share the names)."""

    # A context: "Standard"/"Archive" alone are other areas' msgids too (catalogs merge, the first one wins).
    STANDARD = "STANDARD", pgettext_lazy("storage class", "Standard")
    STANDARD_IA = "STANDARD_IA", pgettext_lazy("storage class", "Infrequent access")
    ARCHIVE = "ARCHIVE", pgettext_lazy("storage class", "Archive")
    DEEP_ARCHIVE = "DEEP_ARCHIVE", pgettext_lazy("storage class", "Deep archive")


def _days(verbose_name: StrOrPromise, help_text: StrOrPromise) -> models.PositiveIntegerField:  # type: ignore[type-arg]
    return models.PositiveIntegerField(
        verbose_name,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_DAYS)],
        help_text=help_text,
    )


class RetentionPolicyQuerySet(models.QuerySet["RetentionPolicy"]):
    """The one rule of which policy governs a room's files: the room's own, else its client app's, else none
    (kept forever)."""

    def in_effect(self, room: Room) -> RetentionPolicy | None:
        """The policy governing `room`'s files (one query)."""
        found = {
            policy.room_id is not None: policy
            for policy in self.filter(Q(room=room) | Q(client_app_id=room.client_app_id, room=None))
        }
        return found.get(True) or found.get(False)

    def by_owner(self) -> tuple[dict[int, RetentionPolicy], dict[int, RetentionPolicy]]:
        """Every policy, by room and by client app (one query: policies are few); with `governing`, the rule
        applied to many rooms without a query each."""
        by_room: dict[int, RetentionPolicy] = {}
        by_app: dict[int, RetentionPolicy] = {}
        for policy in self.order_by():
            if policy.room_id is not None:
                by_room[policy.room_id] = policy
            elif policy.client_app_id is not None:
                by_app[policy.client_app_id] = policy
        return by_room, by_app


def governing(
    owners: tuple[dict[int, RetentionPolicy], dict[int, RetentionPolicy]], *, room_id: int, client_app_id: int
) -> RetentionPolicy | None:
    """The policy in effect for a room, from `RetentionPolicy.objects.by_owner()`."""
    by_room, by_app = owners
    return by_room.get(room_id) or by_app.get(client_app_id)


class RetentionPolicy(models.Model):
    client_app = models.ForeignKey(
        "recordings.ClientApp",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="retention_policies",
        verbose_name=_("client app"),
    )
    room = models.ForeignKey(
        "recordings.Room",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="retention_policies",
        verbose_name=_("room"),
    )
    keep_days = _days(
        _("keep (days)"), _("Days after the recording ends before the file is deleted; empty = keep forever.")
    )
    rejected_keep_days = _days(
        _("keep rejected files (days)"),
        _("Shorter retention for files rejected in review; empty = as keep_days."),
    )
    standard_ia_after_days = _days(
        _("to infrequent access after (days)"),
        _("Move to infrequent access this many days after the recording; empty = never."),
    )
    archive_after_days = _days(
        _("to archive after (days)"), _("Move to archive (playable only after a restore); empty = never.")
    )
    deep_archive_after_days = _days(
        _("to deep archive after (days)"),
        _("Move to deep archive (playable only after a restore); empty = never."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = RetentionPolicyQuerySet.as_manager()

    class Meta:
        verbose_name = _("retention policy")
        verbose_name_plural = _("retention policies")
        constraints = [
            models.CheckConstraint(
                condition=Q(client_app__isnull=False, room__isnull=True)
                | Q(client_app__isnull=True, room__isnull=False),
                name="retentionpolicy_app_or_room",
                violation_error_message=_("A policy belongs to a client app or to one room."),
            ),
            models.UniqueConstraint(
                fields=["client_app"], condition=Q(room__isnull=True), name="retentionpolicy_one_per_app"
            ),
            models.UniqueConstraint(fields=["room"], name="retentionpolicy_one_per_room"),
        ]

    def __str__(self) -> str:
        owner = f"room {self.room_id}" if self.room_id else f"client app {self.client_app_id}"
        return f"Retention of {owner}"

    def clean(self) -> None:
        steps = [
            ("standard_ia_after_days", self.standard_ia_after_days),
            ("archive_after_days", self.archive_after_days),
            ("deep_archive_after_days", self.deep_archive_after_days),
        ]
        given = [(name, days) for name, days in steps if days is not None]
        errors: dict[str, object] = {}
        for (__, earlier), (name, later) in pairwise(given):
            if later <= earlier:
                errors[name] = _("Each colder class must come later than the warmer ones.")
        if self.keep_days is not None:
            for name, days in given:
                if days >= self.keep_days:
                    errors.setdefault(name, _("A move must come before the file is deleted."))
        if errors:
            raise ValidationError(errors)

    def transitions(self) -> list[tuple[int, str]]:
        """(days, class) in the order they happen."""
        steps = [
            (self.standard_ia_after_days, StorageClass.STANDARD_IA),
            (self.archive_after_days, StorageClass.ARCHIVE),
            (self.deep_archive_after_days, StorageClass.DEEP_ARCHIVE),
        ]
        return sorted((days, str(cls)) for days, cls in steps if days is not None)


class LegalHoldQuerySet(models.QuerySet["LegalHold"]):
    def active(self, at: datetime | None = None) -> LegalHoldQuerySet:
        at = at or timezone.now()
        return self.filter(lifted_at__isnull=True).filter(Q(until__isnull=True) | Q(until__gt=at))

    def covering(self, recording_file: models.Model, at: datetime | None = None) -> LegalHoldQuerySet:
        """Holds protecting the file: on it, on its recording (session) or on its room."""
        target = Q(file_id=recording_file.pk)
        session_id = getattr(recording_file, "session_id", None)
        room_id = getattr(recording_file, "room_id", None)
        if session_id:
            target |= Q(session_id=session_id)
        if room_id:
            target |= Q(room_id=room_id)
        return self.active(at).filter(target)


class LegalHold(models.Model):
    file = models.ForeignKey(
        "recordings.RecordingFile",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="legal_holds",
        verbose_name=_("file"),
    )
    session = models.ForeignKey(
        "recordings.RecordingSession",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="legal_holds",
        verbose_name=_("recording"),
    )
    room = models.ForeignKey(
        "recordings.Room",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="legal_holds",
        verbose_name=_("room"),
    )
    reason = models.TextField(_("reason"))
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("placed by"),
    )
    placed_at = models.DateTimeField(_("placed at"), default=timezone.now)
    until = models.DateTimeField(_("until"), null=True, blank=True, help_text=_("Empty: until lifted."))
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("lifted by"),
    )
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)

    objects = LegalHoldQuerySet.as_manager()

    class Meta:
        verbose_name = _("legal hold")
        verbose_name_plural = _("legal holds")
        ordering = ["-placed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(file__isnull=False, session__isnull=True, room__isnull=True)
                | Q(file__isnull=True, session__isnull=False, room__isnull=True)
                | Q(file__isnull=True, session__isnull=True, room__isnull=False),
                name="legalhold_one_target",
                violation_error_message=_("A hold is on one file, one recording or one room."),
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="legalhold_has_reason"),
        ]

    def __str__(self) -> str:
        target = (
            f"file {self.file_id}"
            if self.file_id
            else f"recording {self.session_id}"
            if self.session_id
            else f"room {self.room_id}"
        )
        return f"Legal hold on {target}"


class FileLifecycleQuerySet(models.QuerySet["FileLifecycle"]):
    def needing_attention(self) -> FileLifecycleQuerySet:
        return self.exclude(last_error="").select_related("file").order_by("-failed_at")


class FileLifecycle(models.Model):
    """What the console last made Tencent do to the file (and the last failure, listed under Needs attention)."""

    file = models.OneToOneField(
        "recordings.RecordingFile", on_delete=models.CASCADE, related_name="lifecycle", verbose_name=_("file")
    )
    storage_class = models.CharField(
        _("storage class"), max_length=12, choices=StorageClass.choices, default=StorageClass.STANDARD
    )
    class_since = models.DateTimeField(_("in the class since"), null=True, blank=True)
    expire_at = models.DateTimeField(
        _("expires at"), null=True, blank=True, help_text=_("VOD ExpireTime as last set; empty = never.")
    )
    expire_synced = models.BooleanField(
        _("expiry synced"), default=False, help_text=_("Whether expire_at was set at Tencent.")
    )
    last_error = models.TextField(_("last error"), blank=True)
    failed_at = models.DateTimeField(_("failed at"), null=True, blank=True)
    failures = models.PositiveIntegerField(_("failures"), default=0)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    # A restore of an archived file asked for by someone who wants to play it: when it was asked, when it is
    # (expected to be, then known to be) readable, and until when the restored copy lasts.
    restore_requested_at = models.DateTimeField(_("restore requested at"), null=True, blank=True)
    restore_ready_at = models.DateTimeField(_("restore ready at"), null=True, blank=True)
    restore_confirmed = models.BooleanField(
        _("restore confirmed"), default=False, help_text=_("Tencent said the restore is done.")
    )
    restore_until = models.DateTimeField(_("restored copy until"), null=True, blank=True)

    objects = FileLifecycleQuerySet.as_manager()

    class Meta:
        verbose_name = _("file lifecycle")
        verbose_name_plural = _("file lifecycles")

    def __str__(self) -> str:
        return f"Lifecycle of file {self.file_id}"


class FileClassChange(models.Model):
    """A file entering a storage class (a row per move the console made): its class history, from which the cost
    report prices each day in the class it was really in. Before its first row a file is STANDARD."""

    file = models.ForeignKey(
        "recordings.RecordingFile",
        on_delete=models.CASCADE,
        related_name="class_changes",
        verbose_name=_("file"),
    )
    storage_class = models.CharField(_("storage class"), max_length=12, choices=StorageClass.choices)
    at = models.DateTimeField(_("moved at"))

    class Meta:
        verbose_name = _("storage class change")
        verbose_name_plural = _("storage class changes")
        ordering = ["file_id", "at", "id"]
        indexes = [models.Index(fields=["file", "at"], name="fileclasschange_file_at_idx")]

    def __str__(self) -> str:
        return f"File {self.file_id} to {self.storage_class} at {self.at:%Y-%m-%d %H:%M}"
