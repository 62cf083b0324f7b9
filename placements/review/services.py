"""Reviewers' decisions (domain.md §6): pending months (one, several, all shown, or those one piece of evidence
covers), hand-added certificates and dispatch agreements.

Every decision is atomic: the placement row is locked first (the same lock the employer's services take), then the
rows being decided; a row someone else decided meanwhile makes the whole batch fail with
:class:`AlreadyDecidedError` and nothing changes. Each decision is written to the audit trail and the unit gets a
notice 「安置人员"姓名"资料审核完成通知」. The employer's counters and statuses are aggregates over PlacementMonth,
so they follow at once. Reviewers outside the unit's region are refused (:class:`core.review.ReviewScopeError`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from core.actors import Actor
from core.audit import record
from core.masking import mask_number
from core.months import month_label
from core.review import APPROVE, REJECT, AlreadyDecidedError, ReviewError, check_decision
from employers.access import ensure_reviewer_scope
from feeds.certificates import CERT_TYPES, DISABILITY, DISABILITY_GRADES, MILITARY_GRADES, grade_weight
from placements import counting
from placements.constants import DocumentReview, MonthReview
from placements.grid.recompute import grid_recompute
from placements.models import Contract, Evidence, HandCertificate, Placement, PlacementMonth
from placements.review.rules import DecidedItem, months_text, notice_body, notice_title

logger = logging.getLogger(__name__)

# Deciding needs this model permission on top of the region scope; employers.services.REVIEWER_BASE_PERMISSIONS
# gives it (with placements.view_placement) to the 「审核人员」 group.
DECIDE_PERMISSION = "placements.change_placement"
_AWAITING = counting.measure("awaiting_review")  # pending, evidence complete: what a reviewer may decide
_PENDING = counting.measure("pending")
NO_CERT = "cert_none"  # the certificate check's reason when no certificate at all is known for the month


@dataclass(frozen=True, slots=True)
class RecordedCertificate:
    """The certificate a reviewer read on the evidence (issue 17): kind and grade, stored on the approved months
    that had none known (reason ``cert_none``) with its weight (``feeds.certificates.grade_weight``)."""

    cert_type: str
    grade: int

    @property
    def weight(self) -> int:
        return grade_weight(self.cert_type, self.grade)


def needs_recorded_certificate(row: PlacementMonth) -> bool:
    """Approving this month needs the reviewer to record the certificate on the evidence: no certificate is known."""
    return not row.cert_ok and NO_CERT in row.reasons.split(",")


def _recorded_certificate(
    rows: list[PlacementMonth], decision: str, cert_type: str, cert_grade: int | None
) -> RecordedCertificate | None:
    """The certificate to store on the approved ``cert_none`` months; required when there are any."""
    if decision != APPROVE or not any(needs_recorded_certificate(r) for r in rows):
        return None
    if not cert_type:
        raise ReviewError(
            "所选月份无残疾证信息，通过前请按证明材料填写残疾证类型。", field="cert_type", code="cert_required"
        )
    if cert_type not in CERT_TYPES:
        raise ReviewError("残疾证类型无效。", field="cert_type", code="cert_type_invalid")
    if cert_grade is None:
        raise ReviewError(
            "所选月份无残疾证信息，通过前请按证明材料填写残疾等级。", field="cert_grade", code="cert_required"
        )
    grades = DISABILITY_GRADES if cert_type == DISABILITY else MILITARY_GRADES
    if cert_grade not in grades:
        raise ReviewError(f"{cert_type}没有该等级。", field="cert_grade", code="cert_grade_invalid")
    return RecordedCertificate(cert_type, cert_grade)


@dataclass(slots=True)
class DecisionResult:
    decision: str
    months: list[int] = field(default_factory=list)  # YYYYMM months decided
    reason: str = ""
    notice_id: int | None = None


# --- guards ------------------------------------------------------------------------------------------------------


def _lock_placement(placement: Placement | int, by: Actor) -> Placement:
    pk = placement if isinstance(placement, int) else placement.pk
    p = Placement.objects.select_for_update(of=("self",)).select_related("employer").get(pk=pk)
    ensure_reviewer_scope(by=by, employer=p.employer)
    if p.frozen:
        raise ReviewError("该人员所在年度已完成申报，不能再审核。", code="frozen")
    return p


def _bump(p: Placement) -> None:
    p.version += 1
    p.save(update_fields=["version", "updated_at"])


def _organisation(by: Actor) -> str:
    profile = getattr(by, "reviewer_profile", None)
    return profile.organisation if profile is not None else ""


def _notify(p: Placement, items: list[DecidedItem], by: Actor) -> int:
    from notices.constants import NoticeKind
    from notices.services import notice_send_to_unit

    notice = notice_send_to_unit(
        employer=p.employer,
        title=notice_title(p.name),
        body=notice_body(
            unit_name=p.employer.name,
            year=p.year,
            person_name=p.name,
            id_number=p.id_number,
            items=items,
            reviewer_org=_organisation(by),
        ),
        kind=NoticeKind.REVIEW_RESULT,
        by=by,
    )
    return notice.pk


def _release_after_commit(id_number: str, year: int) -> None:
    """A rejected month no longer holds the person-month: other units' grids stop showing 已在其他单位登记."""

    def enqueue() -> None:
        from placements.grid.tasks import recompute_persons

        try:
            recompute_persons.enqueue([id_number], year)
        except Exception:  # a follow-up refresh must never undo the decision
            logger.exception("could not enqueue the grid recompute of %s/%s", id_number, year)

    transaction.on_commit(enqueue)


