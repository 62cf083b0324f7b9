"""The reviewers' workplace for placements (domain.md §6; style.md §6), scoped to the reviewer's region.

- The changelist is the review queue: by default the placements with something awaiting review, oldest submission
  first, with the unit, the person (masked ID), the months waiting, the failing checks and the working days since
  submission (「已超期」 after five). Filters: region (the reviewer's sub-regions), unit, failing check, age; search
  by unit name, USCC or exact ID number. Pages are fetched one row ahead instead of counted (no COUNT per view).
- One review page per placement (``<id>/review/``): the month grid, each pending month with its evidence, and the
  decisions — per month, the ticked months, all pending months, per piece of evidence, hand-added certificates and
  dispatch agreements — through ``placements.review``.
- Model pages are read-only: state changes only through the review page (it needs ``placements.change_placement``).
"""

from __future__ import annotations

import re

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.forms import Media
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from stdnum.cn import uscc

from core import idnumbers
from core.masking import mask_number
from core.review import DECISIONS
from core.review_forms import DecisionForm
from employers.access import reviewer_region_prefix
from employers.admin_scoping import RegionScopedAdminMixin
from placements.grid.checks import CHECK_LABELS, CHECKS, reason_texts
from placements.models import Contract, GraduateRecord, HandCertificate, Placement, PlacementMonth
from placements.review import services as review
from placements.review.forms import MonthsDecisionForm
from placements.review.queue import (
    AgeFilter,
    CheckFilter,
    QueueChangeList,
    QueueFilter,
    RegionFilter,
    UnitFilter,
    YearFilter,
    load_reviewer,
)
from placements.review.rules import months_text
from placements.review.selectors import review_page


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
        "decision_reason",
    )
    readonly_fields = fields
    ordering = ("month",)

    @admin.display(description="未通过原因")
    def reason_list(self, obj):
        return "；".join(reason_texts(obj.reasons)) or "—"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("decided_by")


# --- the admin ---------------------------------------------------------------------------------------------------


