"""窗口代办: a 残联 staff member acts for a unit of their region (issue 14).

Started from the unit's admin page with a reason (``proxy_start``), it lives in the staff member's session: the
:class:`ProxyMiddleware` makes the unit pages the unit's (``employers.access.employer_required`` reads
``request.proxy_session``), shows the banner (``templates/base.html``), and marks every audited write "staff X for
unit Y" (``core.audit.acting_for``). 完成申报 needs the unit's signed 承诺书 uploaded in the running 代办
(``proxy_commitment_upload``; ``declarations.services.declaration_declare`` calls ``proxy_commitment_check``, and the
middleware sends the staff member from the final 确定 step to the upload page until one is there). Ending it
(``proxy_end``) is audited; the unit is told by the caller above both this app and notices
(``dashboard.proxy_views``), ADR 0010.
"""

from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect
from django.utils import timezone

from core import audit
from core.actors import Actor
from core.errors import DomainError
from core.uploads import CleanFile, store_upload
from employers.access import ensure_reviewer_scope
from employers.models import Employer, ProxyCommitment, ProxySession

SESSION_KEY = "proxy_session_id"
COMMITMENT_KIND = "proxy_commitment"
# The final step of 完成申报 (URL name): in 代办 it needs the unit's signed 承诺书 of the year first.
DECLARE_CONFIRM = ("declarations", "declare_confirm")
MSG_COMMITMENT_MISSING = (
    "代办模式下完成申报，须先上传该单位签章的{year}年度申报资料真实性承诺书（扫描件或照片，PDF、JPG、PNG）。"
)


class ProxyError(DomainError):
    """A refused 代办 operation (message in Chinese)."""


def label(proxy: ProxySession) -> str:
    return f"残联 {proxy.staff.get_username()} 为 {proxy.employer.name}（{proxy.employer.uscc}）代办"


@transaction.atomic
def proxy_start(*, employer: Employer, reason: str, by: Actor) -> ProxySession:
    ensure_reviewer_scope(by=by, employer=employer)
    reason = (reason or "").strip()
    if not reason:
        raise ProxyError("请填写代办事由。", field="reason")
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


@transaction.atomic
def proxy_commitment_upload(*, proxy: ProxySession, year: int, file: CleanFile, by: Actor) -> ProxyCommitment:
    """Store the unit's signed 承诺书 of ``year`` (already checked by the upload pipeline) for the running 代办."""
    proxy = ProxySession.objects.select_for_update().select_related("employer").get(pk=proxy.pk)
    if proxy.ended_at is not None or proxy.staff_id != by.pk:
        raise ProxyError("该窗口代办已结束，请重新开始代办后再上传。")
    ensure_reviewer_scope(by=by, employer=proxy.employer)
    stored = store_upload(uploaded_file=file, kind=COMMITMENT_KIND, employer=proxy.employer, by=by)
    commitment = ProxyCommitment.objects.create(
        proxy=proxy, employer=proxy.employer, year=year, file=stored, uploaded_by=by
    )
    audit.record(
        actor=by,
        action="proxy.commitment_upload",
        obj=commitment,
        changes={"year": year, "file": stored.original_name, "size": stored.size},
    )
    return commitment


def proxy_commitment_uploaded(*, employer: Employer, year: int, by: Actor | None) -> bool | None:
    """None when ``by`` does not act for ``employer`` in a running 代办; else whether the unit's signed 承诺书 of
    ``year`` was uploaded in it."""
    if by is None or not getattr(by, "is_staff", False):
        return None  # only 残联 staff act for units (and a clerk's 完成申报 costs no query here)
    proxy = ProxySession.objects.filter(staff_id=by.pk, employer=employer, ended_at__isnull=True).first()
    if proxy is None:
        return None
    return ProxyCommitment.objects.filter(proxy=proxy, year=year).exists()


def proxy_commitment_check(*, employer: Employer, year: int, by: Actor | None) -> None:
    """The guard of 完成申报: acting for the unit without its signed 承诺书 of the year is refused."""
    if proxy_commitment_uploaded(employer=employer, year=year, by=by) is False:
        raise ProxyError(MSG_COMMITMENT_MISSING.format(year=year), code="commitment_missing")


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
    """While a staff member's 代办 lasts: ``request.proxy_session``, audit marked; the final step of 完成申报 leads
    to the upload of the signed 承诺书 until one is there."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.proxy_session = active_proxy(request)
        if request.proxy_session is None:
            return self.get_response(request)
        with audit.acting_for(label(request.proxy_session)):
            return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        proxy = getattr(request, "proxy_session", None)
        match = request.resolver_match
        if proxy is None or (match.namespace, match.url_name) != DECLARE_CONFIRM:
            return None
        year = int(view_kwargs.get("year") or 0)
        if ProxyCommitment.objects.filter(proxy=proxy, year=year).exists():
            return None
        messages.warning(request, MSG_COMMITMENT_MISSING.format(year=year))
        return redirect("employers:proxy_commitment", year=year)
