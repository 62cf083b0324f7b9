"""Reviewers' decisions on related-unit proofs (劳务派遣协议 / 关联关系证明, domain.md §3 and §6): the proof's own
state change.

The same shape as the placement decisions: atomic, the proof row locked, the reason required when rejecting
(``core.review``), audited, out-of-scope reviewers refused, and a proof someone else decided meanwhile reported as
:class:`core.review.AlreadyDecidedError`. The unit's notice is a reaction of the reviewers' workplace, which sits
above the notices app: :func:`placements.review.proofs.proof_decide` calls this service and then sends it (ADR 0010).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from core.actors import Actor
from core.audit import record
from core.review import APPROVE, AlreadyDecidedError, ReviewError, check_decision
from employers.access import ensure_reviewer_scope
from employers.models import RelatedUnitProof

DECIDE_PERMISSION = "employers.change_relatedunitproof"


@transaction.atomic
def related_unit_proof_decide(
    *, proof: RelatedUnitProof, decision: str, reason_code: str = "", reason_text: str = "", by: Actor
) -> RelatedUnitProof:
    """Approve or reject a related unit's proof; returns the locked, decided proof (its related unit and unit
    loaded). Sends no notice: call :func:`placements.review.proofs.proof_decide` for the decision the unit is
    told of."""
    reason = check_decision(decision, reason_code, reason_text)
    locked = (
        RelatedUnitProof.objects.select_for_update(of=("self",))
        .select_related("related_unit__employer")
        .filter(pk=proof.pk)
        .first()
    )
    if locked is None:
        raise ReviewError("该证明材料不存在。")
    ensure_reviewer_scope(by=by, employer=locked.related_unit.employer)
    if locked.withdrawn:
        raise ReviewError("该证明材料已被单位撤回，不能审核。", code="withdrawn")
    if locked.review_state != RelatedUnitProof.ReviewState.PENDING:
        raise AlreadyDecidedError(f"该证明材料已{locked.get_review_state_display()}，请刷新页面查看最新结果。")
    state = RelatedUnitProof.ReviewState.APPROVED if decision == APPROVE else RelatedUnitProof.ReviewState.REJECTED
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
    return locked
