"""Moderation of recorded material: claims, verdicts (every revision a row), notes, QA flags, markers, transcripts.

A file's `review_status` (on `RecordingFile`) mirrors its current verdict: pending until approved or rejected; an
escalation keeps it pending and hands it to one named reviewer. Claims are one row per file that expires by time,
so a moderator who walks away never blocks an item for longer than `CLAIM_TTL`.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from dashboard.timezones import format_local
from recordings.media.models import RecordingFile, RecordingFileQuerySet
from recordings.sessions.lifecycle import english

CLAIM_TTL = timedelta(minutes=30)
INTERACTION_KIND_REGEX = r"^[a-z][a-z0-9_]{0,31}$"
INTERACTION_KIND_PATTERN = re.compile(INTERACTION_KIND_REGEX)
interaction_kind_validator = RegexValidator(
    INTERACTION_KIND_REGEX, "A kind is lowercase letters, digits and '_', e.g. bullet_comment."
)


def files_visible_to(
    user: AbstractBaseUser | AnonymousUser, queryset: RecordingFileQuerySet | None = None
) -> RecordingFileQuerySet:
    """The recording files `user` may see (`RecordingFileQuerySet.visible_to`, the one rule): rejected files
    whose verdict hides them are visible only to those who see reviews (moderators and managers)."""
    files = RecordingFile.objects.all() if queryset is None else queryset
    return files.visible_to(user)


class RejectReasonQuerySet(models.QuerySet["RejectReason"]):
    def active(self) -> RejectReasonQuerySet:
        return self.filter(is_active=True).order_by("position", "label")


# The reasons migration 0005 seeds, marked for translation: shown in the page's language while their stored label
# is still the seeded one (a label edited in the admin is shown as written).
SEEDED_REASON_LABELS = {
    "technical": gettext_noop("Technical quality (black, frozen, silent or broken)"),
    "incomplete": gettext_noop("Incomplete or cut off"),
    "inappropriate": gettext_noop("Inappropriate or unsafe content"),
    "copyright": gettext_noop("Third-party copyrighted material"),
    "privacy": gettext_noop("Personal data or privacy concern"),
    "off_topic": gettext_noop("Not the expected programme"),
    "other": gettext_noop("Other (explain in the comment)"),
}


class RejectReason(models.Model):
    """One entry of the configurable list a moderator picks from when rejecting (edited in the admin)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    label = models.CharField(_("label"), max_length=120)
    position = models.PositiveSmallIntegerField(_("position"), default=100)
    is_active = models.BooleanField(_("active"), default=True)

    objects = RejectReasonQuerySet.as_manager()

    class Meta:
        verbose_name = _("reject reason")
        verbose_name_plural = _("reject reasons")
        ordering = ["position", "label"]

    def __str__(self) -> str:
        return self.label

    @property
    def display_label(self) -> str:
        if SEEDED_REASON_LABELS.get(self.code) == self.label:
            return gettext(self.label)
        return self.label


class ReviewClaimQuerySet(models.QuerySet["ReviewClaim"]):
    def active_on(self, recording: RecordingFile, now: datetime) -> ReviewClaim | None:
        """The file's claim (with its moderator) while it holds; None when there is none or it expired."""
        claim = self.select_related("moderator").filter(file=recording).first()
        return claim if claim is not None and claim.is_active(now) else None


class ReviewClaim(models.Model):
    """Who is reviewing a file right now; stale once `expires_at` passes (anyone may then take it)."""

    file = models.OneToOneField(RecordingFile, on_delete=models.CASCADE, related_name="review_claim")
    moderator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    claimed_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)

    objects = ReviewClaimQuerySet.as_manager()

    class Meta:
        verbose_name = _("review claim")
        verbose_name_plural = _("review claims")
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("claimed_at")),
                name="reviewclaim_expires_after_claim",
                violation_error_message=_("A claim must expire after it was taken."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.file_id} claimed by {self.moderator_id} until {format_local(self.expires_at, 'H:i')}"

    def is_active(self, now: datetime | None = None) -> bool:
        return self.expires_at > (now or timezone.now())


class Decision(models.TextChoices):
    APPROVE = "approve", _("Approved")
    REJECT = "reject", _("Rejected")
    ESCALATE = "escalate", _("Escalated")