class PlacementAdmin(RegionScopedAdminMixin, admin.ModelAdmin):
    scope_lookup = "employer"
    # The queue's table is rendered by templates/admin/placements/placement/change_list.html from the rows
    # QueueChangeList prepares; list_display only names the columns the changelist machinery knows about.
    list_display = ("submitted_at", "name", "masked_id", "employer", "year")
    list_display_links = None
    list_filter = (QueueFilter, AgeFilter, CheckFilter, RegionFilter, UnitFilter, YearFilter)
    list_select_related = ("employer",)
    list_per_page = 50
    ordering = ("submitted_at", "pk")
    sortable_by = ()
    search_fields = ("employer__name", "=employer__uscc", "=id_number")
    search_help_text = "输入单位名称（部分即可）、统一社会信用代码或完整的身份证号。"
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    actions = None
    readonly_fields = (
        "review_link",
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

    # --- permissions: read-only model pages; decisions need the change permission (checked in review_view) ---

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def may_decide(self, request) -> bool:
        return reviewer_region_prefix(request.user) is not None and request.user.has_perm(review.DECIDE_PERMISSION)

    def get_changelist(self, request, **kwargs):
        return QueueChangeList

    def changelist_view(self, request, extra_context=None):
        load_reviewer(request)
        # No script of ModelAdmin.media serves the queue (no actions, no editable or related fields; the filters'
        # filters.js comes with the template): jQuery and seven more files left out, ~1.5 ms of CPU for their tags.
        return super().changelist_view(request, {"media": Media(), **(extra_context or {})})

    def change_view(self, request, object_id, form_url="", extra_context=None):
        load_reviewer(request)
        return super().change_view(request, object_id, form_url, extra_context)

    def get_search_results(self, request, queryset, search_term):
        """Unit name (a part of it), USCC or ID number (exact, either case). Bounded: at most 50 characters."""
        term = (search_term or "").strip()[:50]
        if not term:
            return queryset, False
        upper = term.upper()
        if len(upper) == 18 and upper.isalnum():
            # One identifier, so that its own index answers (an OR across tables would scan the queue).
            if uscc.is_valid(upper) and not idnumbers.is_valid(upper):
                return queryset.filter(employer__uscc=upper), False
            return queryset.filter(id_number=upper), False
        return queryset.filter(employer__name__contains=term), False

    # --- columns ---

    @admin.display(description="身份证号", ordering="id_number")
    def masked_id(self, obj: Placement) -> str:
        return mask_number(obj.id_number)

    @admin.display(description="审核")
    def review_link(self, obj: Placement) -> str:
        url = reverse("admin:placements_placement_review", args=[obj.pk])
        return format_html('<a class="button" href="{}">打开审核页面</a>', url)

    # --- the review page ---

    def get_urls(self):
        return [
            path(
                "<int:object_id>/review/",
                self.admin_site.admin_view(self.review_view),
                name="placements_placement_review",
            ),
            *super().get_urls(),
        ]

    def review_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        load_reviewer(request)
        placement = self.get_queryset(request).select_related("employer").filter(pk=object_id).first()
        if placement is None:
            raise Http404("该安置登记不存在或不在您的审核辖区内。")
        if not self.has_view_permission(request, placement):
            raise PermissionDenied
        can_decide = self.may_decide(request)
        page = review_page(placement)
        forms = _page_forms(page, request.POST if request.method == "POST" else None)
        if request.method == "POST":
            if not can_decide:
                raise PermissionDenied
            target = request.POST.get("target", "")
            form = forms.get(target)
            if form is None:
                messages.warning(request, "该事项已不在待审核状态，页面已刷新。")
                return HttpResponseRedirect(request.path)
            if form.is_valid():
                try:
                    result = _apply(target, form.cleaned_data, page, request.user)
                except review.AlreadyDecidedError as error:
                    messages.warning(request, error.message)
                    return HttpResponseRedirect(request.path)
                except review.ReviewError as error:
                    error.add_to_form(form)
                else:
                    messages.success(request, result)
                    return HttpResponseRedirect(request.path)
        context = {
            **self.admin_site.each_context(request),
            "title": f"审核：{placement.name}（{placement.year}年度）",
            "opts": self.model._meta,
            "original": placement,
            "placement": placement,
            "page": page,
            "forms": forms,
            "checked_months": set(request.POST.getlist("m-months")) if request.method == "POST" else set(),
            "evidence_rows": [(item, forms.get(f"ev{item.evidence.pk}")) for item in page.evidence],
            "cert_rows": [(c, forms.get(f"cert{c.pk}")) for c in page.certificates],
            "agreement_rows": [(c, forms.get(f"agr{c.pk}")) for c in page.agreements],
            "can_decide": can_decide,
            "check_labels": [CHECK_LABELS[c] for c in CHECKS],
            "queue_url": reverse("admin:placements_placement_changelist"),
            "change_url": reverse("admin:placements_placement_change", args=[placement.pk]),
        }
        return TemplateResponse(request, "admin/placements/placement/review.html", context)


_TARGET = re.compile(r"(ev|cert|agr)(\d+)")


def _page_forms(page, data) -> dict[str, DecisionForm]:
    """One form per decidable thing on the page, keyed by the ``target`` its form posts; only the posted one is
    bound. The months form is ``months``; documents are ``ev<pk>``, ``cert<pk>``, ``agr<pk>``."""
    posted = data.get("target") if data is not None else None

    def bind(key: str):
        return data if posted == key else None

    forms: dict[str, DecisionForm] = {}
    pending = [(m.row.pk, m.label) for m in page.pending]
    if pending:
        needs_cert = frozenset(m.row.pk for m in page.pending if review.needs_recorded_certificate(m.row))
        forms["months"] = MonthsDecisionForm(bind("months"), prefix="m", pending=pending, needs_cert=needs_cert)
    for item in page.evidence:
        if item.pending_months:
            key = f"ev{item.evidence.pk}"
            forms[key] = DecisionForm(bind(key), prefix=key)
    for cert in page.pending_certificates:
        key = f"cert{cert.pk}"
        forms[key] = DecisionForm(bind(key), prefix=key)
    for agreement in page.pending_agreements:
        key = f"agr{agreement.pk}"
        forms[key] = DecisionForm(bind(key), prefix=key)
    return forms


def _apply(target: str, data: dict, page, by) -> str:
    """Call the service the form stands for; returns the success message."""
    p = page.placement
    kwargs = {
        "decision": data["decision"],
        "reason_code": data.get("reason_code", ""),
        "reason_text": data.get("reason_text", ""),
        "by": by,
    }
    verdict = DECISIONS[data["decision"]]
    if target == "months":
        certificate = {"cert_type": data.get("cert_type") or "", "cert_grade": data.get("cert_grade")}
        result = review.month_decide(month_ids=data["month_ids"], placement=p, **certificate, **kwargs)
        return f"{months_text(result.months)}：{verdict}。已通知单位。"
    kind, pk = _TARGET.fullmatch(target).groups()
    pk = int(pk)
    if kind == "ev":
        evidence = next(i.evidence for i in page.evidence if i.evidence.pk == pk)
        result = review.evidence_decide(evidence=evidence, **kwargs)
        return f"据「{evidence.get_kind_display()}」审核 {months_text(result.months)}：{verdict}。已通知单位。"
    if kind == "cert":
        cert = next(c for c in page.certificates if c.pk == pk)
        review.hand_certificate_decide(certificate=cert, **kwargs)
        return f"补录残疾证 {mask_number(cert.cert_no)}：{verdict}，安置月份已重新核验。已通知单位。"
    agreement = next(c for c in page.agreements if c.pk == pk)
    review.dispatch_agreement_decide(contract=agreement, **kwargs)
    return f"劳务派遣协议：{verdict}，安置月份已重新核验。已通知单位。"
