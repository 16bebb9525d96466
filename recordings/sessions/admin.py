"""Django admin for the orchestration models (imported by `recordings.admin`)."""

from django.contrib import admin

from recordings.models import Attention, RecordingSession, RecordTask, Schedule, SessionTransition


class SessionTransitionInline(admin.TabularInline):
    model = SessionTransition
    fields = ("at", "from_state", "to_state", "step", "reason", "actor")
    readonly_fields = fields
    extra = 0
    can_delete = False


class RecordTaskInline(admin.TabularInline):
    model = RecordTask
    fields = ("task_id", "start_time", "end_time", "stopped_at")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(RecordingSession)
class RecordingSessionAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "room",
        "state",
        "trigger",
        "planned_start",
        "planned_end",
        "car_user_id",
        "files_found",
    )
    list_filter = ("state", "trigger")
    list_select_related = ("room",)
    search_fields = ("car_user_id", "room__name", "room__room_key", "idempotency_key")
    readonly_fields = ("created_at", "updated_at", "lease_token", "lease_until")
    raw_id_fields = ("room", "schedule", "started_by")
    inlines = [RecordTaskInline, SessionTransitionInline]


@admin.register(Schedule)
class ScheduleAdmin(admin.ModelAdmin):
    list_display = ("name", "room", "kind", "time_zone", "duration_minutes", "paused")
    list_filter = ("kind", "paused")
    list_select_related = ("room",)
    search_fields = ("name", "room__name")
    raw_id_fields = ("room", "created_by")


@admin.register(Attention)
class AttentionAdmin(admin.ModelAdmin):
    list_display = ("at", "kind", "subject", "session", "action_taken", "resolved_at")
    list_filter = ("kind",)
    raw_id_fields = ("session",)
