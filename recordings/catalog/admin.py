"""The admin of the catalog: client apps and their rooms."""

from django.contrib import admin

from recordings.models import ClientApp, Room


class RoomInline(admin.TabularInline):
    model = Room
    fields = ("name", "room_key", "stream_name", "is_active")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(ClientApp)
class ClientAppAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "car_project_id", "concurrency_spec", "target_resolution", "is_active")
    list_filter = ("kind", "is_active", "concurrency_spec")
    search_fields = ("name", "car_project_id", "car_application_id", "url")
    readonly_fields = ("created_at", "updated_at")
    inlines = [RoomInline]


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ("name", "room_key", "client_app", "stream_name", "tags", "auto_record", "is_active")
    list_filter = ("is_active", "auto_record", "client_app__kind", "client_app")
    list_select_related = ("client_app",)
    search_fields = ("name", "room_key", "stream_name", "tags")
    readonly_fields = ("created_at", "updated_at")
    autocomplete_fields = ("client_app",)
