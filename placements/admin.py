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

import math
import re
from dataclasses import dataclass

from django.contrib import admin, messages
from django.contrib.admin.views.main import PAGE_VAR, ChangeList
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from stdnum.cn import ric, uscc

from core.masking import mask_number
from core.models import Region
from employers.access import reviewer_region_prefix
from employers.admin_scoping import RegionScopedAdminMixin
from employers.models import Employer, ReviewerProfile
from placements import review
from placements.models import Contract, GraduateRecord, HandCertificate, Placement, PlacementMonth
from placements.review_forms import DecisionForm, MonthsDecisionForm
from placements.review_rules import DECISIONS, months_text
from placements.review_selectors import (
    DOCUMENTS,
    awaiting_review_q,
    failing_check_q,
    overdue_q,
    queue_stats,
    review_page,
)
from placements.rules import CHECK_LABELS, CHECKS, reason_texts


def load_reviewer(request: HttpRequest) -> None:
    """Read the reviewer's profile and region in one query and cache them on the user (the scope checks then cost
    nothing more)."""
    user = request.user
    if user.is_superuser or not user.is_authenticated:
        return
    related = ReviewerProfile._meta.get_field("user").remote_field  # the reverse side: user.reviewer_profile
    if related.is_cached(user):
        return
    profile = ReviewerProfile.objects.select_related("region").filter(user=user).first()
    related.set_cached_value(user, profile)


def request_cache(request: HttpRequest) -> dict:
    """A dict living as long as the request (the working calendar read once for the filter and the rows)."""
    return request.__dict__.setdefault("_review_cache", {})


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


# --- the queue's paging: no COUNT ---------------------------------------------------------------------------------


class LookaheadPaginator(Paginator):
    """Fetches one page plus one row instead of counting: ``count`` is exact on the last page and a lower bound
    (``offset + per_page + 1``) before it, which is all "next page" needs. One query per page view."""

    def __init__(self, object_list, per_page: int, *, number: int = 1) -> None:
        super().__init__(object_list, per_page, allow_empty_first_page=True)
        self.number = max(int(number), 1)

    @cached_property
    def fetched(self) -> list:
        offset = (self.number - 1) * self.per_page
        return list(self.object_list[offset : offset + self.per_page + 1])

    @property
    def rows(self) -> list:
        return self.fetched[: self.per_page]

    @property
    def has_next(self) -> bool:
        return len(self.fetched) > self.per_page

    @cached_property
    def count(self) -> int:
        return (self.number - 1) * self.per_page + len(self.fetched)

    @cached_property
    def num_pages(self) -> int:
        return max(self.number, math.ceil(self.count / self.per_page)) if self.count else 1


@dataclass(slots=True)
class QueueRow:
    """One row of the queue table, every text prepared once (the template only prints it)."""

    pk: int
    submitted: str
    waiting: str
    overdue: bool
    unit: str
    uscc: str
    unit_url: str
    name: str
    masked_id: str
    year: int
    months: str
    failing: str
    documents: str
    review_url: str
    change_url: str

    @classmethod
    def of(cls, p: Placement, stats, *, base: str, unit_url: str) -> QueueRow:
        w = stats.waiting
        return cls(
            pk=p.pk,
            submitted=f"{timezone.localtime(p.submitted_at):%Y-%m-%d %H:%M}" if p.submitted_at else "未提交",
            waiting=w.text if w else "—",
            overdue=bool(w and w.overdue),
            unit=p.employer.name,
            uscc=p.employer.uscc,
            unit_url=unit_url,
            name=p.name,
            masked_id=mask_number(p.id_number),
            year=p.year,
            months=stats.months_text,
            failing="、".join(stats.failing) or "—",
            documents=stats.documents_text,
            review_url=f"{base}{p.pk}/review/",
            change_url=f"{base}{p.pk}/change/",
        )


