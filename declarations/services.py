"""Writes of the declarations app: one service per transition of ``declarations.transitions`` (atomic, row locked,
audited, a :class:`DeclarationError` on a bad state), and the two documents, each generated once and stored.

The tax export (the SEND transition, set-based) lives in ``declarations.exports``.
"""

from __future__ import annotations

from datetime import date, datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core import audit, filing
from core.actors import Actor
from core.errors import DomainError
from core.masking import mask_number
from core.reference import GENERIC_CITY_NAMES
from declarations.constants import (
    DECISION_REASON_MAX,
    WITHDRAWAL_REASON_MAX,
    RecordType,
    WithdrawalState,
)
from declarations.exports import exported_upto, queue_lock
from declarations.models import (
    CertificateCounter,
    Declaration,
    Submission,
    SubmissionPerson,
    TaxRecord,
    Withdrawal,
    actual_employed_2dp,
)
from declarations.selectors import (
    certificate_available_from,
    declaration_snapshot,
)
from declarations.transitions import Event, State, TransitionError, apply
from employers.access import reviewer_region_prefix
from employers.models import Employer
from employers.proxy import proxy_commitment_check
from employers.services import declaration_state_record
from notices.constants import NoticeKind
from notices.services import notice_send_to_unit
from placements.constants import PlacementStatus
from placements.models import Placement


class DeclarationError(DomainError):
    """A declaration rule refused the action (Chinese ``message``)."""


class DeclarationBlocked(DeclarationError):
    """完成申报 refused: no placement, or some are 资料待完善 / 待审核. ``blockers``: (name, masked ID, status)."""

    def __init__(self, message: str, blockers: list[tuple[str, str, str]] | None = None) -> None:
        super().__init__(message, code="blocked")
        self.blockers = blockers or []


class FilingClosed(DeclarationError):
    def __init__(self, window: filing.Window) -> None:
        super().__init__(
            f"{window.business_year}年度的申报期为 {window.opens_on:%Y年%m月%d日} 至 {window.closes_on:%Y年%m月%d日}，"
            "当前不在申报期内，不能完成申报。如需延期请联系残联主管部门。",
            code="filing_closed",
        )
        self.window = window


# Said after a date computed on a working calendar nobody has confirmed yet (core.calendar, ADR 0009).
PROVISIONAL_DATE_NOTE = "（暂定：该年度节假日安排尚未录入，按周一至周五推算，公布后可能顺延）"


class NotYetAvailable(DeclarationError):
    def __init__(self, available_on: date, *, confirmed: bool = True) -> None:
        note = "" if confirmed else PROVISIONAL_DATE_NOTE
        super().__init__(f"审核认定书将于 {available_on:%Y年%m月%d日} 起可以下载{note}（完成申报后第 3 个工作日）。")
        self.available_on = available_on
        self.confirmed = confirmed


def _state_error(error: TransitionError) -> DeclarationError:
    return DeclarationError(error.message, code="state")


def _transition(declaration: Declaration, event: Event) -> State:
    try:
        return apply(declaration.state, event)
    except TransitionError as error:
        raise _state_error(error) from None


def _set_state(declaration: Declaration, state: State, **times: datetime | None) -> dict:
    """Move ``declaration`` (locked by the caller, saved by the caller) to ``state``, and record the new state for
    the apps below this one in the same transaction (``employers.DeclarationState``: placements' year lock, the
    placements list's buttons, the USCC lock). ``times``: ``declared_at`` / ``sent_to_tax_at`` when they change."""
    before = {"status": declaration.status, "previous_status": declaration.previous_status}
    declaration.status = state.status
    declaration.previous_status = state.previous
    declaration.version += 1
    declaration_state_record(employer_id=declaration.employer_id, year=declaration.year, state=state, **times)
    return audit.diff(before, {"status": state.status, "previous_status": state.previous})


