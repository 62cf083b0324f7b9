"""Reads of STEP.03 上传附件: the months lacking evidence, the uploads, the kinds asked for."""

from __future__ import annotations

from dataclasses import dataclass

from core.prepared import PreparedQuery
from placements import counting
from placements.evidence.rules import month_evidence
from placements.grid.checks import CHECKS, EVIDENCE_KINDS, fail_mask
from placements.grid.selectors import month_grid
from placements.models import Evidence, Placement, PlacementMonth

# --- evidence (step 3) -------------------------------------------------------------------------------------------


@dataclass
class EvidencePage:
    months: list  # MonthEvidence of every ticked ✗ month (selected, pending)
    uploads: list[Evidence]
    kinds: list[tuple[str, str]]  # (check, evidence kind) offered in the upload form
    decided: set[int]  # months a reviewer already decided

    @property
    def missing(self) -> list:
        return [m for m in self.months if not m.complete]

    @property
    def complete(self) -> bool:
        return not self.missing


_PENDING = next(m for m in counting.MEASURES if m.name == "pending")


def _uploads(placement_id: int):
    return (
        Evidence.objects.filter(placement_id=placement_id).select_related("file").order_by("withdrawn", "uploaded_at")
    )


_uploads_prepared = PreparedQuery(_uploads, ((-730051,), (-730052,)))


def uploads_of(placement: Placement) -> list[Evidence]:
    """The placement's evidence uploads with their files, withdrawn last (one query, compiled once)."""
    return _uploads_prepared(placement.pk)


def evidence_page(placement: Placement, months: list[PlacementMonth] | None = None) -> EvidencePage:
    """Two queries: the grid and the uploads."""
    months = month_grid(placement) if months is None else months
    pending = [m for m in months if counting.month_measure(_PENDING, counting.state_of(m))]
    needs = [month_evidence(m.month, fail_mask(m), m.evidence_mask) for m in pending]
    failing_checks = {c for n in needs for c in n.failing}
    kinds = [(c, EVIDENCE_KINDS[c]) for c in CHECKS if c in failing_checks and c in EVIDENCE_KINDS]
    uploads = uploads_of(placement)
    decided = {m.month for m in months if m.selected and m.review_state in counting.DECIDED_STATES}
    return EvidencePage(needs, uploads, kinds, decided)


def pending_fail_masks(months: list[PlacementMonth]) -> dict[int, int]:
    """{month: fail mask} of the ticked ✗ months (what an evidence upload may cover)."""
    return {m.month: fail_mask(m) for m in months if counting.month_measure(_PENDING, counting.state_of(m))}