class QueueChangeList(ChangeList):
    """The changelist with :class:`LookaheadPaginator` and the per-row queue stats (two queries for a page)."""

    def get_results(self, request):
        self.page_num = max(self.page_num, 1)
        paginator = LookaheadPaginator(self.queryset, self.list_per_page, number=self.page_num)
        rows = paginator.rows
        if not rows and self.page_num > 1:
            # Past the end (the queue shrank meanwhile): show the last page that has rows.
            self.page_num = max(1, math.ceil(self._count_up_to(paginator) / self.list_per_page))
            paginator = LookaheadPaginator(self.queryset, self.list_per_page, number=self.page_num)
            rows = paginator.rows
        stats = queue_stats(rows, cache=request_cache(request))
        base = reverse("admin:placements_placement_changelist")
        self.queue_rows = []
        for obj in rows:
            obj.queue = stats[obj.pk]
            unit_url = self.get_query_string({UnitFilter.parameter_name: obj.employer_id}, [PAGE_VAR])
            self.queue_rows.append(QueueRow.of(obj, obj.queue, base=base, unit_url=unit_url))
        self.paginator = paginator
        self.result_list = rows
        self.result_count = paginator.count
        self.full_result_count = None
        self.show_full_result_count = False
        self.show_admin_actions = False
        self.can_show_all = False
        self.multi_page = paginator.has_next or self.page_num > 1
        self.has_next = paginator.has_next
        self.prev_url = self.get_query_string({PAGE_VAR: self.page_num - 1}) if self.page_num > 1 else ""
        self.next_url = self.get_query_string({PAGE_VAR: self.page_num + 1}) if paginator.has_next else ""

    def _count_up_to(self, paginator: LookaheadPaginator) -> int:
        """Rows before the requested page (bounded: counts at most up to that page's offset)."""
        offset = (paginator.number - 1) * self.list_per_page
        return len(self.queryset.values_list("pk", flat=True)[:offset])


# --- filters -----------------------------------------------------------------------------------------------------


class QueueFilter(admin.SimpleListFilter):
    title = "审核事项"
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [("pending", "待审核"), ("all", "全部安置登记")]

    def value(self):
        return super().value() or "pending"

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}, [PAGE_VAR]),
                "display": title,
            }

    def queryset(self, request, queryset):
        if self.value() == "all":
            return queryset
        return queryset.filter(awaiting_review_q())


class AgeFilter(admin.SimpleListFilter):
    title = "等待时间"
    parameter_name = "age"

    def lookups(self, request, model_admin):
        return [("overdue", "已超期（超过5个工作日）"), ("recent", "未超期")]

    def queryset(self, request, queryset):
        if self.value() in ("overdue", "recent"):
            return queryset.filter(overdue_q(self.value() == "overdue", cache=request_cache(request)))
        return queryset


class CheckFilter(admin.SimpleListFilter):
    title = "未通过核验项"
    parameter_name = "check"

    def lookups(self, request, model_admin):
        return [*((c, CHECK_LABELS[c]) for c in CHECKS if c != "age"), (DOCUMENTS, "补录残疾证 / 劳务派遣协议")]

    def queryset(self, request, queryset):
        value = self.value()
        if value in CHECKS or value == DOCUMENTS:
            return queryset.filter(failing_check_q(value))
        return queryset


def _prefix_of(code: str) -> str:
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


class RegionFilter(admin.SimpleListFilter):
    """The reviewer's sub-regions (残联主管部门 of the unit): the next level down, and the level below a chosen one.
    A municipality's single 市辖区 is skipped so its districts show at once. One query."""

    title = "所属区域"
    parameter_name = "region"

    def lookups(self, request, model_admin):
        user = request.user
        own = getattr(getattr(user, "reviewer_profile", None), "region", None)
        prefix = reviewer_region_prefix(user) or ""
        chosen = self.value() or ""
        if not (chosen.isdigit() and len(chosen) == 6 and chosen.startswith(prefix)):
            chosen = ""
        base = chosen or (own.code if own is not None and not user.is_superuser else "")
        q = Q(code=chosen) if chosen else Q(pk__in=[])
        if base:
            q |= Q(parent_id=base) | Q(parent__parent_id=base)
        else:
            q |= Q(parent__isnull=True)
        regions = list(Region.objects.filter(q, abolished=False).order_by("code"))
        children = [r for r in regions if r.parent_id == base] if base else regions
        if len(children) == 1:  # e.g. 北京市 → 市辖区: show the districts
            only = children[0].code
            children = [r for r in regions if r.parent_id == only] or children
        choices = [(r.code, r.name) for r in children if r.code != chosen]
        if chosen:
            label = next((r.name for r in regions if r.code == chosen), chosen)
            choices.insert(0, (chosen, f"{label}（当前）"))
        return choices

    def queryset(self, request, queryset):
        value = self.value() or ""
        if value.isdigit() and len(value) == 6:
            return queryset.filter(employer__federation_region__code__startswith=_prefix_of(value))
        return queryset


