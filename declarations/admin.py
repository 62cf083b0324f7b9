"""Reviewers' admin of declarations and withdrawal requests, scoped to the reviewer's region.

State fields are read-only; a withdrawal is approved or rejected only through the two admin actions — from the list
(several at once) or with the two buttons on the withdrawal's own page (Django's change-form actions) — which ask for
a reason (a standard one and/or free text) on an intermediate page and call ``declarations.services``. Both outcomes
send the unit a notice (done by the services).
"""

from functools import partial

from django.contrib import admin
from django.urls import path

from declarations.admin_base import ReadOnlyInline, ReviewerAccessMixin
from declarations.constants import (
    TaxResult,
)
from declarations.models import (
    Declaration,
    Submission,
    SubmissionPerson,
    Withdrawal,
)
from employers.declaration_states import LOCKED_STATUSES


class SubmissionInline(ReadOnlyInline):
    model = Submission
    fields = (
        "number",
        "declared_at",
        "declared_by_label",
        "persons",
        "confirmed_months",
        "approved_months",
        "certificate_no",
        "verification_code",
        "certificate_issued_at",
        "voided_at",
        "tax_result",
        "tax_result_reason",
        "tax_result_at",
    )
    verbose_name_plural = "申报记录"


class WithdrawalInline(ReadOnlyInline):
    model = Withdrawal
    fields = ("requested_at", "reason", "from_status", "state", "decided_by", "decided_at", "decision_reason")
    verbose_name_plural = "撤回申请"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("decided_by")


class TaxResultFilter(admin.SimpleListFilter):
    """税务回执 of the current result: 「税务退回」 is the reviewers' queue of results the tax office refused."""

    title = "税务回执"
    parameter_name = "tax_result"

    def lookups(self, request, model_admin):
        return [(TaxResult.REFUSED, "税务退回"), (TaxResult.ACCEPTED, "税务已接收"), ("waiting", "已发送、未回执")]

    def queryset(self, request, queryset):
        if self.value() in (TaxResult.REFUSED, TaxResult.ACCEPTED):
            return queryset.filter(current__tax_result=self.value(), status__in=LOCKED_STATUSES)
        if self.value() == "waiting":
            return queryset.filter(sent_to_tax_at__isnull=False, current__tax_result="", status__in=LOCKED_STATUSES)
        return queryset


@admin.register(Declaration)
class DeclarationAdmin(ReviewerAccessMixin, admin.ModelAdmin):
    scope_lookup = "employer"
    list_display = (
        "employer",
        "uscc",
        "year",
        "status",
        "certificate_no",
        "sent_to_tax_at",
        "tax_result",
        "updated_at",
    )
    list_filter = ("status", TaxResultFilter, "year")
    list_select_related = ("employer", "current")
    search_fields = ("employer__name", "=employer__uscc", "=current__certificate_no")
    search_help_text = "按单位名称、统一社会信用代码或认定书编号检索"
    show_full_result_count = False
    ordering = ("-year", "-updated_at")
    readonly_fields = ("employer", "year", "status", "previous_status", "current", "sent_to_tax_at", "created_at")
    fields = readonly_fields
    inlines = (SubmissionInline, WithdrawalInline)

    def get_urls(self):
        from declarations.admin_audit import audit_view
        from declarations.admin_statistics import statistics_view

        view = self.admin_site.admin_view(partial(statistics_view, model_admin=self))
        audit = self.admin_site.admin_view(partial(audit_view, model_admin=self))
        return [
            path("statistics/", view, name="declarations_statistics"),
            path("audit/", audit, name="declarations_audit"),
            *super().get_urls(),
        ]

    @admin.display(description="统一社会信用代码", ordering="employer__uscc")
    def uscc(self, obj: Declaration) -> str:
        return obj.employer.uscc

    @admin.display(description="认定书编号")
    def certificate_no(self, obj: Declaration) -> str:
        return obj.current.certificate_no if obj.current_id else "—"

    @admin.display(description="税务回执")
    def tax_result(self, obj: Declaration) -> str:
        if not obj.current_id or not obj.locked or not obj.current.tax_result:
            return "—"
        submission = obj.current
        if submission.tax_result == TaxResult.REFUSED:
            return f"✗ 税务退回：{submission.tax_result_reason}"
        return "✓ 税务已接收"


class SubmissionPersonInline(ReadOnlyInline):
    model = SubmissionPerson
    fields = ("position", "name", "id_number", "months", "confirmed_months", "weight", "approved_months")
    verbose_name_plural = "申报人员（完成申报时的快照）"


@admin.register(Submission)
class SubmissionAdmin(ReviewerAccessMixin, admin.ModelAdmin):
    scope_lookup = "declaration__employer"
    list_display = ("unit_name", "year", "number", "declared_at", "approved_months", "certificate_no", "validity")
    list_select_related = ("declaration",)
    list_filter = ("declaration__year",)
    search_fields = ("unit_name", "=uscc", "=certificate_no", "=verification_code")
    show_full_result_count = False
    ordering = ("-declared_at",)
    exclude = ("form_token",)
    inlines = (SubmissionPersonInline,)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Submission._meta.fields if f.name != "form_token"]

    @admin.display(description="业务年度", ordering="declaration__year")
    def year(self, obj: Submission) -> int:
        return obj.declaration.year

    @admin.display(description="认定书状态")
    def validity(self, obj: Submission) -> str:
        return "✓ 有效" if obj.voided_at is None else "✗ 已撤销"


# The other declarations admin pages register themselves on import.
from declarations import admin_audit_events, admin_tax, admin_unfiled, admin_withdrawals  # noqa: E402,F401