# --- months ------------------------------------------------------------------------------------------------------


def _decide_rows(
    p: Placement,
    rows: list[PlacementMonth],
    *,
    decision: str,
    reason: str,
    by: Actor,
    action: str,
    extra: dict | None = None,
    certificate: RecordedCertificate | None = None,
) -> DecisionResult:
    not_ready = [r for r in rows if not counting.month_measure(_PENDING, counting.state_of(r))]
    if not_ready:
        raise ReviewError(f"以下月份不在待审核状态，不能审核：{months_text(r.month for r in not_ready)}。")
    missing = [r for r in rows if r.evidence_missing]
    if missing:
        raise ReviewError(f"以下月份尚缺证明材料，待单位补充后才能审核：{months_text(r.month for r in missing)}。")
    now = timezone.now()
    state = MonthReview.CONFIRMED if decision == APPROVE else MonthReview.REJECTED
    for row in rows:
        row.review_state, row.decided_by, row.decided_at, row.decision_reason = state, by, now, reason
        row.held = row.held and state != MonthReview.REJECTED  # a rejected month frees the person-month
    fields = ["review_state", "held", "decided_by", "decided_at", "decision_reason"]
    if certificate is not None:
        recorded = [r for r in rows if needs_recorded_certificate(r)]
        for row in recorded:
            row.cert_type, row.cert_grade, row.weight = certificate.cert_type, certificate.grade, certificate.weight
        fields += ["cert_type", "cert_grade", "weight"]
        extra = {
            **(extra or {}),
            "certificate": {
                "cert_type": certificate.cert_type,
                "cert_grade": certificate.grade,
                "weight": certificate.weight,
                "months": [r.month for r in recorded],
            },
        }
    PlacementMonth.objects.bulk_update(rows, fields)
    _bump(p)
    months = [r.month for r in rows]
    record(
        actor=by,
        action=f"placement.review_{decision}",
        obj=p,
        reason=reason,
        changes={
            "months": months,
            "via": action,
            "review_state": {"before": MonthReview.PENDING, "after": state},
            **(extra or {}),
        },
    )
    items = [DecidedItem(month_label(m), decision == APPROVE, reason) for m in months]
    notice_id = _notify(p, items, by)
    if decision == REJECT:
        _release_after_commit(p.id_number, p.year)
    return DecisionResult(decision=decision, months=months, reason=reason, notice_id=notice_id)


def _already_decided(rows: Iterable[PlacementMonth]) -> AlreadyDecidedError:
    parts = [f"{month_label(r.month)}（{r.get_review_state_display()}）" for r in rows]
    return AlreadyDecidedError(f"以下月份已由其他审核人员处理，请刷新页面查看最新结果：{'、'.join(parts)}。")


@transaction.atomic
def month_decide(
    *,
    month_ids: Iterable[int],
    placement: Placement,
    decision: str,
    reason_code: str = "",
    reason_text: str = "",
    cert_type: str = "",
    cert_grade: int | None = None,
    by: Actor,
) -> DecisionResult:
    """Approve or reject pending months of one placement: one month, the selected ones, or every month the reviewer
    was shown (the page posts their ids, so a month decided meanwhile by someone else is noticed, not overridden).

    Rejecting needs a standard reason (and text for 其他). All or nothing: if any month was decided meanwhile,
    :class:`AlreadyDecidedError` and no change.

    Approving months with no certificate known (reason ``cert_none``, the evidence being a certificate) needs the
    ``cert_type`` and ``cert_grade`` read on it: they are stored on those months with their weight (issue 17), in
    the same transaction and audit event; the recompute keeps them (placements.grid.recompute).
    """
    reason = check_decision(decision, reason_code, reason_text)
    ids = sorted({int(i) for i in month_ids})
    if not ids:
        raise ReviewError("请选择要审核的月份。", field="months", code="no_months")
    p = _lock_placement(placement, by)
    if not p.wizard_completed:
        raise ReviewError("该人员正在重新登记（资料待完善），暂不能审核。", code="incomplete")
    rows = list(PlacementMonth.objects.select_for_update().filter(placement=p, pk__in=ids).order_by("month"))
    if len(rows) != len(ids):
        raise ReviewError("所选月份不属于该人员。", field="months")
    decided = [r for r in rows if r.review_state in counting.DECIDED_STATES]
    if decided:
        raise _already_decided(decided)
    certificate = _recorded_certificate(rows, decision, cert_type, cert_grade)
    return _decide_rows(p, rows, decision=decision, reason=reason, by=by, action="months", certificate=certificate)


