"""Reviewers' decisions on related-unit proofs, as the review workplace makes them: the proof's state change
(``employers.review``) and the notice to the unit (``notices``) in one transaction.

The proof belongs to the employers app, the notices app sits above it; the reviewers' workplace sits above both
and composes them (ADR 0010).
"""

from __future__ import annotations

from django.db import transaction

from core.actors import Actor
from core.review import APPROVE
from employers.models import RelatedUnitProof
from employers.review import related_unit_proof_decide
from notices.constants import NoticeKind
from notices.services import notice_send_to_unit
from placements.review.rules import proof_notice_body, proof_notice_title


@transaction.atomic
def proof_decide(
    *, proof: RelatedUnitProof, decision: str, reason_code: str = "", reason_text: str = "", by: Actor
) -> RelatedUnitProof:
    """Approve or reject a related unit's proof; the unit gets a notice with the result (and why, if rejected)."""
    locked = related_unit_proof_decide(
        proof=proof, decision=decision, reason_code=reason_code, reason_text=reason_text, by=by
    )
    employer = locked.related_unit.employer
    notice_send_to_unit(
        employer=employer,
        title=proof_notice_title(locked.related_unit.name),
        body=proof_notice_body(
            unit_name=employer.name,
            related_name=locked.related_unit.name,
            kind_label=locked.get_kind_display(),
            approved=decision == APPROVE,
            reason=locked.review_reason,
        ),
        kind=NoticeKind.REVIEW_RESULT,
        by=by,
    )
    return locked
