"""Reviewers' decisions on related-unit proofs (劳务派遣协议 / 关联关系证明, domain.md §3 and §6).

The same shape as the placement decisions (``placements.review``): atomic, the proof row locked, the reason
required when rejecting, audited, a notice to the unit, out-of-scope reviewers refused, and a proof someone else
decided meanwhile reported as :class:`~placements.review.AlreadyDecidedError`.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from core.audit import record
from employers.models import RelatedUnitProof

DECIDE_PERMISSION = "employers.change_relatedunitproof"


@transaction.atomic
def proof_decide(
    *, proof: RelatedUnitProof, decision: str, reason_code: str = "", reason_text: str = "", by
) -> RelatedUnitProof:
    """Approve or reject a related unit's proof; the unit gets a notice with the result (and why, if rejected)."""
    from notices.constants import NoticeKind
    from notices.services import notice_send_to_unit
    from placements.review import AlreadyDecidedError, ReviewError, check_decision, ensure_in_scope
    from placements.review_rules import APPROVE, proof_notice_body, proof_notice_title

    reason = check_decision(decision, reason_code, reason_text)
    locked = (
        RelatedUnitProof.objects.select_for_update(of=("self",))
        .select_related("related_unit__employer")
        .filter(pk=proof.pk)
        .first()
    )
    if locked is None:
        raise ReviewError("该证明材料不存在。")
    employer = locked.related_unit.employer
    ensure_in_scope(by=by, employer=employer)
    if locked.withdrawn:
        raise ReviewError("该证明材料已被单位撤回，不能审核。", code="withdrawn")
    if locked.review_state != RelatedUnitProof.ReviewState.PENDING:
        raise AlreadyDecidedError(f"该证明材料已{locked.get_review_state_display()}，请刷新页面查看最新结果。")
    approved = decision == APPROVE
    state = RelatedUnitProof.ReviewState.APPROVED if approved else RelatedUnitProof.ReviewState.REJECTED
    locked.review_state, locked.reviewed_by, locked.reviewed_at, locked.review_reason = (
        state,
        by,
        timezone.now(),
        reason,
    )
    locked.save(update_fields=["review_state", "reviewed_by", "reviewed_at", "review_reason"])
    record(
        actor=by,
        action=f"related_unit.proof_{decision}",
        obj=locked,
        reason=reason,
        changes={"review_state": {"before": RelatedUnitProof.ReviewState.PENDING, "after": state}},
    )
    notice_send_to_unit(
        employer=employer,
        title=proof_notice_title(locked.related_unit.name),
        body=proof_notice_body(
            unit_name=employer.name,
            related_name=locked.related_unit.name,
            kind_label=locked.get_kind_display(),
            approved=approved,
            reason=reason,
        ),
        kind=NoticeKind.REVIEW_RESULT,
        by=by,
    )
    return locked
