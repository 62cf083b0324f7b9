"""Admin of the reference data, the audit trail and stored files.

Regions are read-only (loaded from GB/T 2260 by ``load_reference_data``); ratios, wages, filing windows and the
working-calendar table are edited by superusers and users given the permissions. The audit trail is read-only for
everyone, superusers included. Stored files are listed by ``employers.admin`` (scoped by the unit's region).
"""

import json

from django import forms
from django.contrib import admin
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from core.models import (
    AuditEvent,
    CalendarDay,
    CalendarDayKind,
    EmploymentRatio,
    FilingWindow,
    MinimumWage,
    Region,
    SocialAverageWage,
)
from core.selectors import reference_warnings

WEEKDAYS = "一二三四五六日"


class ReadOnlyAdminMixin:
    """Nobody adds, changes or deletes through admin (superusers included); viewing needs the view permission."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Region)
class RegionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("code", "name", "full_name", "level", "abolished")
    list_filter = ("level", "abolished")
    search_fields = ("^code", "name", "full_name")
    ordering = ("code",)
    show_full_result_count = False
    list_per_page = 100

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if request.path.endswith("/autocomplete/"):
            queryset = queryset.filter(abolished=False)  # pickers never offer abolished regions
        return queryset, may_have_duplicates


class CalendarDayForm(forms.ModelForm):
    class Meta:
        model = CalendarDay
        fields = ("date", "kind", "name")

    def clean(self):
        cleaned = super().clean()
        day, kind = cleaned.get("date"), cleaned.get("kind")
        if day and kind == CalendarDayKind.WORKDAY and day.weekday() < 5:
            self.add_error("kind", "周一至周五本来就是工作日；调休上班日应为周六或周日。")
        return cleaned


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    form = CalendarDayForm
    list_display = ("date", "weekday", "kind", "name")
    list_filter = ("kind",)
    date_hierarchy = "date"
    search_fields = ("name",)
    ordering = ("date",)

    @admin.display(description="星期")
    def weekday(self, obj):
        return f"星期{WEEKDAYS[obj.date.weekday()]}"

    def changelist_view(self, request, extra_context=None):
        warnings = {"reference_warnings": reference_warnings(timezone.localdate()), "warnings_part": "calendar"}
        return super().changelist_view(request, {**warnings, **(extra_context or {})})


class EmploymentRatioForm(forms.ModelForm):
    class Meta:
        model = EmploymentRatio
        fields = ("province_code", "year", "ratio_percent", "source", "effective_from", "confirmed")
        help_texts = {
            "source": "规定该比例的文件名称和文号，如「《北京市……办法》（京政发〔……〕……号）第……条」。",
            "effective_from": "依据文件的施行日期。",
        }

    def clean_ratio_percent(self):
        value = self.cleaned_data["ratio_percent"]
        if not 0 < value < 10:
            raise forms.ValidationError("安排比例应在 0 到 10 (%) 之间，例如 1.5。")
        return value

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("confirmed"):
            if not (cleaned.get("source") or "").strip():
                self.add_error("source", "标为已核实前，请填写依据文件。")
            if not cleaned.get("effective_from"):
                self.add_error("effective_from", "标为已核实前，请填写依据文件的施行日期。")
        return cleaned


@admin.register(EmploymentRatio)
class EmploymentRatioAdmin(admin.ModelAdmin):
    """安排比例 with its source, effective date and whether someone checked it (ADR 0009). A row saved here is
    marked ``admin_edited``: ``load_reference_data`` never overwrites it."""

    form = EmploymentRatioForm
    list_display = ("province_code", "year", "ratio_percent", "status", "source", "effective_from")
    list_filter = ("confirmed", "year")
    search_fields = ("=province_code", "source")
    ordering = ("province_code", "-year")

    @admin.display(description="核实状态", ordering="confirmed")
    def status(self, obj: EmploymentRatio) -> str:
        return "✓ 已核实" if obj.confirmed else "⚠ 待核实"

    def save_model(self, request, obj, form, change):
        obj.admin_edited = True
        super().save_model(request, obj, form, change)

    def changelist_view(self, request, extra_context=None):
        warnings = {"reference_warnings": reference_warnings(timezone.localdate()), "warnings_part": "ratios"}
        return super().changelist_view(request, {**warnings, **(extra_context or {})})


@admin.register(MinimumWage)
class MinimumWageAdmin(admin.ModelAdmin):
    list_display = ("region_code", "effective_from", "amount")
    search_fields = ("^region_code",)
    date_hierarchy = "effective_from"
    ordering = ("region_code", "-effective_from")


@admin.register(SocialAverageWage)
class SocialAverageWageAdmin(admin.ModelAdmin):
    list_display = ("province_code", "year", "annual_amount")
    list_filter = ("year",)
    search_fields = ("=province_code",)


class FilingWindowForm(forms.ModelForm):
    class Meta:
        model = FilingWindow
        fields = ("province_code", "business_year", "opens_on", "closes_on")

    def clean(self):
        cleaned = super().clean()
        opens, closes, year = cleaned.get("opens_on"), cleaned.get("closes_on"), cleaned.get("business_year")
        if opens and closes and closes < opens:
            self.add_error("closes_on", "截止日期不能早于开始日期。")
        if opens and year and opens.year <= year:
            self.add_error("opens_on", "申报期应在业务年度结束之后（例如 2025 年度：2026-03-01 起）。")
        return cleaned


@admin.register(FilingWindow)
class FilingWindowAdmin(admin.ModelAdmin):
    form = FilingWindowForm
    list_display = ("province_code", "business_year", "opens_on", "closes_on")
    list_filter = ("business_year",)
    search_fields = ("=province_code",)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("at", "actor_label", "action", "object_type", "object_id", "object_repr")
    list_filter = ("action", "object_type")
    search_fields = ("=object_id", "object_repr", "actor_label", "reason")
    date_hierarchy = "at"
    show_full_result_count = False
    list_select_related = ("actor",)
    fields = (
        "at",
        "actor",
        "actor_label",
        "action",
        "object_type",
        "object_id",
        "object_repr",
        "reason",
        "changes_table",
    )
    readonly_fields = fields

    @admin.display(description="变更（前 → 后）")
    def changes_table(self, obj):
        if not obj.changes:
            return "—"
        rows = []
        for field, change in obj.changes.items():
            if isinstance(change, dict) and {"before", "after"} <= set(change):
                rows.append((field, change["before"], change["after"]))
            else:
                rows.append((field, "", json.dumps(change, ensure_ascii=False)))
        body = format_html_join("", "<tr><th>{}</th><td>{}</td><td>{}</td></tr>", rows)
        return format_html("<table><tr><th>字段</th><th>修改前</th><th>修改后</th></tr>{}</table>", body)
