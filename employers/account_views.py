"""Logins: the login page (法人 sign-on first when configured) and a unit administrator's page of its clerks."""

from axes.helpers import get_client_ip_address
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core.errors import DomainError
from core.numbers import ascii_int
from employers import accounts, mail, sso_bindings, sso_providers
from employers.access import employer_required
from employers.account_forms import ClerkForm, EmailForm, UnitPasswordResetForm
from employers.models import EmployerAccount


class UnitLoginView(auth_views.LoginView):
    """Django's login; shows one 法人 single sign-on button per configured provider first, each with its label."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sso_providers"] = sso_providers.providers()
        return context


def _admin_only(request: HttpRequest) -> None:
    if request.employer_account is None or not request.employer_account.is_admin:
        raise PermissionDenied("只有本单位的管理员账号可以管理经办人账号。")


def _clerk(request: HttpRequest, pk: int) -> EmployerAccount:
    """A clerk of the current unit, or 404 (another unit's id reveals nothing)."""
    return get_object_or_404(EmployerAccount.objects.select_related("user"), pk=pk, employer=request.employer)


@employer_required
def clerk_list(request: HttpRequest) -> HttpResponse:
    """经办人账号: the unit's logins; its administrator adds, disables and re-enables them."""
    _admin_only(request)
    form = ClerkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account, path = accounts.clerk_add(employer=request.employer, by=request.user, **form.cleaned_data)
        except DomainError as error:
            error.add_to_form(form)
        else:
            # Rendered, not redirected: the link is shown this once and stored nowhere.
            context = {"title": "经办人账号已添加", "account": account, "link": request.build_absolute_uri(path)}
            if account.user.email:
                context["verification"] = _send_verification(request, account)
            return render(request, "employers/clerk_created.html", context)
    context = {
        "title": "经办人账号",
        "clerks": EmployerAccount.objects.filter(employer=request.employer).select_related("user").order_by("pk"),
        "form": form,
    }
    return render(request, "employers/clerk_list.html", context)


def _send_verification(request: HttpRequest, account: EmployerAccount) -> str:
    """Mail the verification link; the outcome as a sentence (a mail that cannot be sent is no error page)."""
    try:
        mail.email_verification_send(account=account, base_url=request.build_absolute_uri("/"), by=request.user)
    except DomainError as error:
        return error.message
    except OSError:  # SMTP unreachable: the account exists, the clerk can ask for the mail again later
        return "验证邮件暂时无法发送，请稍后在「我的账号」页面重新发送。"
    return f"验证邮件已发送至 {account.user.email}，请在 1 小时内打开邮件中的链接完成验证。"


@employer_required
def my_account(request: HttpRequest) -> HttpResponse:
    """我的账号: the clerk's own e-mail address and its verification (password reset by mail needs it verified), and
    the unit's 法人 sign-on bindings (``?unbind=<id>``: the confirmation of 解除绑定)."""
    account = request.employer_account
    if account is None:  # 窗口代办: staff have no clerk account of the unit
        raise PermissionDenied("代办模式下不能修改经办人本人的账号。")
    if request.method == "GET" and "unbind" in request.GET:
        return _sso_unbind_confirm(request, account)
    form = EmailForm(
        request.POST if request.POST.get("step") == "email" else None, initial={"email": account.user.email}
    )
    if request.method == "POST":
        if request.POST.get("step") == "sso_unbind":
            return _sso_unbind(request)
        if request.POST.get("step") == "send":
            try:
                mail.email_verification_send(account=account, base_url=request.build_absolute_uri("/"), by=request.user)
            except DomainError as error:
                messages.error(request, error.message)
            except OSError:
                messages.error(request, "验证邮件暂时无法发送，请稍后再试。")
            else:
                messages.success(request, f"验证邮件已发送至 {account.user.email}，请在 1 小时内打开邮件中的链接。")
            return redirect("employers:my_account")
        if form.is_valid():
            try:
                account = mail.email_change(account=account, email=form.cleaned_data["email"], by=request.user)
            except DomainError as error:
                error.add_to_form(form)
            else:
                if account.user.email and not account.email_verified:
                    messages.info(request, _send_verification(request, account))
                else:
                    messages.success(request, "电子邮箱已保存。")
                return redirect("employers:my_account")
    context = {
        "title": "我的账号",
        "account": account,
        "form": form,
        "bindings": sso_bindings.unit_bindings(account.employer),
    }
    return render(request, "employers/my_account.html", context)


def _sso_unbind_confirm(request: HttpRequest, account: EmployerAccount) -> HttpResponse:
    """解除绑定, first step: the binding named (platform, platform account, since when) with what unbinding means, and
    the button whose POST (``step=sso_unbind``) unbinds. A one-click unbind was too easy to set off by mistake; this
    GET changes nothing. Another unit's binding, or one already removed: back to 我的账号 with the same message as
    the POST gives."""
    if not account.is_admin:
        raise PermissionDenied("只有本单位的管理员账号可以解除法人账号绑定。")
    pk = ascii_int(request.GET.get("unbind"))
    bindings = sso_bindings.unit_bindings(account.employer)
    binding = next((b for b in bindings if b.identity is not None and b.identity.pk == pk), None)
    if binding is None:
        messages.error(request, "该绑定不存在或已解除。")
        return redirect("employers:my_account")
    context = {"title": "解除法人账号绑定", "account": account, "binding": binding}
    return render(request, "employers/my_account_unbind.html", context)


def _sso_unbind(request: HttpRequest) -> HttpResponse:
    """解除绑定, confirmed (the form of ``_sso_unbind_confirm``): one of the unit's 法人 sign-on accounts (its
    administrator; another unit's binding: not found)."""
    identity_id = ascii_int(request.POST.get("identity"))
    if identity_id is None:
        messages.error(request, "该绑定不存在或已解除。")
        return redirect("employers:my_account")
    try:
        identity = sso_bindings.sso_unit_unbind(employer=request.employer, identity_id=identity_id, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, f"已解除法人账号 {identity.subject} 的绑定；下次使用该平台的法人账号登录时将重新绑定本单位。"
        )
    return redirect("employers:my_account")


def email_verify(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """The link of the verification mail (no login needed: the token proves the mailbox)."""
    account = mail.email_verify(uidb64=uidb64, token=token)
    status = 200 if account is not None else 400
    return render(
        request, "employers/email_verified.html", {"title": "验证电子邮箱", "account": account}, status=status
    )


def _set_active(request: HttpRequest, pk: int, active: bool) -> HttpResponse:
    _admin_only(request)
    account = _clerk(request, pk)
    try:
        accounts.clerk_set_active(account=account, active=active, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"账号 {account.user.username} 已{'启用' if active else '停用'}。")
    return redirect("employers:clerks")


@require_POST
@employer_required
def clerk_disable(request: HttpRequest, pk: int) -> HttpResponse:
    return _set_active(request, pk, False)


@require_POST
@employer_required
def clerk_enable(request: HttpRequest, pk: int) -> HttpResponse:
    return _set_active(request, pk, True)


class UnitPasswordResetView(auth_views.PasswordResetView):
    """忘记密码: a link by e-mail to a clerk's verified address (``UnitPasswordResetForm``); the same answer whatever
    the address, and at most ``PASSWORD_RESET_RATE`` mails per address and per client address in the window."""

    form_class = UnitPasswordResetForm
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"

    def form_valid(self, form):
        if not accounts.password_reset_allowed(
            email=form.cleaned_data["email"], ip=get_client_ip_address(self.request)
        ):
            return redirect(self.get_success_url())  # same page as a sent mail: nothing to learn from the answer
        return super().form_valid(form)
