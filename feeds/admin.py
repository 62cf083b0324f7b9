"""Read-only admin of the feed tables (they change only through ``import_feed``).

The fact tables hold millions of rows: the lists search by exact ID number only (an index lookup), order by the
unique key, never count the whole table (PostgreSQL's planner estimate is shown instead) and have no filters that
would scan it.
"""

from django.contrib import admin
from django.core.paginator import Paginator
from django.db import connection
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join

from core.admin import ReadOnlyAdminMixin
from core.masking import mask_number
from employers.access import reviewer_region_prefix
from feeds.models import (
    Certificate,
    FeedImport,
    MedicalContribution,
    PensionContribution,
    RegistryPerson,
    WageRecord,
)


class EstimatedCountPaginator(Paginator):
    """On PostgreSQL an unfiltered list uses the table's row estimate instead of ``COUNT(*)``."""

    @cached_property
    def count(self) -> int:
        query = getattr(self.object_list, "query", None)
        if connection.vendor == "postgresql" and query is not None and not query.where:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                    [self.object_list.model._meta.db_table],
                )
                row = cursor.fetchone()
            if row and row[0] >= 0:
                return int(row[0])
        return super().count


class FeedAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    list_per_page = 50
    search_help_text = "输入完整的身份证号（精确匹配）"

    def get_search_results(self, request, queryset, search_term):
        # Exact match on an upper-cased ID number: one index lookup, never a scan.
        return super().get_search_results(request, queryset, search_term.strip().upper())

    @admin.display(description="身份证号", ordering="id_number")
    def masked_id(self, obj) -> str:
        return mask_number(obj.id_number)


@admin.register(RegistryPerson)
class RegistryPersonAdmin(FeedAdmin):
    list_display = ("masked_id", "name", "gender", "region_code", "imported_at")
    search_fields = ("=id_number",)
    ordering = ("id_number",)


@admin.register(Certificate)
class CertificateAdmin(FeedAdmin):
    list_display = ("masked_cert_no", "masked_id", "cert_type", "category", "grade", "valid_from", "valid_to", "status")
    search_fields = ("=id_number", "=cert_no")
    search_help_text = "输入完整的身份证号或残疾证号（精确匹配）"
    ordering = ("cert_no",)

    @admin.display(description="证号", ordering="cert_no")
    def masked_cert_no(self, obj) -> str:
        return mask_number(obj.cert_no)


class MonthlyFactAdmin(FeedAdmin):
    search_fields = ("=id_number",)
    ordering = ("id_number", "unit_uscc", "month")


@admin.register(PensionContribution)
class PensionContributionAdmin(MonthlyFactAdmin):
    list_display = ("masked_id", "unit_uscc", "month", "base_amount")


@admin.register(MedicalContribution)
class MedicalContributionAdmin(MonthlyFactAdmin):
    list_display = ("masked_id", "unit_uscc", "month", "base_amount")


@admin.register(WageRecord)
class WageRecordAdmin(MonthlyFactAdmin):
    list_display = ("masked_id", "unit_uscc", "month", "amount")


@admin.register(FeedImport)
class FeedImportAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "started_at",
        "kind",
        "file_name",
        "method",
        "rows_read",
        "rows_inserted",
        "rows_updated",
        "rows_unchanged",
        "rows_rejected",
        "by_label",
    )
    list_filter = ("kind",)
    date_hierarchy = "started_at"
    show_full_result_count = False
    list_select_related = ("by",)
    fields = (
        "kind",
        "file_name",
        "method",
        "started_at",
        "finished_at",
        "by_label",
        "rows_read",
        "rows_inserted",
        "rows_updated",
        "rows_unchanged",
        "rows_rejected",
        "reasons_table",
    )
    readonly_fields = fields

    # 数据质量: the page of one import (its counts and grouped rejection reasons) is for provincial 残联 staff too,
    # not only for those holding the model permission.
    def _provincial(self, request) -> bool:
        prefix = reviewer_region_prefix(request.user)
        return prefix is not None and len(prefix) <= 2

    def has_module_permission(self, request):
        return self._provincial(request) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return self._provincial(request) or super().has_view_permission(request, obj)

    @admin.display(description="拒绝原因（按类归并）")
    def reasons_table(self, obj: FeedImport) -> str:
        reasons = obj.reason_groups
        if not reasons:
            return "无拒绝行" if not obj.rows_rejected else "（本次导入未记录拒绝原因分类）"
        total = obj.rows_rejected or sum(reasons.values())
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((reason, count, f"{count * 100 / total:.1f}%") for reason, count in reasons.items()),
        )
        return format_html(
            '<table data-testid="rejection-reasons"><caption>拒绝 {} 行，按原因分类</caption>'
            '<thead><tr><th scope="col">原因</th><th scope="col">行数</th><th scope="col">占拒绝行</th></tr></thead>'
            "<tbody>{}</tbody></table>",
            total,
            rows,
        )
