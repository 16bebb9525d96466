"""Admin of the moderation models; reject reasons are edited here (the list moderators pick from)."""

from django.contrib import admin

from recordings.models import (
    InteractionEvent,
    QaCheck,
    QaFlag,
    RejectReason,
    ReviewClaim,
    ReviewNote,
    ReviewVerdict,
    Transcript,
    TranscriptSegment,
)


@admin.register(RejectReason)
class RejectReasonAdmin(admin.ModelAdmin):
    list_display = ("label", "code", "position", "is_active")
    list_editable = ("position", "is_active")
    list_filter = ("is_active",)
    search_fields = ("label", "code")


@admin.register(ReviewVerdict)
class ReviewVerdictAdmin(admin.ModelAdmin):
    list_display = (
        "file",
        "revision",
        "decision",
        "reason",
        "moderator",
        "escalated_to",
        "is_current",
        "decided_at",
    )
    list_filter = ("decision", "is_current", "reason")
    raw_id_fields = ("file",)
    date_hierarchy = "decided_at"


@admin.register(ReviewClaim)
class ReviewClaimAdmin(admin.ModelAdmin):
    list_display = ("file", "moderator", "claimed_at", "expires_at")
    raw_id_fields = ("file",)


@admin.register(ReviewNote)
class ReviewNoteAdmin(admin.ModelAdmin):
    list_display = ("file", "position_s", "author", "created_at", "text")
    raw_id_fields = ("file",)
    search_fields = ("text",)


@admin.register(QaCheck)
class QaCheckAdmin(admin.ModelAdmin):
    list_display = (
        "file",
        "state",
        "queued_at",
        "finished_at",
        "measured_duration_s",
        "has_video",
        "has_audio",
    )
    list_filter = ("state",)
    raw_id_fields = ("file",)


@admin.register(QaFlag)
class QaFlagAdmin(admin.ModelAdmin):
    list_display = ("file", "kind", "start_s", "end_s", "detail")
    list_filter = ("kind",)
    raw_id_fields = ("file",)


@admin.register(InteractionEvent)
class InteractionEventAdmin(admin.ModelAdmin):
    list_display = ("at", "kind", "room", "session", "text", "external_id")
    list_filter = ("kind",)
    search_fields = ("text", "external_id")
    raw_id_fields = ("room", "session")


class TranscriptSegmentInline(admin.TabularInline):
    model = TranscriptSegment
    extra = 0


@admin.register(Transcript)
class TranscriptAdmin(admin.ModelAdmin):
    list_display = ("file", "state", "task_id", "requested_by", "requested_at", "finished_at")
    list_filter = ("state",)
    raw_id_fields = ("file",)
    inlines = [TranscriptSegmentInline]
