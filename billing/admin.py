from django.contrib import admin

from billing.models import Budget, PriceBook


@admin.register(PriceBook)
class PriceBookAdmin(admin.ModelAdmin):
    list_display = ("name", "version", "effective_from", "created_by", "created_at")
    readonly_fields = ("created_by", "created_at")


@admin.register(Budget)
class BudgetAdmin(admin.ModelAdmin):
    list_display = ("app", "month", "amount_usd", "warning_percent", "block_manual_starts")
    list_select_related = ("app",)
    readonly_fields = ("created_by", "created_at", "updated_at")
