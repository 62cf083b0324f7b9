"""A basic, read-only admin of placements and their grids, scoped to the reviewer's region.

The reviewers' workplace (queue, decisions through services) is built on top of this by the review issue; nothing
here writes: state fields change only through placements.services.
"""

from django.contrib import admin

from core.masking import mask_number
from employers.access import reviewer_region_prefix
from employers.admin_scoping import RegionScopedAdminMixin
from placements.models import Contract, GraduateRecord, HandCertificate, Placement, PlacementMonth
from placements.rules import reason_texts


class ReadOnlyMixin:
    """View-only; access follows the reviewer's region (employers.access), not Django model permissions."""

    def has_module_permission(self, request):
        return reviewer_region_prefix(request.user) is not None

    def has_view_permission(self, request, obj=None):
        return reviewer_region_prefix(request.user) is not None

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ContractInline(ReadOnlyMixin, admin.TabularInline):
    model = Contract
    extra = 0
    fields = (
        "contract_type",
        "is_dispatched",
        "relation",
        "start",
        "end",
        "job",
        "monthly_salary",
        "dispatch_unit",
        "wage_unit",
        "pension_unit",
        "medical_unit",
        "review_state",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs.select_related("dispatch_unit", "wage_unit", "pension_unit", "medical_unit")


class HandCertificateInline(ReadOnlyMixin, admin.TabularInline):
    model = HandCertificate
    extra = 0
    fields = ("cert_no", "cert_type", "grade", "category", "valid_from", "valid_to", "review_state", "reason")
    readonly_fields = fields


class GraduateRecordInline(ReadOnlyMixin, admin.TabularInline):
    model = GraduateRecord
    extra = 0
    fields = ("school", "degree", "graduation_date")
    readonly_fields = fields


class PlacementMonthInline(ReadOnlyMixin, admin.TabularInline):
    model = PlacementMonth
    extra = 0
    fields = (
        "month",
        "wage_ok",
        "pension_ok",
        "medical_ok",
        "cert_ok",
        "age_ok",
        "contract_ok",
        "reason_list",
        "cert_type",
        "cert_grade",
        "weight",
        "selected",
        "review_state",
        "evidence_missing",
        "decided_by",
        "decided_at",
    )
    readonly_fields = fields
    ordering = ("month",)

    @admin.display(description="未通过原因")
    def reason_list(self, obj):
        return "；".join(reason_texts(obj.reasons)) or "—"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("decided_by")


@admin.register(Placement)
class PlacementAdmin(ReadOnlyMixin, RegionScopedAdminMixin, admin.ModelAdmin):
    scope_lookup = "employer"
    list_display = ("name", "masked_id", "employer", "year", "wizard_completed", "submitted_at", "frozen")
    list_filter = ("year", "wizard_completed", "frozen")
    list_select_related = ("employer",)
    search_fields = ("=id_number", "name", "employer__name", "=employer__uscc")
    show_full_result_count = False
    readonly_fields = (
        "employer",
        "year",
        "id_number",
        "name",
        "gender",
        "birth_date",
        "household_region",
        "household_address",
        "phone",
        "education",
        "guardian_name",
        "guardian_phone",
        "is_graduate",
        "retirement_baseline",
        "wizard_step",
        "wizard_completed",
        "submitted_at",
        "frozen",
        "version",
        "created_at",
        "updated_at",
    )
    fields = readonly_fields
    inlines = (ContractInline, HandCertificateInline, GraduateRecordInline, PlacementMonthInline)

    @admin.display(description="身份证号", ordering="id_number")
    def masked_id(self, obj):
        return mask_number(obj.id_number)

    def get_search_results(self, request, queryset, search_term):
        return super().get_search_results(request, queryset, search_term.strip().upper()[:50])
