"""Read-mostly admin views: policies and holds change through lifecycle.services (audited), not here."""

from django.contrib import admin

from lifecycle.models import FileLifecycle, LegalHold, RetentionPolicy


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "keep_days",
        "rejected_keep_days",
        "standard_ia_after_days",
        "archive_after_days",
    )
    list_select_related = ("client_app", "room")
    readonly_fields = [field.name for field in RetentionPolicy._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False


@admin.register(LegalHold)
class LegalHoldAdmin(admin.ModelAdmin):
    list_display = ("__str__", "reason", "placed_by", "placed_at", "until", "lifted_at")
    readonly_fields = [field.name for field in LegalHold._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False


@admin.register(FileLifecycle)
class FileLifecycleAdmin(admin.ModelAdmin):
    list_display = ("file", "storage_class", "expire_at", "expire_synced", "failures", "last_error")
    list_filter = ("storage_class",)
    readonly_fields = [field.name for field in FileLifecycle._meta.fields]
