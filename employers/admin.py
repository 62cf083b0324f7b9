"""Reviewers' admin of units, related units, proofs and reviewer accounts, scoped by region.

Writes go through ``employers.services`` (audited); state fields are read-only. Decisions on related-unit proofs
are made on :class:`RelatedUnitProofAdmin`'s review page through ``employers.review``.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from core import audit
from core.admin_filters import PendingFirstFilter
from employers import review, services
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


class ProofQueueFilter(PendingFirstFilter):
    """待审核 by default: the proofs awaiting a decision (not withdrawn), oldest first."""

    title = "审核事项"

    def pending(self, request, queryset):
        return queryset.filter(review_state=RelatedUnitProof.ReviewState.PENDING, withdrawn=False)


@admin.register(RelatedUnitProof)
class RelatedUnitProofAdmin(RegionScopedAdminMixin, admin.ModelAdmin):
    """Proofs of related units: read-only model pages; decisions on the review page (``<id>/review/``) through
    ``employers.review.proof_decide`` (needs ``employers.change_relatedunitproof``)."""

    scope_lookup = "related_unit__employer"
    list_display = (
        "related_unit",
        "employer_name",
        "kind",
        "state_text",
        "withdrawn",
        "created_at",
        "file_link",
        "review_link",
    )
    list_select_related = ("related_unit__employer", "file")
    list_filter = (ProofQueueFilter, "review_state", "kind", "withdrawn")
    search_fields = ("related_unit__name", "related_unit__employer__name", "=related_unit__employer__uscc")
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    ordering = ("created_at", "pk")
    actions = None
    fields = (
        "related_unit",
        "kind",
        "file_link",
        "state_text",
        "review_reason",
        "reviewed_by",
        "reviewed_at",
        "review_link",
    )
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def may_decide(self, request) -> bool:
        from employers.access import reviewer_region_prefix
        from employers.review import DECIDE_PERMISSION

        return reviewer_region_prefix(request.user) is not None and request.user.has_perm(DECIDE_PERMISSION)

    @admin.display(description="用人单位")
    def employer_name(self, obj):
        return obj.related_unit.employer.name

    @admin.display(description="审核状态", ordering="review_state")
    def state_text(self, obj):
        marks = {"approved": "✓ ", "rejected": "✗ "}
        return (
            f"{marks.get(obj.review_state, '')}{obj.get_review_state_display()}{'（已撤回）' if obj.withdrawn else ''}"
        )

    @admin.display(description="文件")
    def file_link(self, obj):
        url = reverse("core:download", args=[obj.file.token])
        return format_html('<a href="{}?inline=1" target="_blank" rel="noopener">{}</a>', url, obj.file.original_name)

    @admin.display(description="审核")
    def review_link(self, obj):
        url = reverse("admin:employers_relatedunitproof_review", args=[obj.pk])
        label = "审核" if obj.review_state == RelatedUnitProof.ReviewState.PENDING and not obj.withdrawn else "查看"
        return format_html('<a class="button" href="{}">{}</a>', url, label)

    def get_urls(self):
        return [
            path(
                "<int:object_id>/review/",
                self.admin_site.admin_view(self.review_view),
                name="employers_relatedunitproof_review",
            ),
            *super().get_urls(),
        ]

    def review_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        from placements.review import AlreadyDecidedError, ReviewError
        from placements.review_forms import DecisionForm

        proof = (
            self.get_queryset(request)
            .select_related("related_unit__employer", "related_unit__region", "file", "reviewed_by")
            .filter(pk=object_id)
            .first()
        )
        if proof is None:
            raise Http404("该证明材料不存在或不在您的审核辖区内。")
        if not self.has_view_permission(request, proof):
            raise PermissionDenied
        can_decide = self.may_decide(request)
        pending = proof.review_state == RelatedUnitProof.ReviewState.PENDING and not proof.withdrawn
        form = DecisionForm(request.POST if request.method == "POST" else None, prefix="proof") if pending else None
        if request.method == "POST":
            if not can_decide:
                raise PermissionDenied
            if form is None:
                messages.warning(request, "该证明材料已不在待审核状态，页面已刷新。")
                return HttpResponseRedirect(request.path)
            if form.is_valid():
                data = form.cleaned_data
                try:
                    review.proof_decide(
                        proof=proof,
                        decision=data["decision"],
                        reason_code=data["reason_code"],
                        reason_text=data["reason_text"],
                        by=request.user,
                    )
                except AlreadyDecidedError as error:
                    messages.warning(request, error.message)
                    return HttpResponseRedirect(request.path)
                except ReviewError as error:
                    error.add_to_form(form)
                else:
                    verdict = "审核通过" if data["decision"] == "approve" else "审核不通过"
                    messages.success(
                        request, f"「{proof.related_unit.name}」的{proof.get_kind_display()}：{verdict}。已通知单位。"
                    )
                    return HttpResponseRedirect(request.path)
        context = {
            **self.admin_site.each_context(request),
            "title": f"审核：{proof}",
            "opts": self.model._meta,
            "original": proof,
            "proof": proof,
            "form": form,
            "can_decide": can_decide,
            "changelist_url": reverse("admin:employers_relatedunitproof_changelist"),
        }
        return TemplateResponse(request, "admin/employers/relatedunitproof/review.html", context)


@admin.register(ReviewerProfile)
class ReviewerProfileAdmin(RegionScopedAdminMixin, admin.ModelAdmin):
    scope_region_lookup = "region"
    list_display = ("user", "region", "organisation")
    list_select_related = ("user", "region")
    search_fields = ("user__username", "organisation", "^region__code", "region__name")
    autocomplete_fields = ("user", "region")
    show_full_result_count = False
