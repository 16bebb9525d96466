from django.contrib import admin

from tencent.models import ApiCall


@admin.register(ApiCall)
class ApiCallAdmin(admin.ModelAdmin):
    list_display = (
        "started_at",
        "service",
        "action",
        "attempt",
        "outcome",
        "error_code",
        "duration_ms",
        "session_id",
    )
    list_filter = ("outcome", "service", "action")
    search_fields = ("action", "error_code", "request_id", "error_message")
    date_hierarchy = "started_at"
    readonly_fields = [field.name for field in ApiCall._meta.fields]

    # The call log is evidence of what was asked of Tencent: read-only, like the audit log.
    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
