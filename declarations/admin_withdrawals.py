"""年审申报撤回 and 申报期延期 in the admin: decisions through the same services as the list actions."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import ActionLocation
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from core.errors import DomainError
from core.models import FilingExtension
from declarations import extensions, services
from declarations.admin_base import ReviewerAccessMixin
from declarations.constants import (
    APPROVE_REASONS,
    DECISION_REASON_MAX,
    REJECT_REASONS,
    WITHDRAWAL_REASON_MAX,
    WithdrawalState,
)
from declarations.models import (
    Withdrawal,
)
from employers.access import reviewer_region_prefix


class DecisionForm(forms.Form):
    standard_reason = forms.ChoiceField(label="常用意见", required=False)
    reason = forms.CharField(
        label="审核意见（补充）",
        required=False,
        max_length=DECISION_REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 70}),
    )

    def __init__(self, *args, standard: tuple[str, ...], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["standard_reason"].choices = [("", "（不选）"), *((r, r) for r in standard)]

    def clean(self):
        data = super().clean()
        text = "；".join(part for part in (data.get("standard_reason"), (data.get("reason") or "").strip()) if part)
        if not text:
            raise forms.ValidationError("请选择常用意见或填写审核意见。")
        if len(text) > DECISION_REASON_MAX:
            raise forms.ValidationError(f"审核意见最多 {DECISION_REASON_MAX} 个字。")
        data["text"] = text
        return data


BOTH_PAGES = [ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM]
CHANGE_FORM_ACTION = f"{ActionLocation.CHANGE_FORM.value}-action"  # the action field's name on the change page


@admin.register(Withdrawal)
class WithdrawalAdmin(ReviewerAccessMixin, admin.ModelAdmin):
    scope_lookup = "declaration__employer"
    list_display = ("unit", "year", "requested_at", "short_reason", "from_status", "state_label", "decided_at")
    list_filter = ("state",)
    list_select_related = ("declaration__employer",)
    search_fields = ("declaration__employer__name", "=declaration__employer__uscc")
    show_full_result_count = False
    ordering = ("-requested_at",)
    actions = ("approve_selected", "reject_selected")
    readonly_fields = (
        "unit",
        "year",
        "declaration_link",
        "submission_label",
        "reason",
        "from_status",
        "requested_at",
        "requested_by",
        "state_label",
        "decided_by",
        "decided_at",
        "decision_reason",
    )
    fields = readonly_fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("declaration__employer", "submission")

    def has_decide_permission(self, request) -> bool:
        return reviewer_region_prefix(request.user) is not None

    def get_action_choices(self, request, default_choices=None, action_location=ActionLocation.CHANGE_LIST):
        # Django's blank choice reads "- Select an option -" (not in its Chinese catalogue)
        return super().get_action_choices(request, [("", "（请选择操作）")], action_location)

    @admin.display(description="单位", ordering="declaration__employer__name")
    def unit(self, obj: Withdrawal) -> str:
        return obj.declaration.employer.name

    @admin.display(description="业务年度", ordering="declaration__year")
    def year(self, obj: Withdrawal) -> int:
        return obj.declaration.year

    @admin.display(description="年审申报")
    def declaration_link(self, obj: Withdrawal) -> str:
        url = reverse("admin:declarations_declaration_change", args=[obj.declaration_id])
        return format_html('<a href="{}">{}</a>', url, obj.declaration)  # 「2025年度年审申报（撤回申请中）」

    @admin.display(description="撤回的申报")
    def submission_label(self, obj: Withdrawal) -> str:
        submission = obj.submission
        declared = timezone.localtime(submission.declared_at)
        return f"第 {submission.number} 次完成申报（{declared:%Y-%m-%d %H:%M}），认定书编号 {submission.certificate_no}"

    @admin.display(description="撤回理由")
    def short_reason(self, obj: Withdrawal) -> str:
        return obj.reason if len(obj.reason) <= 40 else obj.reason[:40] + "…"

    @admin.display(description="审核状态", ordering="state")
    def state_label(self, obj: Withdrawal) -> str:
        marks = {WithdrawalState.PENDING: "…", WithdrawalState.APPROVED: "✓", WithdrawalState.REJECTED: "✗"}
        return format_html("{} {}", marks.get(obj.state, ""), obj.get_state_display())

    @admin.action(
        description="批准撤回申请（作废认定书、重新开放该年度）",
        description_plural="批准所选撤回申请（作废认定书、重新开放该年度）",
        permissions=["decide"],
        location=BOTH_PAGES,
    )
    def approve_selected(self, request, queryset):
        return self._decide(request, queryset, approve=True)

    @admin.action(
        description="驳回撤回申请", description_plural="驳回所选撤回申请", permissions=["decide"], location=BOTH_PAGES
    )
    def reject_selected(self, request, queryset):
        return self._decide(request, queryset, approve=False)

    def _decide(self, request, queryset, *, approve: bool):
        """Both pages: the intermediate page asks for the reason; with it (``apply``) each pending withdrawal goes
        through the service; the list or the withdrawal's page is shown again with the outcome."""
        pending = list(queryset.filter(state=WithdrawalState.PENDING).select_related("declaration__employer"))
        standard = APPROVE_REASONS if approve else REJECT_REASONS
        form = DecisionForm(request.POST if "apply" in request.POST else None, standard=standard)
        if "apply" in request.POST and form.is_valid():
            service = services.withdrawal_approve if approve else services.withdrawal_reject
            done, failed = 0, []
            for withdrawal in pending:
                try:
                    service(withdrawal=withdrawal, reason=form.cleaned_data["text"], by=request.user)
                except DomainError as error:
                    failed.append(f"{withdrawal.declaration.employer.name}：{error.message}")
                else:
                    done += 1
            verb = "批准" if approve else "驳回"
            if done:
                self.message_user(request, f"已{verb} {done} 个撤回申请，并已通知相关单位。", messages.SUCCESS)
            for line in failed:
                self.message_user(request, line, messages.ERROR)
            if not pending:
                self.message_user(request, "所选申请均已审核，没有待审核的撤回申请。", messages.WARNING)
            return None
        from_change_page = CHANGE_FORM_ACTION in request.POST
        selected = request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME)
        back = reverse("admin:declarations_withdrawal_changelist")
        if from_change_page and selected:
            back = reverse("admin:declarations_withdrawal_change", args=[selected[0]])
        context = {
            **self.admin_site.each_context(request),
            "title": "批准撤回申请" if approve else "驳回撤回申请",
            "opts": self.model._meta,
            "form": form,
            "withdrawals": pending,
            "approve": approve,
            "action": "approve_selected" if approve else "reject_selected",
            "action_field": CHANGE_FORM_ACTION if from_change_page else "action",
            "selected": selected,
            "back_url": back,
        }
        return TemplateResponse(request, "declarations/admin/withdrawal_decide.html", context)


