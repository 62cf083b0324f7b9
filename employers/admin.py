"""Reviewers' admin of units, related units, proofs and reviewer accounts, scoped by region.

Writes go through ``employers.services`` (audited); state fields are read-only. Review decisions on proofs are
added by the review workplace (issue 5) on top of :class:`RelatedUnitProofAdmin`.
"""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from core import audit
from employers import services
from employers.admin_scoping import RegionScopedAdminMixin
from employers.models import Employer, EmployerAccount, RelatedUnit, RelatedUnitProof, ReviewerProfile


class EmployerAccountInline(admin.TabularInline):
    model = EmployerAccount
    extra = 0
    autocomplete_fields = ("user",)
    verbose_name = "单位登录账号"
    verbose_name_plural = "单位登录账号"

    def has_add_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


class RelatedUnitInline(admin.TabularInline):
    model = RelatedUnit
    extra = 0
    fields = ("name", "relation", "uscc", "tax_registration_no", "organization_code", "region", "is_active")
    readonly_fields = fields
    show_change_link = True
    verbose_name_plural = "关联单位"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("region")


@admin.register(Employer)
class EmployerAdmin(RegionScopedAdminMixin, admin.ModelAdmin):
    scope_lookup = ""
    list_display = ("name", "uscc", "unit_kind", "federation_region", "tax_region", "updated_at")
    list_select_related = ("federation_region", "tax_region")
    list_filter = ("unit_kind", "economic_kind", "industry")
    search_fields = ("name", "=uscc")
    show_full_result_count = False
    autocomplete_fields = ("federation_region", "tax_region", "registration_region")
    readonly_fields = ("version", "created_at", "updated_at")
    inlines = (EmployerAccountInline, RelatedUnitInline)
    fieldsets = (
        ("单位", {"fields": ("name", "uscc", "tax_registration_no", "organization_code")}),
        ("分类", {"fields": ("unit_kind", "economic_kind", "industry")}),
        ("主管部门与行政区", {"fields": ("federation_region", "tax_region", "registration_region")}),
        ("法定代表人", {"fields": ("legal_rep_name", "legal_rep_id_type", "legal_rep_id_number", "legal_rep_phone")}),
        ("联系方式", {"fields": ("phone", "contact_name", "contact_phone", "business_address", "registered_address")}),
        ("记录", {"fields": ("version", "created_at", "updated_at")}),
    )

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and services.uscc_is_locked(obj):
            fields.append("uscc")
        return fields

    def has_delete_permission(self, request, obj=None):
        return False  # units are never deleted: placements, declarations and the audit trail refer to them

    def save_model(self, request, obj, form, change):
        if not change:
            super().save_model(request, obj, form, change)
            audit.record(
                actor=request.user,
                action="employer.create",
                obj=obj,
                changes=audit.diff({}, audit.snapshot(obj, services.EMPLOYER_FIELDS)),
            )
            return
        data = {name: form.cleaned_data[name] for name in form.changed_data if name in services.EMPLOYER_FIELDS}
        saved = services.employer_update(employer=obj, data=data, by=request.user, reason="审核后台修改")
        obj.version = saved.version


@admin.register(RelatedUnit)
class RelatedUnitAdmin(RegionScopedAdminMixin, admin.ModelAdmin):
    """Read-only here: a unit maintains its related units itself (/employer/related/)."""

    scope_lookup = "employer"
    list_display = ("name", "employer", "relation", "uscc", "region", "is_active")
    list_select_related = ("employer", "region")
    list_filter = ("relation", "is_active")
    search_fields = ("name", "=uscc", "employer__name", "=employer__uscc")
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RelatedUnitProof)
class RelatedUnitProofAdmin(RegionScopedAdminMixin, admin.ModelAdmin):
    scope_lookup = "related_unit__employer"
    list_display = ("related_unit", "employer_name", "kind", "review_state", "withdrawn", "created_at", "file_link")
    list_select_related = ("related_unit__employer", "file")
    list_filter = ("review_state", "kind", "withdrawn")
    search_fields = ("related_unit__name", "related_unit__employer__name", "=related_unit__employer__uscc")
    show_full_result_count = False
    fields = ("related_unit", "kind", "file_link", "review_state", "review_reason", "reviewed_by", "reviewed_at")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="用人单位")
    def employer_name(self, obj):
        return obj.related_unit.employer.name

    @admin.display(description="文件")
    def file_link(self, obj):
        url = reverse("core:download", args=[obj.file.token])
        return format_html('<a href="{}?inline=1" target="_blank" rel="noopener">{}</a>', url, obj.file.original_name)


@admin.register(ReviewerProfile)
class ReviewerProfileAdmin(RegionScopedAdminMixin, admin.ModelAdmin):
    scope_region_lookup = "region"
    list_display = ("user", "region", "organisation")
    list_select_related = ("user", "region")
    search_fields = ("user__username", "organisation", "^region__code", "region__name")
    autocomplete_fields = ("user", "region")
    show_full_result_count = False
