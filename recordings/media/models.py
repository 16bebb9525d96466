"""What CSS tells us about streams and what it recorded: raw callbacks, pushes, files, screenshots, anomalies.

Every accepted CSS callback is kept verbatim in `CssCallbackEvent` (audit and replay). Its `dedupe_key` is unique
in the database, so a callback Tencent retries (for up to 12 minutes) is stored and applied once. The derived rows
(`StreamPush`, `RecordingFile`, `StreamScreenshot`, `PushAnomaly`, `RecordStatusChange`) each carry their own
natural unique key too, so replaying an event or receiving the same fact in another envelope changes nothing twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import connections, models
from django.db.models import Q, Value
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dashboard.access import Capability, has_capability
from dashboard.timezones import format_local


class CallbackEventType(models.IntegerChoices):
    PUSH_ENDED = 0, _("Push ended")
    PUSH_STARTED = 1, _("Push started")
    RECORDING_FILE = 100, _("Recording file")
    SCREENSHOT = 200, _("Screenshot")
    PUSH_ANOMALY = 321, _("Push anomaly")
    RECORD_STATUS = 332, _("Record status")


class CallbackState(models.TextChoices):
    PENDING = "pending", _("Waiting to be applied")
    PROCESSED = "processed", _("Processed")
    UNKNOWN = "unknown", _("Unknown event type (stored only)")
    FAILED = "failed", _("Failed")


class CssCallbackEventQuerySet(models.QuerySet["CssCallbackEvent"]):
    def listing(self) -> CssCallbackEventQuerySet:
        """The log's rows without their bodies: its page shows neither raw_body nor payload (about 1 kB each, the
        bulk of the table); the detail page reads them."""
        return self.defer("raw_body", "payload").order_by("-received_at", "-id")

    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> CssCallbackEventQuerySet:
        """The events `user` may read: a recording-file event of a file hidden by review (its FileId and URL
        are in the body) only for those who see reviews, like the file itself (RecordingFile.visible_to).

        A filter on each row the query reads, not `id NOT IN (the events reporting a hidden file)`, which read
        every recording-file event's payload at every page and count: the hidden files' FileIds and URLs are read
        once (few rows, recfile_rejected_keys_idx) into hashed subplans, and only the rows a page or its capped
        count walks have their keys looked up. A missing key is compared as "", which no hidden file has, so
        `key IN (…)` is never NULL (a NULL would drop the row from the page)."""
        if sees_hidden_files(user):
            return self
        hidden = RecordingFile.objects.hidden_from_outputs()
        hidden_ids = hidden.exclude(file_id="").values("file_id")
        hidden_urls = hidden.exclude(url="").values("url")

        def reported(key: str) -> Coalesce:
            return Coalesce(KeyTextTransform(key, "payload"), Value(""), output_field=models.TextField())

        return self.alias(
            reported_id=reported("file_id"),
            reported_record_id=reported("record_file_id"),
            reported_url=reported("video_url"),
        ).exclude(
            Q(event_type=CallbackEventType.RECORDING_FILE)
            & (
                Q(reported_id__in=hidden_ids)
                | Q(reported_record_id__in=hidden_ids)
                | Q(reported_url__in=hidden_urls)
            )
        )

    def store(self, event: CssCallbackEvent) -> tuple[int, bool]:
        """Insert `event`, or count one more delivery of the stored event with its dedupe_key, in one statement:
        `INSERT … ON CONFLICT (dedupe_key) DO UPDATE SET duplicates = duplicates + 1 RETURNING id, duplicates`
        (PostgreSQL, and SQLite from 3.35). Returns (pk, created). bulk_create's update_conflicts can only copy
        the new row's values, not count, hence the statement written here; a concurrent duplicate waits on the
        unique index and then counts itself."""
        connection = connections[self.db]
        meta, quote = self.model._meta, connection.ops.quote_name
        fields = [field for field in meta.concrete_fields if not field.primary_key]
        values = [field.get_db_prep_save(field.pre_save(event, add=True), connection) for field in fields]
        table, duplicates = quote(meta.db_table), quote("duplicates")
        sql = (
            f"INSERT INTO {table} ({', '.join(quote(str(field.column)) for field in fields)}) "
            f"VALUES ({', '.join(['%s'] * len(fields))}) "
            f"ON CONFLICT ({quote('dedupe_key')}) DO UPDATE SET {duplicates} = {table}.{duplicates} + 1 "
            f"RETURNING {quote('id')}, {duplicates}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, values)
            pk, deliveries_after_first = cursor.fetchone()
        event.pk = pk
        return pk, deliveries_after_first == 0

    def signed_with(self, sign: str, *, since: datetime, until: datetime) -> list[tuple[int, dict[str, Any]]]:
        """(pk, payload) of the events received in [since, until) whose first delivery carried `sign`: the
        reused-signature check of every callback, as one statement written here (the ORM's compiling of it cost
        more CPU than the query, ~0.6 ms of a request's ~4)."""
        connection = connections[self.db]
        quote, payload = (
            connection.ops.quote_name,
            cast(models.JSONField, self.model._meta.get_field("payload")),
        )
        received_at = cast(models.DateTimeField, self.model._meta.get_field("received_at"))
        sql = (
            f"SELECT {quote('id')}, {quote('payload')} FROM {quote(self.model._meta.db_table)} "
            f"WHERE {quote('sign')} = %s AND {quote('received_at')} >= %s AND {quote('received_at')} < %s"
        )
        params = [sign, *(received_at.get_db_prep_value(at, connection) for at in (since, until))]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        return [(pk, payload.from_db_value(value, payload.cached_col, connection)) for pk, value in rows]

    def waiting(self) -> CssCallbackEventQuerySet:
        """Stored and not applied yet (a worker applies them; see recordings.media.services.callbacks)."""
        return self.filter(processed_at__isnull=True)


class CssCallbackEvent(models.Model):
    """One accepted CSS callback, exactly as it arrived. Stored by the request (state pending, processed_at
    empty) and applied by an RQ job of its stream's lane, in arrival order (recordings.media.services.callbacks).
    """

    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    event_type = models.IntegerField(null=True, blank=True, help_text=_("Null when the body had none."))
    stream_name = models.CharField(max_length=128, blank=True, db_index=True)
    event_at = models.DateTimeField(null=True, blank=True, help_text=_("When the event happened, per CSS."))
    dedupe_key = models.CharField(
        max_length=64,
        unique=True,
        help_text=_(
            "SHA-256 of the event's natural key (see recordings.media.services.callbacks.dedupe_key)."
        ),
    )
    raw_body = models.TextField()
    payload = models.JSONField(default=dict)
    state = models.CharField(max_length=10, choices=CallbackState.choices, default=CallbackState.PROCESSED)
    error = models.TextField(blank=True)
    processed_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When it was applied; empty: waiting.")
    )
    duplicates = models.PositiveIntegerField(default=0, help_text=_("Deliveries after the first one."))
    lane = models.PositiveSmallIntegerField(
        default=0,
        help_text=_("The apply lane of its stream: one stream's events are applied by one lane, in order."),
    )
    sign = models.CharField(
        max_length=64, blank=True, help_text=_("The sign of the first delivery (reuse check).")
    )

    objects = CssCallbackEventQuerySet.as_manager()

    class Meta:
        verbose_name_plural = _("CSS callback events")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["event_type", "-received_at"]),
            # The apply jobs' queue: a lane's waiting events in arrival order (few rows: applied ones drop out).
            models.Index(
                fields=["lane", "id"], condition=Q(processed_at__isnull=True), name="callback_waiting_idx"
            ),
            # The reused-signature check of every request: the rows that used this sign, by time.
            models.Index(fields=["sign", "received_at"], name="callback_sign_idx"),
        ]
        verbose_name = _("CSS callback event")

    def __str__(self) -> str:
        # In English whatever the page's language: the audit log stores str(obj) (see sessions/lifecycle.english).
        with translation.override("en"):
            label = self.type_label
        return f"{label} {self.stream_name or '-'} at {format_local(self.received_at, 'Y-m-d H:i:s')}"

    @property
    def type_label(self) -> str:
        if self.event_type in CallbackEventType.values:
            return str(CallbackEventType(self.event_type).label)
        return gettext("Unknown type %(type)s") % {"type": self.event_type}


