"""Read-only admin of the feed tables (they change only through ``import_feed``).

The fact tables hold millions of rows: the lists search by exact ID number only (an index lookup), order by the
unique key, never count the whole table (PostgreSQL's planner estimate is shown instead) and have no filters that
would scan it.
"""

import csv
import io
from functools import partial

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connection, transaction
from django.db.models import F, Window
from django.db.models.functions import RowNumber
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join

from core.admin import ReadOnlyAdminMixin
from core.audit import record
from core.masking import mask_number
from employers.access import reviewer_region_prefix
from feeds.models import (
    REJECTIONS_CAP,
    Certificate,
    FeedImport,
    FeedRejection,
    MedicalContribution,
    PensionContribution,
    RegistryPerson,
    WageRecord,
)
from feeds.quality import masked_fields
from feeds.rows import KINDS


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
        "persons_changed",
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
        "rejected_rows_table",
        "changed_persons_table",
    )
    readonly_fields = fields

    # 数据质量: the page of one import (its counts and grouped rejection reasons), the trend across imports and the
    # rejections' download are for provincial 残联 staff too, not only for those holding the model permission.
    def _provincial(self, request) -> bool:
        prefix = reviewer_region_prefix(request.user)
        return prefix is not None and len(prefix) <= 2

    def has_module_permission(self, request):
        return self._provincial(request) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return self._provincial(request) or super().has_view_permission(request, obj)

    def get_queryset(self, request):
        # known_runs (a digest per run of lines, for the next import) is not shown: not read either.
        return super().get_queryset(request).defer("known_runs")

    def get_urls(self):
        trend = self.admin_site.admin_view(partial(feed_quality_trend, model_admin=self))
        reasons = self.admin_site.admin_view(partial(feed_rejections_csv, model_admin=self))
        rows = self.admin_site.admin_view(partial(rejected_rows_csv, model_admin=self))
        return [
            path("trend/", trend, name="feeds_feedimport_trend"),
            path("<int:pk>/rejections.csv", reasons, name="feeds_feedimport_rejections"),
            path("<int:pk>/rejected-rows.csv", rows, name="feeds_feedimport_rejected_rows"),
            *super().get_urls(),
        ]

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
            '<tbody>{}</tbody></table><p><a href="{}">下载拒绝原因（CSV）</a></p>',
            total,
            rows,
            reverse("admin:feeds_feedimport_rejections", args=[obj.pk]),
        )

    @admin.display(description="拒绝行（每类前5行）")
    def rejected_rows_table(self, obj: FeedImport) -> str:
        """The first rows of each reason group, ID numbers masked; one query (a window function)."""
        if not obj.rows_rejected:
            return "无拒绝行"
        if not obj.rejections_stored:
            return "（本次导入未保存拒绝行）"
        samples = rejection_samples(obj)
        download = reverse("admin:feeds_feedimport_rejected_rows", args=[obj.pk])
        groups = format_html_join(
            "",
            '<tr><th scope="rowgroup" colspan="3">{}</th></tr>{}',
            (
                (
                    group,
                    format_html_join(
                        "",
                        "<tr><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
                        ((r.line, r.reason, ",".join(masked_fields(obj.header, r.fields))) for r in rows),
                    ),
                )
                for group, rows in samples.items()
            ),
        )
        beyond = obj.rows_rejected - obj.rejections_stored
        note = (
            format_html(
                "<p>只保存了前 {} 行拒绝行，另有 {} 行未保存（见导入时的 --report 文件）。</p>",
                obj.rejections_stored,
                beyond,
            )
            if beyond > 0
            else ""
        )
        return format_html(
            '<table data-testid="rejected-rows"><caption>拒绝行示例：每类前 {} 行（身份证号已脱敏）</caption>'
            '<thead><tr><th scope="col">行号</th><th scope="col">原因</th>'
            '<th scope="col">原始内容（{}）</th></tr></thead>'
            '<tbody>{}</tbody></table>{}<p><a href="{}">下载拒绝行（CSV，身份证号已脱敏）</a></p>',
            SAMPLES_PER_GROUP,
            ",".join(obj.header),
            groups,
            note,
            download,
        )

    @admin.display(description="数据有变化的人员")
    def changed_persons_table(self, obj: FeedImport) -> str:
        """The persons whose facts the import inserted or changed (their grids were queued for a recompute): the
        count, and the first ones with masked ID numbers, linked to their placement where there is one."""
        if not obj.persons_changed:
            return "0 人（本次导入没有新增或变化的人员数据）"
        persons = list(obj.changed_persons.order_by("id_number")[:CHANGED_PERSONS_SHOWN])
        items = format_html_join(
            "",
            "<li>{}</li>",
            (
                (
                    format_html(
                        '<a href="{}">{}</a>',
                        reverse("admin:placements_placement_change", args=[p.placement_id]),
                        mask_number(p.id_number),
                    )
                    if p.placement_id
                    else format_html("{}（无安置记录）", mask_number(p.id_number)),
                )
                for p in persons
            ),
        )
        shown = f"，下列前 {len(persons)} 人" if obj.persons_changed > len(persons) else ""
        return format_html(
            '<div data-testid="changed-persons"><p>{} 人{}（其安置月份表已登记重算）。</p><ul>{}</ul></div>',
            obj.persons_changed,
            shown,
            items,
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # The download with full ID numbers: offered (templates/admin/feeds/feedimport/change_form.html) only to
        # those who may have it.
        extra = {**(extra_context or {}), "may_see_full_rows": may_see_full_rows(request.user)}
        return super().change_view(request, object_id, form_url, extra)


TREND_IMPORTS = 20  # the latest imports of each kind in the trend
SAMPLES_PER_GROUP = 5
CHANGED_PERSONS_SHOWN = 50


def may_see_full_rows(user) -> bool:
    return user.has_perm("feeds.view_full_rejected_rows")


def rejection_samples(entry: FeedImport) -> dict[str, list[FeedRejection]]:
    """The first SAMPLES_PER_GROUP stored rejected rows of each reason group, in the order of ``reason_groups``
    (largest group first); one query."""
    ranked = (
        entry.rejections.annotate(
            rank=Window(RowNumber(), partition_by=[F("group")], order_by=[F("line").asc()]),
        )
        .filter(rank__lte=SAMPLES_PER_GROUP)
        .order_by("line")
        .only("line", "reason", "group", "fields")
    )
    samples: dict[str, list[FeedRejection]] = {group: [] for group in entry.reason_groups}
    for row in ranked:
        samples.setdefault(row.group, []).append(row)
    return {group: rows for group, rows in samples.items() if rows}


def feed_quality_trend(request, *, model_admin):
    """数据质量趋势: per kind, the latest imports (oldest first) with their counts and the share rejected — an
    accessible table per kind; two queries whatever the number of imports."""
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    kinds = list(FeedImport.objects.order_by("kind").values_list("kind", flat=True).distinct())
    latest = (
        FeedImport.objects.filter(kind__in=kinds)
        .order_by("kind", "-started_at", "-id")
        .only(
            "kind",
            "file_name",
            "started_at",
            "rows_read",
            "rows_inserted",
            "rows_updated",
            "rows_unchanged",
            "rows_rejected",
            "persons_changed",
        )
    )
    by_kind: dict[str, list[FeedImport]] = {kind: [] for kind in kinds}
    for entry in latest[: TREND_IMPORTS * max(len(kinds), 1) * 4]:
        if len(by_kind[entry.kind]) < TREND_IMPORTS:
            by_kind[entry.kind].append(entry)
    trends = []
    for kind, entries in by_kind.items():
        rows = [
            {
                "entry": e,
                "share": f"{e.rows_rejected * 100 / e.rows_read:.1f}%" if e.rows_read else "—",
            }
            for e in reversed(entries)
        ]
        trends.append({"kind": kind, "label": KINDS[kind].title if kind in KINDS else kind, "rows": rows})
    context = {
        **model_admin.admin_site.each_context(request),
        "title": "数据质量趋势",
        "opts": model_admin.model._meta,
        "trends": trends,
        "limit": TREND_IMPORTS,
    }
    return TemplateResponse(request, "admin/feeds/feedimport/trend.html", context)


def feed_rejections_csv(request, pk: int, *, model_admin):
    """One import's rejections as CSV: the reason groups with their row counts (what the import log keeps)."""
    entry = get_object_or_404(FeedImport, pk=pk)
    if not model_admin.has_view_permission(request, entry):
        raise PermissionDenied
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["数据类型", "文件名", "导入时间", "拒绝原因（按类归并）", "行数"])
    started = entry.started_at.astimezone(timezone.get_current_timezone()).isoformat(timespec="seconds")
    for reason, count in entry.reason_groups.items():
        writer.writerow([entry.kind, entry.file_name, started, reason, count])
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="rejections-{entry.pk}.csv"'
    return response


