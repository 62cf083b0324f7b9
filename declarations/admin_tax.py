"""The tax export batches, their records and the tax office's receipts in the admin."""

from django.contrib import admin

from declarations.admin_base import ReadOnlyInline
from declarations.constants import (
    RECEIPT_OVERDUE_DAYS,
)
from declarations.models import (
    ExportBatch,
    TaxReceipt,
    TaxReceiptLine,
    TaxRecord,
)
from declarations.receipts import overdue_q


class ReceiptStateFilter(admin.SimpleListFilter):
    title = "税务回执"
    parameter_name = "receipt"

    def lookups(self, request, model_admin):
        return [
            ("overdue", f"逾期未回执（导出超过 {RECEIPT_OVERDUE_DAYS} 天）"),
            ("waiting", "未全部回执"),
            ("done", "已全部回执"),
        ]

    def queryset(self, request, queryset):
        if self.value() == "overdue":
            return queryset.filter(overdue_q())
        if self.value() == "waiting":
            return queryset.filter(acknowledged_at__isnull=True)
        if self.value() == "done":
            return queryset.filter(acknowledged_at__isnull=False)
        return queryset


@admin.register(ExportBatch)
class ExportBatchAdmin(admin.ModelAdmin):
    """Export batches are operators' business: superusers only, read-only."""

    list_display = (
        "authority",
        "number",
        "created_at",
        "row_count",
        "acknowledged_rows",
        "acknowledged_at",
        "file_name",
        "sha256",
    )
    list_filter = (ReceiptStateFilter, "authority")
    show_full_result_count = False
    readonly_fields = (
        "authority",
        "number",
        "first_id",
        "last_id",
        "created_at",
        "created_by",
        "row_count",
        "sha256",
        "file_name",
        "acknowledged_rows",
        "acknowledged_at",
    )
    fields = readonly_fields

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TaxRecord)
class TaxRecordAdmin(ExportBatchAdmin):
    list_display = (
        "authority",
        "record_type",
        "uscc",
        "unit_name",
        "year",
        "approved_months",
        "queued_at",
        "cancelled",
    )
    list_filter = ("record_type", "cancelled")
    search_fields = ("=uscc", "=certificate_no")
    readonly_fields = (
        "authority",
        "record_type",
        "uscc",
        "unit_name",
        "year",
        "approved_months",
        "actual_employed",
        "declared_at",
        "certificate_no",
        "event_at",
        "queued_at",
        "cancelled",
    )
    fields = readonly_fields
    raw_id_fields = ()


class TaxReceiptLineInline(ReadOnlyInline):
    model = TaxReceiptLine
    fields = ("line", "record", "result", "reason")
    verbose_name_plural = "回执明细"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("record")


@admin.register(TaxReceipt)
class TaxReceiptAdmin(ExportBatchAdmin):
    """Imported receipts (``import_tax_receipt``): superusers only, read-only."""

    list_display = ("batch", "file_name", "received_at", "imported_at", "rows", "accepted", "refused", "unchanged")
    list_filter = ()
    list_select_related = ("batch",)
    readonly_fields = (
        "batch",
        "file_name",
        "file_sha256",
        "received_at",
        "imported_at",
        "imported_by",
        "rows",
        "accepted",
        "refused",
        "unchanged",
    )
    fields = readonly_fields
    inlines = (TaxReceiptLineInline,)
