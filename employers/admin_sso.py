"""法人统一身份认证账号 in the reviewers' admin: which provider account is bound to which unit, and 解除绑定 (with a
reason, audited; ``employers.accounts.sso_unbind``) when a unit's 法人 account changed. Region-scoped, read-only
otherwise. Registered from ``EmployersConfig.ready`` (which, through the import below, also registers the providers'
system check, ``employers.sso_providers.check_providers``)."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse

from core.errors import DomainError
from employers import accounts, sso_providers
from employers.access import reviewer_region_prefix
from employers.admin_scoping import RegionScopedAdminMixin
from employers.models import SSOIdentity


class UnbindForm(forms.Form):
    reason = forms.CharField(label="解除原因", max_length=200, help_text="如：单位法定代表人变更，已核验单位申请函。")


@admin.register(SSOIdentity)
class SSOIdentityAdmin(RegionScopedAdminMixin, admin.ModelAdmin):
    scope_lookup = "employer"
    list_display = ("employer", "uscc", "provider", "subject", "issuer", "user", "created_at", "last_login_at")
    list_select_related = ("employer", "user")
    search_fields = ("=employer__uscc", "employer__name", "=subject")
    show_full_result_count = False
    ordering = ("-id",)
    fields = ("employer", "issuer", "subject", "user", "created_at", "last_login_at")
    readonly_fields = fields
    actions = ("unbind",)

    @admin.display(description="统一社会信用代码", ordering="employer__uscc")
    def uscc(self, obj):
        return obj.employer.uscc

    @admin.display(description="认证平台")
    def provider(self, obj):
        found = sso_providers.for_issuer(obj.issuer)
        return found.label if found else "（未配置的平台）"

    def has_module_permission(self, request):
        return request.user.is_staff and reviewer_region_prefix(request.user) is not None

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return False  # bound by the first sign-in

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # through 解除绑定 only (reason, audit)

    def has_unbind_permission(self, request):
        return reviewer_region_prefix(request.user) is not None and request.user.has_perm(
            "employers.change_employeraccount"
        )

    @admin.action(description="解除绑定（需填写原因）", permissions=["unbind"])
    def unbind(self, request, queryset):
        form = UnbindForm(request.POST if "confirm" in request.POST else None)
        if form.is_bound and form.is_valid():
            n = 0
            for identity in queryset:
                try:
                    accounts.sso_unbind(identity=identity, reason=form.cleaned_data["reason"], by=request.user)
                except DomainError as error:
                    messages.error(request, f"{identity.employer}：{error.message}")
                else:
                    n += 1
            messages.success(request, f"已解除 {n} 个法人账号的绑定；单位下次使用法人账号登录时将重新绑定。")
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "解除法人账号绑定",
            "identities": queryset.select_related("employer", "user"),
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/employers/ssoidentity/unbind.html", context)
