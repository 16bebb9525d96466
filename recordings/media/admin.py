"""Admin of what CSS reported: raw callbacks (read-only evidence), pushes, files, screenshots, anomalies."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from recordings.models import (
    CssCallbackEvent,
    PushAnomaly,
    RecordingFile,
    RecordStatusChange,
    StreamPush,
    StreamScreenshot,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by callbacks and the sync: the admin shows them, it does not edit them."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CssCallbackEvent)
class CssCallbackEventAdmin(ReadOnlyAdmin):
    list_display = ("received_at", "event_type", "stream_name", "state", "duplicates")
    list_filter = ("event_type", "state")
    search_fields = ("stream_name", "dedupe_key")
    date_hierarchy = "received_at"


@admin.register(StreamPush)
class StreamPushAdmin(ReadOnlyAdmin):
    list_display = ("stream_name", "sequence", "room", "session", "started_at", "ended_at")
    list_select_related = ("room", "session__room")
    search_fields = ("stream_name", "sequence")


@admin.register(RecordingFile)
class RecordingFileAdmin(admin.ModelAdmin):
    list_display = (
        "content_start",
        "stream_name",
        "format",
        "storage",
        "size_bytes",
        "review_status",
        "deleted_at",
    )
    list_filter = ("storage", "format", "review_status", "source")
    list_select_related = ("room",)
    search_fields = ("stream_name", "file_id", "cos_key", "task_id")
    raw_id_fields = ("session", "room")
    date_hierarchy = "content_start"


@admin.register(StreamScreenshot)
class StreamScreenshotAdmin(ReadOnlyAdmin):
    list_display = ("taken_at", "stream_name", "width", "height")
    search_fields = ("stream_name",)


@admin.register(PushAnomaly)
class PushAnomalyAdmin(ReadOnlyAdmin):
    list_display = ("occurred_at", "stream_name", "anomaly_type", "count")
    list_filter = ("anomaly_type",)
    search_fields = ("stream_name",)


@admin.register(RecordStatusChange)
class RecordStatusChangeAdmin(ReadOnlyAdmin):
    list_display = ("at", "stream_name", "task_id", "record_event")
    list_filter = ("record_event",)
    search_fields = ("stream_name", "task_id")
