"""Reviewers' admin of units, related units, reviewer accounts and stored files, scoped by region.

Writes go through ``employers.services`` (audited); state fields are read-only. The proofs of related units are
reviewed in the reviewers' workplace (``placements.admin_proofs``), which also tells the unit.
"""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from core import audit
from core.admin import ReadOnlyAdminMixin
from core.admin_widgets import CheckedAutocompleteMixin
from core.models import StoredFile
from employers import services
from employers.admin_scoping import RegionScopedAdminMixin
from employers.models import Employer, EmployerAccount, RelatedUnit, ReviewerProfile


class EmployerAccountInline(CheckedAutocompleteMixin, admin.TabularInline):
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
    ordering = ("-id",)  # the primary key: a stable page order (list and autocomplete) without sorting by name
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


@admin.register(ReviewerProfile)
class ReviewerProfileAdmin(RegionScopedAdminMixin, admin.ModelAdmin):
    scope_region_lookup = "region"
    list_display = ("user", "region", "organisation")
    list_select_related = ("user", "region")
    search_fields = ("user__username", "organisation", "^region__code", "region__name")
    autocomplete_fields = ("user", "region")
    show_full_result_count = False


@admin.register(StoredFile)
class StoredFileAdmin(RegionScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    scope_lookup = "employer"
    list_display = ("original_name", "kind", "employer", "content_type", "size", "uploaded_at", "download_link")
    list_filter = ("kind", "content_type")
    search_fields = ("original_name", "=employer__uscc", "employer__name")
    list_select_related = ("employer",)
    show_full_result_count = False
    fields = ("original_name", "kind", "employer", "content_type", "size", "sha256", "uploaded_by", "uploaded_at")
    readonly_fields = (*fields, "download_link")

    @admin.display(description="文件")
    def download_link(self, obj):
        url = reverse("files:download", args=[obj.token])
        return format_html('<a href="{}?inline=1" target="_blank" rel="noopener">查看</a>', url)
