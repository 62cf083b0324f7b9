"""窗口代办 start and end (issue 14). Here, above employers and notices, because ending it tells the unit
(``notices.services.notice_send_to_unit``) and the rule of ADR 0010 keeps that call out of ``employers``."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core.errors import DomainError
from core.otp import second_factor_ok
from employers import proxy as proxies
from employers.access import employers_in_scope, reviewer_region_prefix
from notices.services import notice_send_to_unit


class ReasonForm(forms.Form):
    reason = forms.CharField(label="代办事由", max_length=200, help_text="如：单位经办人在窗口现场办理，委托书已核验。")


def _staff_only(request) -> None:
    user = request.user
    if not (user.is_authenticated and user.is_staff and reviewer_region_prefix(user) is not None):
        raise PermissionDenied("只有残联工作人员可以窗口代办。")
    if not second_factor_ok(user):
        raise PermissionDenied("请先在审核后台完成动态验证码验证。")


def proxy_start(request, employer_pk: int):
    _staff_only(request)
    employer = get_object_or_404(employers_in_scope(request.user), pk=employer_pk)  # another region's unit: 404
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            session = proxies.proxy_start(employer=employer, reason=form.cleaned_data["reason"], by=request.user)
        except DomainError as error:
            error.add_to_form(form)
        else:
            request.session[proxies.SESSION_KEY] = session.pk
            messages.warning(request, f"已开始为 {employer.name} 窗口代办，结束后请点击页面顶部的「结束代办」。")
            return redirect("employers:index")
    return render(request, "dashboard/proxy_start.html", {"title": "窗口代办", "employer": employer, "form": form})


@require_POST
def proxy_end(request):
    session = getattr(request, "proxy_session", None)
    if session is None:
        return redirect("dashboard:index")
    with transaction.atomic():
        session = proxies.proxy_end(proxy=session, by=request.user)
        notice_send_to_unit(
            employer=session.employer,
            title="残联工作人员已为本单位窗口代办",
            body=(
                f"残联工作人员 {session.staff.get_username()} 于 {session.started_at:%Y-%m-%d %H:%M} 至 "
                f"{session.ended_at:%Y-%m-%d %H:%M} 为本单位窗口代办。\n代办事由：{session.reason}\n"
                "代办期间的每一项修改均已记录。如有疑问，请联系当地残联。"
            ),
            kind="system",
            by=request.user,
        )
    request.session.pop(proxies.SESSION_KEY, None)
    messages.success(request, f"已结束为 {session.employer.name} 的代办，并已通知该单位。")
    return redirect("admin:employers_employer_change", session.employer.pk)
