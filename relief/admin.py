"""Reviewers decide 缓减免申请 here: scoped to their region, every field read-only, decisions through a custom
admin view that calls the services (通过 / 不通过 / 退回补充, always with a reason)."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from core.models import AuditEvent
from employers.admin_scoping import RegionScopedAdminMixin
from relief import services, transitions
from relief.forms import DecisionForm
from relief.models import ReliefApplication
from relief.transitions import Action


@admin.register(ReliefApplication)
class ReliefApplicationAdmin(RegionScopedAdminMixin, admin.ModelAdmin):
    scope_lookup = "employer"
    list_display = ("employer", "year", "kind", "state_text", "requested", "submitted_at", "decided_at", "review_link")
    list_filter = ("state", "kind", "year")
    search_fields = ("employer__name", "employer__uscc", "document_number")
    list_select_related = ("employer",)
    show_full_result_count = False
    ordering = ("-submitted_at", "-id")
    date_hierarchy = None
    fieldsets = (
        ("审核", {"fields": ("state_text", "review_link")}),
        ("申请单位", {"fields": ("employer", "year", "kind")}),
        (
            "申请内容",
            {
                "fields": (
                    "requested",
                    "levy_estimate_text",
                    "staff_count",
                    "avg_monthly_wage_text",
                    "reason",
                    "loss_amount_text",
                    "loss_description",
                    "files",
                    "submitted_at",
                )
            },
        ),
        (
            "审核结果",
            {"fields": ("decided_at", "decided_by", "approving_body", "document_number", "decision_reason")},
        ),
        ("操作记录", {"fields": ("history",)}),
    )
    readonly_fields = (
        "state_text",
        "review_link",
        "employer",
        "year",
        "kind",
        "requested",
        "levy_estimate_text",
        "staff_count",
        "avg_monthly_wage_text",
        "reason",
        "loss_amount_text",
        "loss_description",
        "files",
        "submitted_at",
        "decided_at",
        "decided_by",
        "approving_body",
        "document_number",
        "decision_reason",
        "history",
    )

    # --- no writes except through the decision view ---------------------------------------------------------------

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def change_view(self, request: HttpRequest, object_id, form_url="", extra_context=None):
        # every field is read-only: no save buttons (decisions go through the 审核 view)
        extra_context = {
            **(extra_context or {}),
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
            "show_delete": False,
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def get_queryset(self, request: HttpRequest):
        return (
            super()
            .get_queryset(request)
            .select_related("employer", "decided_by", "application_letter", "loss_proof", "audited_accounts")
        )

    # --- display ---------------------------------------------------------------------------------------------------

    @admin.display(description="状态", ordering="state")
    def state_text(self, obj: ReliefApplication) -> str:
        marks = {transitions.APPROVED: "✓ ", transitions.REJECTED: "✗ ", transitions.SUBMITTED: "… "}
        return f"{marks.get(obj.state, '')}{obj.get_state_display()}"

    @admin.display(description="申请内容")
    def requested(self, obj: ReliefApplication) -> str:
        return obj.requested_text

    @admin.display(description="预计全年应缴残保金")
    def levy_estimate_text(self, obj: ReliefApplication) -> str:
        return f"{obj.levy_estimate:,.2f} 元" if obj.levy_estimate is not None else "—"

    @admin.display(description="上年职工月平均工资")
    def avg_monthly_wage_text(self, obj: ReliefApplication) -> str:
        return f"{obj.avg_monthly_wage:,.2f} 元"

    @admin.display(description="直接经济损失金额")
    def loss_amount_text(self, obj: ReliefApplication) -> str:
        return f"{obj.loss_amount:,.2f} 元"

    @admin.display(description="审核操作")
    def review_link(self, obj: ReliefApplication) -> str:
        if obj.state != transitions.SUBMITTED:
            return "—"
        url = reverse("admin:relief_reliefapplication_decide", args=[obj.pk])
        return format_html('<a class="button" href="{}">审核</a>', url)

    @admin.display(description="附件")
    def files(self, obj: ReliefApplication) -> str:
        items = [
            format_html(
                '<li>{}：<a href="{}">{}</a></li>', label, reverse("files:download", args=[f.token]), f.original_name
            )
            if f is not None
            else format_html("<li>{}：✗ 未上传</li>", label)
            for label, f in obj.attachments
        ]
        return format_html("<ul>{}</ul>", mark_safe("".join(items)))  # each item escaped by format_html

    @admin.display(description="操作记录")
    def history(self, obj: ReliefApplication) -> str:
        events = AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)).order_by("at")[:50]
        return format_html(
            "<ol>{}</ol>",
            format_html_join(
                "",
                "<li>{} · {} · {}{}</li>",
                (
                    (
                        f"{e.at:%Y-%m-%d %H:%M}",
                        e.actor_label,
                        e.action,
                        f"（{e.reason}）" if e.reason else "",
                    )
                    for e in events
                ),
            ),
        )

    # --- the decision view ----------------------------------------------------------------------------------------

    def get_urls(self):
        custom = [
            path(
                "<int:object_id>/decide/",
                self.admin_site.admin_view(self.decide_view),
                name="relief_reliefapplication_decide",
            )
        ]
        return custom + super().get_urls()

    def decide_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        application = self.get_queryset(request).filter(pk=object_id).first()
        if application is None:
            raise Http404("申请不存在或不在您的审核辖区内。")
        if not self.has_change_permission(request, application):
            raise PermissionDenied
        change_url = reverse("admin:relief_reliefapplication_change", args=[application.pk])
        if application.state != transitions.SUBMITTED:
            messages.error(request, f"申请当前状态为「{application.get_state_display()}」，无需审核。")
            return HttpResponseRedirect(change_url)
        if request.method == "POST":
            form = DecisionForm(request.POST)
            if form.is_valid():
                data = form.cleaned_data
                try:
                    self._decide(request, application, data)
                except services.ReliefError as error:
                    for field, message in error.errors.items():
                        form.add_error(field if field in form.fields else None, message)
                else:
                    messages.success(
                        request, f"已{dict(form.fields['decision'].choices)[data['decision']]}，并已通知单位。"
                    )
                    return HttpResponseRedirect(change_url)
        else:
            form = DecisionForm()
        context = {
            **self.admin_site.each_context(request),
            "title": f"审核：{application}",
            "opts": self.model._meta,
            "original": application,
            "application": application,
            "form": form,
            "change_url": change_url,
        }
        return TemplateResponse(request, "relief/admin/decide.html", context)

    @staticmethod
    def _decide(request: HttpRequest, application: ReliefApplication, data: dict) -> None:
        decision = Action(data["decision"])
        if decision == Action.APPROVE:
            services.relief_approve(
                application=application,
                approving_body=data["approving_body"],
                document_number=data["document_number"],
                reason=data["reason"],
                by=request.user,
            )
        elif decision == Action.REJECT:
            services.relief_reject(application=application, reason=data["reason"], by=request.user)
        else:
            services.relief_return(application=application, reason=data["reason"], by=request.user)