class FilingExtensionForm(forms.ModelForm):
    class Meta:
        model = FilingExtension
        fields = ("employer", "year", "closes_on", "reason")
        widgets = {"reason": forms.Textarea(attrs={"rows": 3, "maxlength": WITHDRAWAL_REASON_MAX})}
        help_texts = {
            "closes_on": "必须晚于该省该年度申报期的截止日，且不早于今天；最长延期一年。",
            "reason": f"将发给该单位，最多 {WITHDRAWAL_REASON_MAX} 个字。",
        }

    def clean(self):
        cleaned = super().clean()
        employer = cleaned.get("employer") or getattr(self.instance, "employer", None)
        year = cleaned.get("year") or self.instance.year
        if employer is not None and year and "closes_on" in cleaned:
            problems = extensions.extension_problems(
                employer=employer, year=year, closes_on=cleaned["closes_on"], today=timezone.localdate()
            )
            for field_name, message in problems.items():
                self.add_error(field_name if field_name in self.fields else None, message)
        return cleaned


@admin.register(FilingExtension)
class FilingExtensionAdmin(ReviewerAccessMixin, admin.ModelAdmin):
    """申报期延期: a reviewer extends one unit's filing window (domain.md §2). Saved through
    ``extensions.filing_extend`` (scope checked, audited, the unit notified); never deleted."""

    form = FilingExtensionForm
    scope_lookup = "employer"
    list_display = ("employer", "year", "closes_on", "short_reason", "granted_by", "updated_at")
    list_filter = ("year",)
    list_select_related = ("employer", "granted_by")
    search_fields = ("employer__name", "=employer__uscc")
    search_help_text = "按单位名称或统一社会信用代码检索"
    autocomplete_fields = ("employer",)
    ordering = ("-year", "-updated_at")

    def has_add_permission(self, request, obj=None):
        return reviewer_region_prefix(request.user) is not None

    def has_change_permission(self, request, obj=None):
        return reviewer_region_prefix(request.user) is not None

    def get_fields(self, request, obj=None):
        fields = ("employer", "year", "closes_on", "reason")
        return (*fields, "granted_by", "updated_at") if obj is not None else fields

    def get_readonly_fields(self, request, obj=None):
        return ("employer", "year", "granted_by", "updated_at") if obj is not None else ()

    @admin.display(description="延期原因")
    def short_reason(self, obj: FilingExtension) -> str:
        return obj.reason if len(obj.reason) <= 40 else obj.reason[:40] + "…"

    def changeform_view(self, request, *args, **kwargs):
        try:
            return super().changeform_view(request, *args, **kwargs)
        except DomainError as error:  # raised by the service after the form passed: rolled back, said, not a 500
            self.message_user(request, error.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request, obj, form, change):
        # The form has run every check of the service (extension_problems; the unit list is scoped; the reason is
        # required by the model), so a DomainError here would mean a race with another reviewer.
        saved = extensions.filing_extend(
            employer=obj.employer, year=obj.year, closes_on=obj.closes_on, reason=obj.reason, by=request.user
        )
        obj.pk, obj.granted_by, obj.updated_at = saved.pk, saved.granted_by, saved.updated_at
        self.message_user(request, f"已延长 {obj.employer.name} 的 {obj.year} 年度申报期，并已通知该单位。")

    def log_addition(self, request, obj, message):
        return None  # audited by the service (core.audit)

    def log_change(self, request, obj, message):
        return None