def rejected_rows_csv(request, pk: int, *, model_admin):
    """One import's stored rejected rows as CSV (line order): ID numbers masked, or in full (``?full=1``) for those
    holding ``feeds.view_full_rejected_rows``. Every download is recorded in the audit trail."""
    entry = get_object_or_404(FeedImport, pk=pk)
    if not model_admin.has_view_permission(request, entry):
        raise PermissionDenied
    full = request.GET.get("full") == "1"
    if full and not may_see_full_rows(request.user):
        raise PermissionDenied
    with transaction.atomic():
        record(
            actor=request.user,
            action="feeds.rejected_rows_download",
            obj=entry,
            changes={"完整身份证号": full, "行数": entry.rejections_stored},
        )

    def lines():
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["行号", "拒绝原因", "原因分类", *entry.header])
        yield "\ufeff"
        rows = entry.rejections.order_by("line").values_list("line", "reason", "group", "fields")
        for line, reason, group, fields in rows.iterator(chunk_size=2000):
            writer.writerow([line, reason, group, *(fields if full else masked_fields(entry.header, fields))])
            if buffer.tell() > 1 << 16:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        beyond = entry.rows_rejected - entry.rejections_stored
        if beyond > 0:
            writer.writerow(["", f"另有 {beyond} 行拒绝行未保存（每次导入最多保存 {REJECTIONS_CAP} 行）", ""])
        yield buffer.getvalue()

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    suffix = "-full" if full else ""
    response["Content-Disposition"] = f'attachment; filename="rejected-rows-{entry.pk}{suffix}.csv"'
    return response
