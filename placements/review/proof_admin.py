"""The reviewers' queue and review page of related-unit proofs (劳务派遣协议 / 关联关系证明, domain.md §3 and §6).

The proof is the employers app's; its review is part of the reviewers' workplace, beside the placements review,
because deciding it also tells the unit (``placements.proofs``, above the notices app; ADR 0010).
Registered by ``placements.admin``.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from core.admin_filters import PendingFirstFilter
from core.review import AlreadyDecidedError, ReviewError
from core.review_forms import DecisionForm
from employers.access import reviewer_region_prefix
from employers.admin_scoping import RegionScopedAdminMixin
from employers.models import RelatedUnitProof
from employers.review import DECIDE_PERMISSION
from placements.review.proofs import proof_decide


class ProofQueueFilter(PendingFirstFilter):
    """待审核 by default: the proofs awaiting a decision (not withdrawn), oldest first."""

    title = "审核事项"

    def pending(self, request, queryset):
        return queryset.filter(review_state=RelatedUnitProof.ReviewState.PENDING, withdrawn=False)


class RelatedUnitProofAdmin(RegionScopedAdminMixin, admin.ModelAdmin):
    """Proofs of related units: read-only model pages; decisions on the review page (``<id>/review/``) through
    ``placements.review.proofs.proof_decide`` (needs ``employers.change_relatedunitproof``)."""

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
        url = reverse("files:download", args=[obj.file.token])
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
                    proof_decide(
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