class UnitFilter(admin.SimpleListFilter):
    """One unit, chosen from a row's 「只看该单位」 link (a list of every unit would not scale)."""

    title = "用人单位"
    parameter_name = "unit"

    def lookups(self, request, model_admin):
        value = self.value() or ""
        if not value.isdigit():
            return []
        employer = Employer.objects.filter(employer_scope_filter(request), pk=int(value)).only("name").first()
        return [(value, employer.name)] if employer else [(value, "（不在本辖区）")]

    def queryset(self, request, queryset):
        value = self.value() or ""
        if value.isdigit():
            return queryset.filter(employer_id=int(value))
        return queryset


def employer_scope_filter(request) -> Q:
    from employers.access import employer_scope_q

    return employer_scope_q(request.user, "")


class YearFilter(admin.SimpleListFilter):
    title = "业务年度"
    parameter_name = "year"

    def lookups(self, request, model_admin):
        this = timezone.localdate().year
        return [(str(y), f"{y}年度") for y in range(this, this - 4, -1)]

    def queryset(self, request, queryset):
        value = self.value() or ""
        if value.isdigit():
            return queryset.filter(year=int(value))
        return queryset


# --- the admin ---------------------------------------------------------------------------------------------------


@admin.register(Placement)
class PlacementAdmin(RegionScopedAdminMixin, admin.ModelAdmin):
    scope_lookup = "employer"
    list_display = (
        "submitted_text",
        "waiting_text",
        "unit",
        "name",
        "masked_id",
        "year",
        "pending_months",
        "failing_checks",
        "pending_documents",
        "operations",
    )
    list_display_links = None
    list_filter = (QueueFilter, AgeFilter, CheckFilter, RegionFilter, UnitFilter, YearFilter)
    list_select_related = ("employer",)
    list_per_page = 50
    ordering = ("submitted_at", "pk")
    sortable_by = ("submitted_text",)
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
        return super().changelist_view(request, extra_context)

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
            if uscc.is_valid(upper) and not ric.is_valid(upper):
                return queryset.filter(employer__uscc=upper), False
            return queryset.filter(id_number=upper), False
        return queryset.filter(employer__name__contains=term), False

    # --- columns ---

    @admin.display(description="提交时间", ordering="submitted_at")
    def submitted_text(self, obj: Placement) -> str:
        return f"{timezone.localtime(obj.submitted_at):%Y-%m-%d %H:%M}" if obj.submitted_at else "未提交"

    @admin.display(description="已等待")
    def waiting_text(self, obj: Placement) -> str:
        w = getattr(obj, "queue", None) and obj.queue.waiting
        if w is None:
            return "—"
        if w.overdue:
            return format_html('<strong class="review-overdue">{}</strong>', w.text)
        return w.text

    @admin.display(description="用人单位")
    def unit(self, obj: Placement) -> str:
        return format_html(
            '{}<br><span class="quiet">{}</span> <a href="?unit={}" title="只看该单位的待审核人员">只看该单位</a>',
            obj.employer.name,
            obj.employer.uscc,
            obj.employer_id,
        )

    @admin.display(description="身份证号", ordering="id_number")
    def masked_id(self, obj: Placement) -> str:
        return mask_number(obj.id_number)

    @admin.display(description="待审核月份")
    def pending_months(self, obj: Placement) -> str:
        return obj.queue.months_text if hasattr(obj, "queue") else "—"

    @admin.display(description="未通过核验项")
    def failing_checks(self, obj: Placement) -> str:
        return "、".join(obj.queue.failing) if hasattr(obj, "queue") and obj.queue.failing else "—"

    @admin.display(description="待审核证件/协议")
    def pending_documents(self, obj: Placement) -> str:
        return obj.queue.documents_text if hasattr(obj, "queue") else "—"

    @admin.display(description="操作")
    def operations(self, obj: Placement) -> str:
        return format_html(
            '<a class="button" href="{}" aria-label="审核 {}">审核</a> <a href="{}">详情</a>',
            reverse("admin:placements_placement_review", args=[obj.pk]),
            obj.name,
            reverse("admin:placements_placement_change", args=[obj.pk]),
        )

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
        forms["months"] = MonthsDecisionForm(bind("months"), prefix="m", pending=pending)
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
        result = review.month_decide(month_ids=data["month_ids"], placement=p, **kwargs)
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
