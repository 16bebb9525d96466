from django.contrib import admin

from billing.models import PriceBook


@admin.register(PriceBook)
class PriceBookAdmin(admin.ModelAdmin):
    list_display = ("name", "version", "effective_from", "created_by", "created_at")
    readonly_fields = ("created_by", "created_at")