class ReviewVerdictQuerySet(models.QuerySet["ReviewVerdict"]):
    def current(self) -> ReviewVerdictQuerySet:
        return self.filter(is_current=True)

    def history(self) -> ReviewVerdictQuerySet:
        return self.select_related("moderator", "reason", "escalated_to").order_by("-revision")


class ReviewVerdict(models.Model):
    """One decision on a file. A revision adds a row with the next number; only the newest is current."""

    file = models.ForeignKey(RecordingFile, on_delete=models.CASCADE, related_name="review_verdicts")
    revision = models.PositiveSmallIntegerField()
    is_current = models.BooleanField(default=True)
    decision = models.CharField(max_length=8, choices=Decision.choices)
    reason = models.ForeignKey(
        RejectReason, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    comment = models.TextField(blank=True)
    hide_from_outputs = models.BooleanField(
        default=False,
        help_text=_("Rejected: hidden from the outputs browser except for moderators and managers."),
    )
    escalated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(db_index=True)

    objects = ReviewVerdictQuerySet.as_manager()

    class Meta:
        verbose_name = _("review verdict")
        verbose_name_plural = _("review verdicts")
        ordering = ["file", "-revision"]
        constraints = [
            models.UniqueConstraint(
                fields=["file", "revision"],
                name="reviewverdict_unique_revision",
                violation_error_message=_(
                    "Someone else gave a verdict on this file at the same time: reload it and try again."
                ),
            ),
            models.UniqueConstraint(
                fields=["file"],
                condition=Q(is_current=True),
                name="reviewverdict_one_current",
                violation_error_message=_(
                    "This file already has a current verdict: reload it and try again."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(decision="reject") | Q(reason__isnull=False),
                name="reviewverdict_reject_has_reason",
                violation_error_message=_("A rejection needs a reason."),
            ),
            models.CheckConstraint(
                condition=~Q(decision="escalate") | Q(escalated_to__isnull=False),
                name="reviewverdict_escalation_has_target",
                violation_error_message=_("An escalation needs the person it goes to."),
            ),
            models.CheckConstraint(
                condition=Q(decision="reject") | Q(hide_from_outputs=False),
                name="reviewverdict_only_rejections_hide",
                violation_error_message=_("Only a rejected file can be hidden from outputs."),
            ),
        ]
        # The files a rejection hides, asked by every files page, the callback log and the API. Created by raw
        # SQL in migration 0009, in the migration state since 0013 (state only): keep it as that SQL wrote it
        # (& keeps the WHERE terms in its order; Q(a=..., b=...) would sort them).
        indexes = [
            models.Index(
                fields=["file"],
                condition=Q(is_current=True) & Q(hide_from_outputs=True),
                name="reviewverdict_hiding_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{english(Decision(self.decision).label)} (rev. {self.revision}) of file {self.file_id}"


class ReviewNote(models.Model):
    """A moderator's note pinned to a playback position of the file."""

    file = models.ForeignKey(RecordingFile, on_delete=models.CASCADE, related_name="review_notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    position_s = models.FloatField(help_text=_("Seconds from the start of the file."))
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("review note")
        verbose_name_plural = _("review notes")
        ordering = ["position_s", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(position_s__gte=0),
                name="reviewnote_position_positive",
                violation_error_message=_("A note's position cannot be before the start of the file."),
            ),
            models.CheckConstraint(
                condition=~Q(text=""),
                name="reviewnote_text_not_empty",
                violation_error_message=_("A note needs some text."),
            ),
        ]

    def __str__(self) -> str:
        return f"Note at {self.position_s:.1f} s on file {self.file_id}"


class CheckState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class QaCheck(models.Model):
    """The automatic checks of one file (ffmpeg over its signed URL); re-running replaces the flags."""

    file = models.OneToOneField(RecordingFile, on_delete=models.CASCADE, related_name="qa_check")
    state = models.CharField(max_length=8, choices=CheckState.choices, default=CheckState.QUEUED)
    queued_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    measured_duration_s = models.FloatField(null=True, blank=True)
    has_video = models.BooleanField(null=True)
    has_audio = models.BooleanField(null=True)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name_plural = _("QA checks")
        verbose_name = _("QA check")

    def __str__(self) -> str:
        return f"QA check of file {self.file_id}: {self.state}"


class FlagKind(models.TextChoices):
    BLACK = "black", _("Black video")
    FROZEN = "frozen", _("Frozen video")
    SILENCE = "silence", _("Silence")
    NO_AUDIO = "no_audio", _("No audio track")
    NO_VIDEO = "no_video", _("No video track")
    DURATION = "duration", _("Duration off plan")


class QaFlag(models.Model):
    """Something the automatic checks found, optionally over a time range of the file."""

    file = models.ForeignKey(RecordingFile, on_delete=models.CASCADE, related_name="qa_flags")
    kind = models.CharField(max_length=8, choices=FlagKind.choices)
    start_s = models.FloatField(null=True, blank=True)
    end_s = models.FloatField(null=True, blank=True)
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name_plural = _("QA flags")
        ordering = ["start_s", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_s__isnull=True) | Q(end_s__isnull=True) | Q(end_s__gte=F("start_s")),
                name="qaflag_range_ordered",
                violation_error_message=_("A flagged range ends before it starts."),
            )
        ]
        indexes = [models.Index(fields=["kind", "file"], name="qaflag_kind_file_idx")]
        verbose_name = _("QA flag")

    def __str__(self) -> str:
        return f"{english(FlagKind(self.kind).label)} on file {self.file_id}"


class InteractionEventQuerySet(models.QuerySet["InteractionEvent"]):
    def for_file(self, recording: RecordingFile) -> InteractionEventQuerySet:
        """Events of the file's room or session that happened while its content was recorded."""
        owner = Q()
        if recording.session_id is not None:
            owner |= Q(session_id=recording.session_id)
        if recording.room_id is not None:
            owner |= Q(room_id=recording.room_id)
        if not owner:
            return self.none()
        return self.filter(owner, at__gte=recording.content_start, at__lte=recording.content_end).order_by(
            "at", "id"
        )


class InteractionEvent(models.Model):
    """A timed event the business backend posted (bullet comment, gift, co-anchor join, …)."""

    room = models.ForeignKey(
        "recordings.Room", null=True, blank=True, on_delete=models.CASCADE, related_name="interactions"
    )
    session = models.ForeignKey(
        "recordings.RecordingSession",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="interactions",
    )
    at = models.DateTimeField()
    kind = models.CharField(max_length=32, validators=[interaction_kind_validator])
    text = models.CharField(max_length=500, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    external_id = models.CharField(
        max_length=100,
        blank=True,
        help_text=_("The backend's id of the event: re-posting it changes nothing."),
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = InteractionEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("interaction event")
        verbose_name_plural = _("interaction events")
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(room__isnull=False) | Q(session__isnull=False),
                name="interaction_has_owner",
                violation_error_message=_("An interaction event belongs to a room or a recording."),
            ),
            models.UniqueConstraint(
                fields=["room", "session", "external_id"],
                condition=~Q(external_id=""),
                name="interaction_unique_external_id",
                violation_error_message=_(
                    "An event with this id is already stored for this room or recording."
                ),
                nulls_distinct=False,
            ),
        ]
        indexes = [
            models.Index(fields=["room", "at"], name="interaction_room_at_idx"),
            models.Index(fields=["session", "at"], name="interaction_session_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} at {format_local(self.at, 'H:i:s')}"


class Transcript(models.Model):
    """Content recognition of a file (MPS ProcessMedia with AI recognition): OCR and ASR text with times."""

    file = models.OneToOneField(RecordingFile, on_delete=models.CASCADE, related_name="transcript")
    task_id = models.CharField("MPS task id", max_length=100, blank=True)
    state = models.CharField(max_length=8, choices=CheckState.choices, default=CheckState.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("transcript")
        verbose_name_plural = _("transcripts")

    def __str__(self) -> str:
        return f"Transcript of file {self.file_id}: {self.state}"


class SegmentSource(models.TextChoices):
    ASR = "asr", _("Speech")
    OCR = "ocr", _("On-screen text")


class TranscriptSegment(models.Model):
    transcript = models.ForeignKey(Transcript, on_delete=models.CASCADE, related_name="segments")
    source = models.CharField(max_length=3, choices=SegmentSource.choices)
    start_s = models.FloatField()
    end_s = models.FloatField()
    text = models.TextField()

    class Meta:
        verbose_name = _("transcript segment")
        verbose_name_plural = _("transcript segments")
        ordering = ["start_s", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_s__gte=0) & Q(end_s__gte=F("start_s")),
                name="segment_range_ordered",
                violation_error_message=_(
                    "A transcript segment starts at 0 s or later and ends after it starts."
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.start_s:.1f}-{self.end_s:.1f}: {self.text[:40]}"