@transaction.atomic
def evidence_decide(
    *, evidence: Evidence, decision: str, reason_code: str = "", reason_text: str = "", by: Actor
) -> DecisionResult:
    """Approve or reject, on the strength of one piece of evidence, the months it covers that still await review
    (months decided before stay as they are; if none is left, :class:`AlreadyDecidedError`)."""
    reason = check_decision(decision, reason_code, reason_text)
    p = _lock_placement(evidence.placement_id, by)
    if not p.wizard_completed:
        raise ReviewError("该人员正在重新登记（资料待完善），暂不能审核。", code="incomplete")
    ev = Evidence.objects.select_for_update().filter(pk=evidence.pk, placement=p).first()
    if ev is None or ev.withdrawn:
        raise ReviewError("该材料已被单位撤回，不能据此审核。", code="withdrawn")
    rows = list(
        PlacementMonth.objects.select_for_update().filter(placement=p, month__in=list(ev.months)).order_by("month")
    )
    waiting = [r for r in rows if counting.month_measure(_AWAITING, counting.state_of(r))]
    if not waiting:
        decided = [r for r in rows if r.review_state in counting.DECIDED_STATES]
        if decided:
            raise _already_decided(decided)
        raise ReviewError("该材料涉及的月份目前没有待审核的。")
    extra = {"evidence": ev.pk, "kind": ev.kind, "file": ev.file_id}
    return _decide_rows(p, waiting, decision=decision, reason=reason, by=by, action="evidence", extra=extra)


# --- documents: hand-added certificates and dispatch agreements ---------------------------------------------------


def _decide_document(
    p: Placement, doc, *, decision: str, reason: str, by: Actor, label: str, action: str
) -> DecisionResult:
    state = DocumentReview.APPROVED if decision == APPROVE else DocumentReview.REJECTED
    now = timezone.now()
    doc.review_state, doc.reviewed_by, doc.reviewed_at = state, by, now
    reason_field = "reason" if isinstance(doc, HandCertificate) else "review_reason"
    setattr(doc, reason_field, reason)
    doc.save(update_fields=["review_state", "reviewed_by", "reviewed_at", reason_field])
    # The certificate counts (or not) / the agreement qualifies (or not): the grid follows.
    grid_recompute(placement=p)
    _bump(p)
    record(
        actor=by,
        action=f"placement.{action}_{decision}",
        obj=p,
        reason=reason,
        changes={action: doc.pk, "review_state": {"before": DocumentReview.PENDING, "after": state}},
    )
    notice_id = _notify(p, [DecidedItem(label, decision == APPROVE, reason)], by)
    return DecisionResult(decision=decision, reason=reason, notice_id=notice_id)


@transaction.atomic
def hand_certificate_decide(
    *, certificate: HandCertificate, decision: str, reason_code: str = "", reason_text: str = "", by: Actor
) -> DecisionResult:
    """Approve (the certificate counts from now on) or reject a hand-added certificate; the grid is recomputed."""
    reason = check_decision(decision, reason_code, reason_text)
    p = _lock_placement(certificate.placement_id, by)
    cert = HandCertificate.objects.select_for_update().filter(pk=certificate.pk, placement=p).first()
    if cert is None:
        raise ReviewError("该补录残疾证已被单位删除。")
    if cert.review_state != DocumentReview.PENDING:
        raise AlreadyDecidedError(f"该补录残疾证已{cert.get_review_state_display()}，请刷新页面查看最新结果。")
    label = f"补录残疾证（{cert.cert_type} {mask_number(cert.cert_no)}）"
    return _decide_document(p, cert, decision=decision, reason=reason, by=by, label=label, action="certificate")


@transaction.atomic
def dispatch_agreement_decide(
    *, contract: Contract, decision: str, reason_code: str = "", reason_text: str = "", by: Actor
) -> DecisionResult:
    """Approve or reject a dispatch agreement (劳务派遣协议); a rejected one no longer qualifies (合同状态 ✗)."""
    reason = check_decision(decision, reason_code, reason_text)
    p = _lock_placement(contract.placement_id, by)
    c = Contract.objects.select_for_update().filter(pk=contract.pk, placement=p).first()
    if c is None:
        raise ReviewError("该劳务派遣协议已被单位删除。")
    if not c.is_dispatched or c.review_state == DocumentReview.NOT_REQUIRED:
        raise ReviewError("该合同不是需要审核的劳务派遣协议。")
    if c.review_state != DocumentReview.PENDING:
        raise AlreadyDecidedError(f"该劳务派遣协议已{c.get_review_state_display()}，请刷新页面查看最新结果。")
    label = f"劳务派遣协议（{c.start:%Y-%m-%d} 起）"
    return _decide_document(p, c, decision=decision, reason=reason, by=by, label=label, action="dispatch_agreement")
