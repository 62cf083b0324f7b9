"""残联 staff and the logins of units (issue 14): open an account for a unit of their region, or for many units from a
CSV / xlsx file (开通单位账号（批量）, ``employers.account_import``), reset a clerk's password (a one-time link shown
to the staff member, or mailed to the clerk's verified address), disable / re-enable accounts, set a unit's
administrator. Everything through ``employers.accounts`` (scope-checked, audited); the list is scoped by region.
Registered from ``EmployersConfig.ready`` (the module stays out of ``employers/admin.py``).
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from core.errors import DomainError
from core.uploads import MSG_TOO_BIG
from employers import account_import, accounts, mail
from employers.access import employers_in_scope, reviewer_region_prefix
from employers.account_forms import ClerkForm
from employers.admin_scoping import RegionScopedAdminMixin
from employers.identifiers import clean_uscc
from employers.models import EmployerAccount


class OpenAccountForm(ClerkForm):
    uscc = forms.CharField(label="单位统一社会信用代码", max_length=18)
    field_order = ("uscc", "username", "contact_name", "contact_phone", "email")

    def clean_uscc(self):
        try:
            return clean_uscc(self.cleaned_data["uscc"])
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None


class BulkOpenForm(forms.Form):
    file = forms.FileField(
        label="单位名单（CSV 或 Excel .xlsx）",
        help_text="表头：统一社会信用代码、经办人姓名（必填），经办人电话、电子邮箱、用户名（选填）。不超过 5 MB。",
        error_messages={"required": "请选择要导入的文件。"},
    )
    dry_run = forms.BooleanField(label="试运行（只检查，不开通）", required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > account_import.MAX_BYTES:
            raise forms.ValidationError(MSG_TOO_BIG.format(limit="5 MB", size=f"{upload.size / 1048576:.1f} MB"))
        return upload


@admin.register(EmployerAccount)
class EmployerAccountAdmin(RegionScopedAdminMixin, admin.ModelAdmin):
    scope_lookup = "employer"
    list_display = ("username", "employer", "contact_name", "contact_phone", "is_admin", "active", "email_verified")
    list_select_related = ("user", "employer")
    list_filter = ("is_admin", "user__is_active")
    search_fields = ("=user__username", "=employer__uscc", "employer__name", "contact_name")
    show_full_result_count = False
    ordering = ("-id",)
    fields = ("user", "employer", "is_admin", "contact_name", "contact_phone", "email_verified", "created_at")
    readonly_fields = fields
    actions = ("reset_password", "mail_password_link", "disable_accounts", "enable_accounts", "make_admin")
    change_list_template = "admin/employers/employeraccount/change_list.html"

    @admin.display(description="用户名", ordering="user__username")
    def username(self, obj):
        return obj.user.username

    @admin.display(description="状态", boolean=True)
    def active(self, obj):
        return obj.user.is_active

    def has_add_permission(self, request):
        return False  # opened through 开通单位账号 (open_view), which calls the service

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # state changes only through the actions

    def _staff(self, request) -> bool:
        return reviewer_region_prefix(request.user) is not None and request.user.has_perm(
            "employers.change_employeraccount"
        )

    def has_accounts_permission(self, request):
        return self._staff(request)

    def get_urls(self):
        urls = super().get_urls()
        return [
            path("open/", self.admin_site.admin_view(self.open_view), name="employers_employeraccount_open"),
            path("open-bulk/", self.admin_site.admin_view(self.bulk_view), name="employers_employeraccount_bulk"),
            *urls,
        ]

    def bulk_view(self, request):
        """开通单位账号（批量）: a CSV / xlsx of USCC + contact; each row reported (opened with its one-time link,
        already has a login, or why not)."""
        if not self._staff(request):
            raise PermissionDenied
        form = BulkOpenForm(request.POST, request.FILES) if request.method == "POST" else BulkOpenForm()
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "title": "批量开通单位账号"}
        if request.method == "POST" and form.is_valid():
            try:
                rows = account_import.parse_table(form.cleaned_data["file"].read())
            except account_import.ImportFileError as error:
                form.add_error("file", error.message)
            else:
                dry_run = form.cleaned_data["dry_run"]
                results = account_import.accounts_open_bulk(rows=rows, by=request.user, dry_run=dry_run)
                notes = {}
                for r in results:
                    if r.account is not None and r.account.user.email:
                        try:
                            mail.email_verification_send(
                                account=r.account, base_url=request.build_absolute_uri("/"), by=request.user
                            )
                        except (DomainError, OSError):
                            notes[r.line] = "验证邮件未发送"
                        else:
                            notes[r.line] = "已发送邮箱验证邮件"
                rows_out = [
                    (r, request.build_absolute_uri(r.link) if r.link else "", notes.get(r.line, "")) for r in results
                ]
                context.update(
                    title="批量开通结果", results=rows_out, summary=account_import.summary(results), dry_run=dry_run
                )
                return TemplateResponse(request, "admin/employers/employeraccount/bulk_result.html", context)
        return TemplateResponse(request, "admin/employers/employeraccount/bulk.html", {**context, "form": form})

    def open_view(self, request):
        """开通单位账号: a login for a unit of the staff member's region (the unit's first one is its administrator)."""
        if not self._staff(request):
            raise PermissionDenied
        form = OpenAccountForm(request.POST) if request.method == "POST" else OpenAccountForm()
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "title": "开通单位账号"}
        if request.method == "POST" and form.is_valid():
            data = dict(form.cleaned_data)
            employer = employers_in_scope(request.user).filter(uscc=data.pop("uscc")).first()
            if employer is None:
                form.add_error("uscc", "本辖区没有该统一社会信用代码的单位（请先在「用人单位」中添加单位）。")
            else:
                try:
                    account, link = accounts.account_open(employer=employer, by=request.user, **data)
                except DomainError as error:
                    error.add_to_form(form)
                else:
                    links = [(account, request.build_absolute_uri(link))]
                    return TemplateResponse(
                        request,
                        "admin/employers/employeraccount/links.html",
                        {**context, "title": "单位账号已开通", "links": links},
                    )
        return TemplateResponse(request, "admin/employers/employeraccount/open.html", {**context, "form": form})

    @admin.action(description="重置密码（生成一次性设置密码链接）", permissions=["accounts"])
    def reset_password(self, request, queryset):
        links = []
        for account in queryset.select_related("user", "employer"):
            try:
                links.append(
                    (
                        account,
                        request.build_absolute_uri(accounts.password_reset_link(account=account, by=request.user)),
                    )
                )
            except DomainError as error:
                messages.error(request, f"{account.user.username}：{error.message}")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "一次性设置密码链接",
            "links": links,
        }
        return TemplateResponse(request, "admin/employers/employeraccount/links.html", context)

    @admin.action(description="重置密码并发送链接到已验证邮箱", permissions=["accounts"])
    def mail_password_link(self, request, queryset):
        n = 0
        for account in queryset.select_related("user", "employer"):
            if not (account.user.email and account.email_verified):
                messages.error(
                    request,
                    f"{account.user.username}：没有已验证的电子邮箱，未重置（可使用「重置密码」当面交付链接）。",
                )
                continue
            try:
                link = request.build_absolute_uri(accounts.password_reset_link(account=account, by=request.user))
                mail.password_link_mail(account=account, link=link, by=request.user)
            except DomainError as error:
                messages.error(request, f"{account.user.username}：{error.message}")
            except OSError:
                messages.error(request, f"{account.user.username}：邮件暂时无法发送，请稍后再试或使用「重置密码」。")
            else:
                n += 1
        if n:
            messages.success(request, f"已重置 {n} 个账号的密码，设置密码链接已发送到其已验证的邮箱（1 小时内有效）。")

    def _set_active(self, request, queryset, active: bool):
        n = 0
        for account in queryset.select_related("user", "employer"):
            try:
                accounts.clerk_set_active(account=account, active=active, by=request.user, reason="残联审核后台操作")
            except DomainError as error:
                messages.error(request, f"{account.user.username}：{error.message}")
            else:
                n += 1
        messages.success(request, f"已{'启用' if active else '停用'} {n} 个账号。")

    @admin.action(description="停用所选账号", permissions=["accounts"])
    def disable_accounts(self, request, queryset):
        self._set_active(request, queryset, False)

    @admin.action(description="启用所选账号", permissions=["accounts"])
    def enable_accounts(self, request, queryset):
        self._set_active(request, queryset, True)

    @admin.action(description="设为单位管理员", permissions=["accounts"])
    def make_admin(self, request, queryset):
        for account in queryset:
            try:
                accounts.account_make_admin(account=account, by=request.user)
            except DomainError as error:
                messages.error(request, error.message)
        return redirect(reverse("admin:employers_employeraccount_changelist"))
