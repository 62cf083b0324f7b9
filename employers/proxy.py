"""窗口代办: a 残联 staff member acts for a unit of their region (issue 14).

Started from the unit's admin page with a reason (``proxy_start``), it lives in the staff member's session: the
:class:`ProxyMiddleware` makes the unit pages the unit's (``employers.access.employer_required`` reads
``request.proxy_session``), shows the banner (``templates/base.html``), and marks every audited write "staff X for
unit Y" (``core.audit.acting_for``). 完成申报 needs the unit's signed 承诺书 uploaded, which is not built yet: while
代办 lasts, 完成申报 is refused. Ending it (``proxy_end``) is audited; the unit is told by the caller above both
this app and notices (``dashboard.proxy_views``), ADR 0010.
"""

from django.db import transaction
from django.shortcuts import render
from django.utils import timezone

from core import audit
from core.actors import Actor
from employers.access import ensure_reviewer_scope
from employers.models import Employer, ProxySession

SESSION_KEY = "proxy_session_id"
# URL names refused while acting for a unit (they need the unit's own signed 承诺书, not built for 代办 yet).
REFUSED_IN_PROXY = {("declarations", "declare"), ("declarations", "declare_confirm")}


def label(proxy: ProxySession) -> str:
    return f"残联 {proxy.staff.get_username()} 为 {proxy.employer.name}（{proxy.employer.uscc}）代办"


@transaction.atomic
def proxy_start(*, employer: Employer, reason: str, by: Actor) -> ProxySession:
    ensure_reviewer_scope(by=by, employer=employer)
    reason = (reason or "").strip()
    if not reason:
        from employers.accounts import AccountError

        raise AccountError("请填写代办事由。", field="reason")
    ProxySession.objects.filter(staff_id=by.pk, ended_at__isnull=True).update(ended_at=timezone.now())
    proxy = ProxySession.objects.create(staff=by, employer=employer, reason=reason[:200])
    audit.record(actor=by, action="proxy.start", obj=employer, reason=reason)
    return proxy


@transaction.atomic
def proxy_end(*, proxy: ProxySession, by: Actor) -> ProxySession:
    proxy = ProxySession.objects.select_for_update().get(pk=proxy.pk)
    if proxy.ended_at is None:
        proxy.ended_at = timezone.now()
        proxy.save(update_fields=["ended_at"])
        audit.record(actor=by, action="proxy.end", obj=proxy.employer, reason=proxy.reason)
    return proxy


def active_proxy(request) -> ProxySession | None:
    pk = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
    if not pk or not request.user.is_authenticated:
        return None
    return (
        ProxySession.objects.select_related("employer", "staff")
        .filter(pk=pk, staff_id=request.user.pk, ended_at__isnull=True)
        .first()
    )


class ProxyMiddleware:
    """While a staff member's 代办 lasts: ``request.proxy_session``, audit marked, 完成申报 refused."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.proxy_session = active_proxy(request)
        if request.proxy_session is None:
            return self.get_response(request)
        with audit.acting_for(label(request.proxy_session)):
            return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if getattr(request, "proxy_session", None) and (match.namespace, match.url_name) in REFUSED_IN_PROXY:
            message = "代办模式下完成申报需上传单位签章的承诺书，该功能尚未开放：请由单位使用本单位账号完成申报。"
            context = {"title": "代办模式下不能完成申报", "message": message, "back_url": "/employer/"}
            return render(request, "registration/sso_error.html", context, status=403)
        return None