def clean_reason(reason: str, *, field: str, limit: int, label: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DeclarationError(f"请填写{label}。", field=field, code="required")
    if len(reason) > limit:
        raise DeclarationError(f"{label}最多 {limit} 个字（当前 {len(reason)} 个）。", field=field, code="too_long")
    return reason


def region_full_name(region) -> str:
    """北京市朝阳区 for 朝阳区: the stored full name, else the names up the tree without 市辖区-like levels."""
    if region.full_name:
        return region.full_name
    parts = []
    node = region
    while node is not None:
        if node.name not in GENERIC_CITY_NAMES:
            parts.append(node.name)
        node = node.parent
    return "".join(reversed(parts))


def issuer_of(employer: Employer) -> str:
    """The issuing 残联: the unit's 残联主管部门 region + 残疾人联合会 (e.g. 北京市朝阳区残疾人联合会)."""
    return f"{region_full_name(employer.federation_region)}{getattr(settings, 'ISSUING_BODY_SUFFIX', '残疾人联合会')}"


def _next_certificate_no(province: str, year: int) -> str:
    CertificateCounter.objects.get_or_create(province_code=province, year=year)
    counter = CertificateCounter.objects.select_for_update().get(province_code=province, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{province}{year}{counter.last:06d}"


# --- 完成申报 ------------------------------------------------------------------------------------------------------


def declaration_blockers(employer: Employer, year: int) -> list[tuple[str, str, str]]:
    """(name, masked ID, status label) of the placements that forbid 完成申报 (one query, at most 200 rows)."""
    rows = (
        Placement.objects.of(employer, year)
        .blocking_declaration()
        .order_by("id")
        .values_list("name", "id_number", "status")[:200]
    )
    return [(name, mask_number(id_number), PlacementStatus(status).label) for name, id_number, status in rows]


@transaction.atomic
def declaration_declare(
    *, employer: Employer, year: int, by: Actor | None, token: str = "", today: date | None = None
) -> Submission:
    """完成申报 (domain.md §7): check, snapshot, freeze the year's placements, queue the result for the tax office.

    Idempotent for one form: a repeated call with the same non-empty ``token`` (a double click) returns the
    submission the first call made. Raises :class:`FilingClosed` outside the filing window, :class:`DeclarationBlocked`
    without placements or with placements 资料待完善 / 待审核, :class:`DeclarationError` in a wrong state.
    """
    now = timezone.now()
    today = today or timezone.localdate(now)
    # The unit's row is the lock serialising 完成申报 with placement writes (employers.selectors.year_locked(
    # for_update=True)).
    employer = Employer.objects.select_for_update(of=("self",)).select_related("federation_region").get(pk=employer.pk)
    Declaration.objects.get_or_create(employer=employer, year=year)
    declaration = (
        Declaration.objects.select_for_update(of=("self",)).select_related("current").get(employer=employer, year=year)
    )
    if token and declaration.locked and declaration.current and declaration.current.form_token == token:
        return declaration.current
    state = _transition(declaration, Event.DECLARE)
    proxy_commitment_check(employer=employer, year=year, by=by)  # 窗口代办: the unit's signed 承诺书 uploaded
    window = filing.unit_filing_window(employer, year)
    if not window.contains(today):
        raise FilingClosed(window)
    list(Placement.objects.select_for_update().filter(employer=employer, year=year).values_list("pk"))
    if not Placement.objects.of(employer, year).exists():
        raise DeclarationBlocked(f"{year}年度还没有安置登记人员，不能完成申报。")
    blockers = declaration_blockers(employer, year)
    if blockers:
        raise DeclarationBlocked(
            f"还有 {len(blockers)} 名人员的审核状态为「资料待完善」或「待审核」，全部处理完成后才能完成申报。", blockers
        )
    people, totals = declaration_snapshot(employer, year)
    submission = Submission.objects.create(
        declaration=declaration,
        number=declaration.submissions.count() + 1,
        form_token=token[:64],
        declared_at=now,
        declared_by=by if getattr(by, "is_authenticated", False) else None,
        declared_by_label=getattr(by, "get_username", lambda: "")() if by is not None else "系统",
        unit_name=employer.name,
        uscc=employer.uscc,
        issuer=issuer_of(employer),
        federation_region_code=employer.federation_region_id,
        tax_authority=employer.tax_region_id,
        persons=totals["persons"],
        registered_months=totals["registered"],
        confirmed_months=totals["confirmed"],
        approved_months=totals["approved"],
        certificate_no=_next_certificate_no(employer.federation_region_id[:2], year),
    )
    SubmissionPerson.objects.bulk_create(
        SubmissionPerson(submission=submission, position=i, **row) for i, row in enumerate(people, start=1)
    )
    changes = _set_state(declaration, state, declared_at=now)
    declaration.current = submission
    declaration.save(update_fields=["status", "previous_status", "current", "version", "updated_at"])
    Placement.objects.filter(employer=employer, year=year).update(frozen=True)
    TaxRecord.objects.create(
        authority=submission.tax_authority,
        record_type=RecordType.DECLARATION,
        declaration=declaration,
        submission=submission,
        uscc=submission.uscc,
        unit_name=submission.unit_name,
        year=year,
        approved_months=submission.approved_months,
        actual_employed=actual_employed_2dp(submission.approved_months),
        declared_at=now,
        certificate_no=submission.certificate_no,
        event_at=now,
    )
    audit.record(actor=by, action="declaration.declare", obj=declaration, changes=changes)
    available = certificate_available_from(submission)
    provisional = "" if available.confirmed else PROVISIONAL_DATE_NOTE
    notice_send_to_unit(
        employer=employer,
        title=f"{year}年度年审申报完成通知",
        body=(
            f"贵单位已于 {timezone.localtime(now):%Y年%m月%d日 %H:%M} 完成 {year} 年度按比例就业年审申报：申报 "
            f"{submission.persons} 人，安置确认 {submission.confirmed_months} 个月，安置核定 "
            f"{submission.approved_months} 个月，实际安排人数 {submission.actual_employed_2dp} 人。\n"
            f"审核认定书（编号 {submission.certificate_no}）自 {available.date:%Y年%m月%d日} 起{provisional}可在"
            "「残疾人安置管理」页面下载。申报结果将发送至税务主管部门。"
        ),
        kind=NoticeKind.DECLARATION,
        by=by,
    )
    return submission


# --- 年审申报撤回 --------------------------------------------------------------------------------------------------


@transaction.atomic
def withdrawal_request(*, employer: Employer, year: int, reason: str, by: Actor | None) -> Withdrawal:
    """The employer asks to withdraw the year's declaration (reason required, ≤ 500 characters)."""
    reason = clean_reason(reason, field="reason", limit=WITHDRAWAL_REASON_MAX, label="撤回理由")
    declaration = (
        Declaration.objects.select_for_update(of=("self",))
        .select_related("current")
        .filter(employer=employer, year=year)
        .first()
    )
    if declaration is None:
        raise DeclarationError(f"{year}年度尚未完成申报，无需撤回。", code="state")
    from_status = declaration.status
    state = _transition(declaration, Event.REQUEST_WITHDRAWAL)
    withdrawal = Withdrawal.objects.create(
        declaration=declaration,
        submission=declaration.current,
        reason=reason,
        from_status=from_status,
        requested_at=timezone.now(),
        requested_by=by if getattr(by, "is_authenticated", False) else None,
    )
    changes = _set_state(declaration, state)
    declaration.save(update_fields=["status", "previous_status", "version", "updated_at"])
    audit.record(actor=by, action="declaration.withdrawal_request", obj=declaration, reason=reason, changes=changes)
    notice_send_to_unit(
        employer=employer,
        title=f"{year}年度年审申报撤回申请已提交",
        body=f"贵单位的 {year} 年度年审申报撤回申请已提交，等待残联主管部门审核。\n撤回理由：{reason}",
        kind=NoticeKind.DECLARATION,
        by=by,
    )
    return withdrawal


def check_reviewer(by: Actor | None, employer: Employer) -> None:
    prefix = reviewer_region_prefix(by) if by is not None else ""
    if prefix is None or not employer.federation_region_id.startswith(prefix):
        raise DeclarationError("该单位不在您的审核辖区内。", code="scope")


def _lock_withdrawal(withdrawal: Withdrawal, by: Actor | None) -> tuple[Withdrawal, Declaration]:
    locked = Withdrawal.objects.select_for_update().get(pk=withdrawal.pk)
    declaration = (
        Declaration.objects.select_for_update(of=("self",))
        .select_related("employer", "current")
        .get(pk=locked.declaration_id)
    )
    check_reviewer(by, declaration.employer)
    if locked.state != WithdrawalState.PENDING:
        raise DeclarationError(f"该撤回申请已{locked.get_state_display()}，不能重复审核。", code="decided")
    return locked, declaration


def _decide(withdrawal: Withdrawal, state: str, reason: str, by: Actor | None, now: datetime) -> None:
    withdrawal.state = state
    withdrawal.decision_reason = reason
    withdrawal.decided_by = by if getattr(by, "is_authenticated", False) else None
    withdrawal.decided_at = now
    withdrawal.save(update_fields=["state", "decision_reason", "decided_by", "decided_at"])


@transaction.atomic
def withdrawal_approve(*, withdrawal: Withdrawal, reason: str, by: Actor | None) -> Withdrawal:
    """批准撤回: void the certificate (kept, its verification page says 已撤销), re-open the year, tell the tax
    office (a WITHDRAW record if the result was already sent; otherwise the queued result is simply cancelled)."""
    reason = clean_reason(reason, field="reason", limit=DECISION_REASON_MAX, label="审核意见")
    queue_lock("ROW EXCLUSIVE")  # first (see declarations.exports): wait for a running export, keep the next one out
    withdrawal, declaration = _lock_withdrawal(withdrawal, by)
    now = timezone.now()
    state = _transition(declaration, Event.APPROVE_WITHDRAWAL)
    _decide(withdrawal, WithdrawalState.APPROVED, reason, by, now)
    submission = Submission.objects.select_for_update().get(pk=withdrawal.submission_id)
    submission.voided_at = now
    submission.void_reason = reason
    submission.save(update_fields=["voided_at", "void_reason"])
    changes = _set_state(declaration, state, declared_at=None)
    declaration.save(update_fields=["status", "previous_status", "version", "updated_at"])
    Placement.objects.filter(employer=declaration.employer, year=declaration.year).update(frozen=False)
    results = TaxRecord.objects.filter(
        declaration=declaration, submission=submission, record_type=RecordType.DECLARATION
    )
    sent, queued = [], 0
    for record in results.filter(cancelled=False).order_by("id"):
        if record.id <= exported_upto(record.authority):
            sent.append(record)
        else:  # never sent: the tax office will not hear of it at all
            queued += TaxRecord.objects.filter(pk=record.pk).update(cancelled=True)
    for record in sent:
        TaxRecord.objects.create(
            authority=record.authority,
            record_type=RecordType.WITHDRAWAL,
            declaration=declaration,
            submission=submission,
            uscc=record.uscc,
            unit_name=record.unit_name,
            year=record.year,
            approved_months=record.approved_months,
            actual_employed=record.actual_employed,
            declared_at=record.declared_at,
            certificate_no=record.certificate_no,
            event_at=now,
        )
    changes["tax"] = {"before": None, "after": "cancelled" if queued else "withdraw_queued"}
    audit.record(actor=by, action="declaration.withdrawal_approve", obj=declaration, reason=reason, changes=changes)
    year = declaration.year
    notice_send_to_unit(
        employer=declaration.employer,
        title=f"{year}年度年审申报撤回申请已批准",
        body=(
            f"贵单位的 {year} 年度年审申报撤回申请已批准，原审核认定书（编号 {submission.certificate_no}）已撤销。"
            f"\n审核意见：{reason}\n现在可以重新办理该年度的残疾人安置登记，完成后请再次点击「完成申报」。"
        ),
        kind=NoticeKind.DECLARATION,
        by=by,
    )
    return withdrawal


@transaction.atomic
def withdrawal_reject(*, withdrawal: Withdrawal, reason: str, by: Actor | None) -> Withdrawal:
    """驳回撤回: the declaration returns to the state it was in; the certificate stays valid."""
    reason = clean_reason(reason, field="reason", limit=DECISION_REASON_MAX, label="审核意见")
    withdrawal, declaration = _lock_withdrawal(withdrawal, by)
    state = _transition(declaration, Event.REJECT_WITHDRAWAL)
    _decide(withdrawal, WithdrawalState.REJECTED, reason, by, timezone.now())
    changes = _set_state(declaration, state)
    declaration.save(update_fields=["status", "previous_status", "version", "updated_at"])
    audit.record(actor=by, action="declaration.withdrawal_reject", obj=declaration, reason=reason, changes=changes)
    year = declaration.year
    notice_send_to_unit(
        employer=declaration.employer,
        title=f"{year}年度年审申报撤回申请未通过",
        body=f"贵单位的 {year} 年度年审申报撤回申请未通过，原申报结果和审核认定书继续有效。\n审核意见：{reason}",
        kind=NoticeKind.DECLARATION,
        by=by,
    )
    return withdrawal


@transaction.atomic
def declaration_mark_sent(*, declaration: Declaration, by: Actor | None = None) -> Declaration:
    """发送税务部门 for one declaration (the export does the same set-based: ``declarations.exports``)."""
    locked = Declaration.objects.select_for_update().get(pk=declaration.pk)
    state = _transition(locked, Event.SEND)
    now = timezone.now()
    changes = _set_state(locked, state, sent_to_tax_at=now)
    locked.sent_to_tax_at = now
    locked.save(update_fields=["status", "previous_status", "sent_to_tax_at", "version", "updated_at"])
    audit.record(actor=by, action="declaration.send", obj=locked, changes=changes)
    return locked