class StreamPushQuerySet(models.QuerySet["StreamPush"]):
    def live(self) -> StreamPushQuerySet:
        return self.filter(started_at__isnull=False, ended_at__isnull=True)

    def board(self) -> StreamPushQuerySet:
        return self.live().select_related("room__client_app", "session").order_by("-started_at")

    def newest_of_stream(self, stream_name: str) -> StreamPush | None:
        """The stream's latest push, on air or ended (what its live page shows)."""
        return self.filter(stream_name=stream_name).order_by("-started_at", "-id").first()

    def live_in_room(self, room_id: int) -> StreamPush | None:
        """The room's push on air now (the latest, should CSS report two)."""
        return self.live().filter(room_id=room_id).order_by("-started_at").first()


class StreamPush(models.Model):
    """One push of a CSS stream, from its event 1 (start) to its event 0 (end); `sequence` ties the two."""

    stream_name = models.CharField(max_length=128)
    sequence = models.CharField(max_length=64)
    app_name = models.CharField(max_length=64, blank=True)
    domain = models.CharField(max_length=253, blank=True)
    room = models.ForeignKey(
        "recordings.Room", null=True, blank=True, on_delete=models.SET_NULL, related_name="pushes"
    )
    session = models.ForeignKey(
        "recordings.RecordingSession",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="pushes",
    )
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=255, blank=True)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    user_ip = models.CharField(max_length=64, blank=True)

    objects = StreamPushQuerySet.as_manager()

    class Meta:
        verbose_name = _("stream push")
        verbose_name_plural = _("stream pushes")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["stream_name", "sequence"],
                name="streampush_unique_sequence",
                violation_error_message=_("This push (stream name and sequence) is already stored."),
            )
        ]
        indexes = [
            models.Index(
                fields=["stream_name"], condition=Q(ended_at__isnull=True), name="streampush_open_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.stream_name} push {self.sequence}"

    @property
    def is_live(self) -> bool:
        return self.started_at is not None and self.ended_at is None


class StorageKind(models.TextChoices):
    VOD = "vod", "VOD"
    COS = "cos", "COS"


class FileFormat(models.TextChoices):
    MP4 = "mp4", "MP4"
    HLS = "hls", "HLS"
    FLV = "flv", "FLV"
    AAC = "aac", "AAC"
    MP3 = "mp3", "MP3"


class ReviewStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class FileSource(models.TextChoices):
    CALLBACK = "callback", _("Callback")
    SYNC = "sync", _("Periodic sync")


def sees_hidden_files(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Moderators and managers (whoever sees reviews) see files a rejection hid; nobody else does."""
    return has_capability(user, Capability.VIEW_REVIEWS)


class RecordingFileQuerySet(models.QuerySet["RecordingFile"]):
    def present(self) -> RecordingFileQuerySet:
        return self.filter(deleted_at__isnull=True)

    def hidden_from_outputs(self) -> RecordingFileQuerySet:
        """Rejected files whose current verdict hides them from outputs (one filter(): the same verdict row)."""
        return self.filter(
            review_status=ReviewStatus.REJECTED,
            review_verdicts__is_current=True,
            review_verdicts__hide_from_outputs=True,
        )

    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> RecordingFileQuerySet:
        """The files `user` may see anywhere (pages, callback log, API, search): all of them for moderators and
        managers, the others without the files hidden by review."""
        if sees_hidden_files(user):
            return self
        return self.exclude(pk__in=RecordingFile.objects.hidden_from_outputs().values("pk"))

    def listing(self) -> RecordingFileQuerySet:
        return self.present().select_related("room__client_app", "session").order_by("-content_start", "-id")

    def of_session(self, session_id: int) -> RecordingFileQuerySet:
        return self.present().filter(session_id=session_id).order_by("content_start", "id")


class RecordingFile(models.Model):
    """One file CSS recorded into VOD (by FileId) or COS (by object key)."""

    session = models.ForeignKey(
        "recordings.RecordingSession",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="files",
    )
    room = models.ForeignKey(
        "recordings.Room", null=True, blank=True, on_delete=models.SET_NULL, related_name="files"
    )
    storage = models.CharField(max_length=3, choices=StorageKind.choices)
    file_id = models.CharField("VOD FileId", max_length=64, blank=True)
    cos_key = models.CharField("COS key", max_length=850, blank=True)
    format = models.CharField(max_length=4, choices=FileFormat.choices)
    url = models.URLField(max_length=1000, blank=True)
    size_bytes = models.BigIntegerField(default=0)
    duration_s = models.FloatField(default=0)
    content_start = models.DateTimeField(
        help_text=_("end_time - duration: when the recorded content begins.")
    )
    content_end = models.DateTimeField()
    codec = models.CharField(max_length=32, blank=True)
    resolution = models.CharField(max_length=16, blank=True)
    stream_name = models.CharField(max_length=128, db_index=True)
    app_name = models.CharField(max_length=64, blank=True)
    task_id = models.CharField(max_length=128, blank=True, db_index=True)
    source = models.CharField(max_length=8, choices=FileSource.choices, default=FileSource.CALLBACK)
    review_status = models.CharField(
        max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.PENDING
    )
    discovered_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = RecordingFileQuerySet.as_manager()

    class Meta:
        verbose_name = _("recording file")
        verbose_name_plural = _("recording files")
        ordering = ["-content_start", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["file_id"],
                condition=Q(storage="vod"),
                name="recordingfile_unique_vod_file_id",
                violation_error_message=_("A recording file with this VOD file id already exists."),
            ),
            models.UniqueConstraint(
                fields=["cos_key"],
                condition=Q(storage="cos"),
                name="recordingfile_unique_cos_key",
                violation_error_message=_("A recording file with this COS key already exists."),
            ),
            models.CheckConstraint(
                condition=(Q(storage="vod") & ~Q(file_id="")) | (Q(storage="cos") & ~Q(cos_key="")),
                name="recordingfile_storage_has_key",
                violation_error_message=_("A VOD file needs its file id, a COS file its COS key."),
            ),
            models.CheckConstraint(
                condition=Q(size_bytes__gte=0) & Q(duration_s__gte=0),
                name="recordingfile_sizes_positive",
                violation_error_message=_("The size and the duration cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(content_end__gte=models.F("content_start")),
                name="recordingfile_ordered_times",
                violation_error_message=_("The content ends before it starts."),
            ),
        ]
        # The browser lists newest first, optionally filtered by room, format or review status; each filter
        # has an index that already yields that order, so a page is an index range scan even at 100,000 files.
        indexes = [
            models.Index(fields=["-content_start", "-id"], name="recfile_start_idx"),
            models.Index(fields=["room", "-content_start", "-id"], name="recfile_room_start_idx"),
            models.Index(fields=["session", "content_start"], name="recfile_session_idx"),
            models.Index(fields=["format", "-content_start", "-id"], name="recfile_format_start_idx"),
            models.Index(fields=["review_status", "-content_start", "-id"], name="recfile_review_start_idx"),
            # The review queue's age (count, oldest, median wait) reads only the pending files, in index order.
            models.Index(
                fields=["discovered_at"],
                condition=Q(review_status=ReviewStatus.PENDING, deleted_at__isnull=True),
                name="recfile_pending_age_idx",
            ),
            # The storage totals' cache key: the newest deletion, without reading every file.
            models.Index(
                fields=["deleted_at"], condition=Q(deleted_at__isnull=False), name="recfile_deleted_idx"
            ),
            # The next three were created by raw SQL in migrations 0009 and 0011 and only entered the migration
            # state in 0013 (state only): keep each exactly as that SQL created it (columns, DESC, WHERE,
            # INCLUDE), or the state and the databases disagree. The conditions are joined with & because
            # Q(a=..., b=...) sorts its terms, which would reorder the WHERE clause the SQL wrote.
            # The outputs browser's "Largest" sort.
            models.Index(fields=["-size_bytes", "-id"], name="recfile_size_idx"),
            # The review queue filtered by room counts its pending files from this index alone.
            models.Index(
                fields=["room"],
                condition=Q(review_status=ReviewStatus.PENDING) & Q(deleted_at__isnull=True),
                name="recfile_pending_room_idx",
            ),
            # The callback log's check against the rejected files' FileIds and URLs, index-only on PostgreSQL
            # (SQLite has no INCLUDE: Django leaves it out there, as 0011 did).
            models.Index(
                fields=["id"],
                include=["file_id", "url"],
                condition=Q(review_status=ReviewStatus.REJECTED),
                name="recfile_rejected_keys_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.stream_name} {self.format.upper()} {format_local(self.content_start)}"

    @property
    def storage_key(self) -> str:
        return self.file_id if self.storage == StorageKind.VOD else self.cos_key

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_playable(self) -> bool:
        return self.format in {FileFormat.MP4, FileFormat.HLS, FileFormat.AAC, FileFormat.MP3}


class StreamScreenshot(models.Model):
    """A thumbnail CSS took of a live stream (event 200)."""

    stream_name = models.CharField(max_length=128)
    session = models.ForeignKey(
        "recordings.RecordingSession",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="screenshots",
    )
    room = models.ForeignKey(
        "recordings.Room", null=True, blank=True, on_delete=models.SET_NULL, related_name="screenshots"
    )
    taken_at = models.DateTimeField()
    pic_url = models.CharField(max_length=1000)
    pic_full_url = models.URLField(max_length=1000)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    size_bytes = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("stream screenshot")
        verbose_name_plural = _("stream screenshots")
        ordering = ["-taken_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["pic_full_url"],
                name="streamscreenshot_unique_url",
                violation_error_message=_("This screenshot is already stored."),
            )
        ]
        indexes = [models.Index(fields=["stream_name", "-taken_at"], name="screenshot_stream_idx")]

    def __str__(self) -> str:
        return f"{self.stream_name} screenshot {format_local(self.taken_at, 'H:i:s')}"


class AnomalyType(models.IntegerChoices):
    VIDEO_TS_BACK = 1, _("Video timestamp went back")
    AUDIO_TS_BACK = 2, _("Audio timestamp went back")
    VIDEO_TS_JUMP = 3, _("Video timestamp jumped > 1 s")
    AUDIO_TS_JUMP = 4, _("Audio timestamp jumped > 1 s")
    VIDEO_LATE = 6, _("Video frames > 3 s late")
    AUDIO_LATE = 7, _("Audio frames > 3 s late")
    VIDEO_CODEC_CHANGED = 8, _("Video codec changed")
    AUDIO_CODEC_CHANGED = 9, _("Audio codec changed")
    NO_VIDEO_HEADER = 10, _("No video header")
    NO_AUDIO_HEADER = 11, _("No audio header")


class PushAnomalyQuerySet(models.QuerySet["PushAnomaly"]):
    def recent(self, limit: int = 20) -> PushAnomalyQuerySet:
        """The latest `limit` anomalies, newest first (the live page and the recording page list them)."""
        return self.order_by("-occurred_at", "-id")[:limit]


class PushAnomaly(models.Model):
    """One kind of push exception CSS reported for a stream in one event 321."""

    event = models.ForeignKey(CssCallbackEvent, on_delete=models.CASCADE, related_name="anomalies")
    stream_name = models.CharField(max_length=128)
    session = models.ForeignKey(
        "recordings.RecordingSession",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="push_anomalies",
    )
    room = models.ForeignKey(
        "recordings.Room", null=True, blank=True, on_delete=models.SET_NULL, related_name="push_anomalies"
    )
    occurred_at = models.DateTimeField()
    anomaly_type = models.IntegerField()
    count = models.PositiveIntegerField(default=1)
    details = models.JSONField(default=list, blank=True)

    objects = PushAnomalyQuerySet.as_manager()

    class Meta:
        verbose_name = _("push anomaly")
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "anomaly_type"],
                name="pushanomaly_unique_per_event",
                violation_error_message=_("This anomaly is already recorded for that event."),
            )
        ]
        indexes = [models.Index(fields=["stream_name", "-occurred_at"], name="anomaly_stream_idx")]
        verbose_name_plural = _("push anomalies")

    def __str__(self) -> str:
        with translation.override("en"):  # stored by the audit log: English, as every stored text
            return f"{self.stream_name}: {self.label} x{self.count}"

    @property
    def label(self) -> str:
        if self.anomaly_type in AnomalyType.values:
            return str(AnomalyType(self.anomaly_type).label)
        return gettext("Anomaly type %(type)s") % {"type": self.anomaly_type}


class RecordEvent(models.TextChoices):
    START_SUCCEEDED = "record_start_succeeded", _("Recording started")
    START_FAILED = "record_start_failed", _("Recording failed to start")
    PAUSED = "record_paused", _("Recording paused")
    RESUMED = "record_resumed", _("Recording resumed")
    ERROR = "record_error", _("Recording error")
    ENDED = "record_ended", _("Recording ended")


class RecordStatusChange(models.Model):
    """A record status event (332) of a record task."""

    event = models.OneToOneField(CssCallbackEvent, on_delete=models.CASCADE, related_name="record_status")
    task_id = models.CharField(max_length=128, blank=True, db_index=True)
    stream_name = models.CharField(max_length=128)
    session = models.ForeignKey(
        "recordings.RecordingSession",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="record_status_changes",
    )
    record_event = models.CharField(max_length=32)
    at = models.DateTimeField()
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("record status change")
        verbose_name_plural = _("record status changes")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.stream_name} {self.record_event}"

    @property
    def label(self) -> str:
        if self.record_event in RecordEvent.values:
            return str(RecordEvent(self.record_event).label)
        return self.record_event

    @property
    def is_problem(self) -> bool:
        return self.record_event in {RecordEvent.START_FAILED, RecordEvent.ERROR}
