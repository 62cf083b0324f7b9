"""未申报单位 (admin): the units of the reviewer's region that have not started or not declared a business year,
with the filing deadline and the days left; filterable by year, stage and region; exportable to .xlsx; a bulk action
sends the 申报提醒 (通知公告 to those units, at most once a unit per day, ``declarations.reminders``).

Scoped like every admin page (``RegionScopedAdminMixin`` on the unit's 残联主管部门): a district reviewer sees only
the district's units, and the service checks each unit's scope again.
"""

from __future__ import annotations

import io

from django.contrib import admin, messages
from django.contrib.admin.options import ActionLocation
from django.http import HttpResponse
from django.utils import timezone
from django.utils.html import format_html
from openpyxl import Workbook
from openpyxl.styles import Font

from core import filing
from core.errors import DomainError
from core.numbers import ascii_int
from declarations import reminders
from declarations.models import UnfiledUnit
from employers.access import reviewer_region_prefix
from employers.admin_scoping import RegionScopedAdminMixin

YEAR_PARAM = "year"


def default_year(request) -> int:
    """The current filing year of the reviewer's province (a national superuser: of 北京's rule's default)."""
    prefix = reviewer_region_prefix(request.user) or ""
    today = timezone.localdate()
    return filing.current_filing_year(prefix[:2], today) if len(prefix) >= 2 else filing.pick_filing_year([], today)


def selected_year(request) -> int:
    value = ascii_int(request.GET.get(YEAR_PARAM, ""), digits=4)
    if value is not None and 2000 <= value <= timezone.localdate().year:
        return value
    return default_year(request)


class YearFilter(admin.SimpleListFilter):
    title = "业务年度"
    parameter_name = YEAR_PARAM

    def lookups(self, request, model_admin):
        last = timezone.localdate().year
        return [(str(y), f"{y}年度") for y in range(last, last - 6, -1)]

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        self.current = str(selected_year(request))

    def choices(self, changelist):
        current = self.current
        for value, label in self.lookup_choices:
            yield {
                "selected": value == current,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request, queryset):
        return queryset  # the year is applied by the admin's get_queryset (every annotation depends on it)


class StageFilter(admin.SimpleListFilter):
    title = "申报进度"
    parameter_name = "stage"

    def lookups(self, request, model_admin):
        return list(reminders.STAGE_LABELS.items())

    def queryset(self, request, queryset):
        if self.value() in reminders.STAGE_LABELS:
            return queryset.filter(reminders.stage_q(self.value()))
        return queryset


@admin.register(UnfiledUnit)
class UnfiledUnitAdmin(RegionScopedAdminMixin, admin.ModelAdmin):
    scope_lookup = ""
    list_display = (
        "name",
        "uscc",
        "federation_region",
        "contact",
        "stage",
        "closes_on",
        "days_left",
        "last_reminded_at",
    )
    list_display_links = None
    list_filter = (YearFilter, StageFilter, "federation_region")
    list_select_related = ("federation_region",)
    search_fields = ("name", "=uscc")
    search_help_text = "按单位名称或统一社会信用代码检索"
    show_full_result_count = False
    ordering = ("id",)
    actions = ("send_reminders", "export_xlsx")
    list_per_page = 50

    def has_module_permission(self, request):
        return reviewer_region_prefix(request.user) is not None

    def has_view_permission(self, request, obj=None):
        return reviewer_region_prefix(request.user) is not None

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_remind_permission(self, request) -> bool:
        return reviewer_region_prefix(request.user) is not None

    def get_action_choices(self, request, default_choices=None, action_location=ActionLocation.CHANGE_LIST):
        return super().get_action_choices(request, [("", "（请选择操作）")], action_location=action_location)

    def get_queryset(self, request):
        return reminders.unfiled_units(super().get_queryset(request), selected_year(request))

    def changelist_view(self, request, extra_context=None):
        year = selected_year(request)
        extra = {"title": f"{year}年度未完成申报的单位", "subtitle": None, **(extra_context or {})}
        return super().changelist_view(request, extra)

    def _deadline(self, obj) -> reminders.Deadline:
        return reminders.deadline_of(obj, today=timezone.localdate())

    @admin.display(description="经办人")
    def contact(self, obj) -> str:
        return f"{obj.contact_name} {obj.contact_phone}".strip()

    @admin.display(description="申报进度")
    def stage(self, obj) -> str:
        return reminders.STAGE_LABELS[reminders.FILLING if obj.started else reminders.NOT_STARTED]

    @admin.display(description="申报截止日")
    def closes_on(self, obj) -> str:
        deadline = self._deadline(obj)
        return f"{deadline.closes_on:%Y-%m-%d}" + ("（已延期）" if deadline.extended else "")

    @admin.display(description="剩余天数")
    def days_left(self, obj) -> str:
        deadline = self._deadline(obj)
        if deadline.days_left < 0:
            return format_html('<span class="text-danger">✗ {}</span>', deadline.label)
        return deadline.label

    @admin.display(description="最近提醒")
    def last_reminded_at(self, obj) -> str:
        return f"{timezone.localtime(obj.last_reminded):%Y-%m-%d %H:%M}" if obj.last_reminded else "—"

    @admin.action(description="发送申报提醒（通知公告，每个单位每天最多一次）", permissions=["remind"])
    def send_reminders(self, request, queryset):
        try:
            year = selected_year(request)
            result = reminders.filing_reminders_send(units=list(queryset), year=year, by=request.user)
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)
            return None
        if result.sent:
            self.message_user(request, f"已向 {result.sent} 个单位发送{year}年度申报提醒。", messages.SUCCESS)
        if result.already_today:
            self.message_user(request, f"{result.already_today} 个单位今天已提醒过，未重复发送。", messages.WARNING)
        return None

    @admin.action(description="导出所选单位（Excel）")
    def export_xlsx(self, request, queryset):
        year = selected_year(request)
        book = Workbook()
        sheet = book.active
        sheet.title = f"{year}年度未申报单位"
        header = (
            "单位名称",
            "统一社会信用代码",
            "残联主管部门",
            "经办人",
            "经办人电话",
            "申报进度",
            "申报截止日",
            "剩余天数",
            "最近提醒",
        )
        sheet.append(header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for unit in queryset.select_related("federation_region").order_by("id"):
            deadline = self._deadline(unit)
            sheet.append(
                (
                    unit.name,
                    unit.uscc,
                    str(unit.federation_region),
                    unit.contact_name,
                    unit.contact_phone,
                    self.stage(unit),
                    deadline.closes_on,
                    deadline.days_left,
                    timezone.localtime(unit.last_reminded).replace(tzinfo=None) if unit.last_reminded else None,
                )
            )
        for column, width in zip("ABCDEFGHI", (36, 22, 24, 10, 16, 18, 12, 10, 18), strict=True):
            sheet.column_dimensions[column].width = width
        out = io.BytesIO()
        book.save(out)
        response = HttpResponse(
            out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        response["Content-Disposition"] = f'attachment; filename="unfiled-units-{year}.xlsx"'
        return response
