"""完成登记, 重新登记 and 删除 of a placement (domain.md §4–§6); one lock, one version, one audit event each."""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping

from django.db import transaction

from core.actors import Actor
from core.audit import snapshot
from employers.models import Employer
from placements.constants import MonthReview
from placements.grid.checks import fail_mask, missing_evidence
from placements.grid.services import hold_and_finish
from placements.models import (
    Contract,
    Evidence,
    HandCertificate,
    Placement,
    PlacementMonth,
)
from placements.registration.services import PERSON_FIELDS
from placements.writes import (
    RegistrationError,
    audit,
    bump_version,
    check_year,
    grid_refresh,
    lock_for_write,
    recompute_after_commit,
)

logger = logging.getLogger(__name__)


# --- step 3 → 4: finish ------------------------------------------------------------------------------------------


@transaction.atomic
def placement_finish(*, placement: Placement, by: Actor, expected_version: int | None, token: str = "") -> Placement:
    """完成登记: every ticked ✗ month has its evidence (the engine's submit checks it); the months then wait for
    the reviewer (待审核)."""
    p = lock_for_write(placement, expected_version, token)
    bump_version(p, *hold_and_finish(p))
    audit(p, "finish", by, token)
    return p


# --- 重新登记, 删除 -------------------------------------------------------------------------------------------------


@transaction.atomic
def placement_reregister(
    *, placement: Placement, by: Actor, expected_version: int | None, token: str = ""
) -> Placement:
    """重新登记: re-open a finished placement. The wizard starts again at step 1 (资料待完善); months a reviewer
    confirmed wait for review again (or count as system-verified when their checks now pass); rejected months are
    unticked so the clerk may tick them again with new evidence. Evidence stays."""
    p = lock_for_write(placement, expected_version, token)
    if not p.wizard_completed:
        raise RegistrationError("该人员尚未完成登记，请直接点击“继续填写”。")
    grid_refresh(p)
    rows = list(PlacementMonth.objects.select_for_update().filter(placement=p, selected=True))
    changed = []
    for row in rows:
        if row.review_state == MonthReview.CONFIRMED:
            row.review_state = MonthReview.AUTO if row.verified else MonthReview.PENDING
        elif row.review_state == MonthReview.REJECTED:
            row.selected, row.review_state = False, MonthReview.NONE
        else:
            continue
        row.decided_by, row.decided_at, row.decision_reason = None, None, ""
        row.evidence_missing = (
            row.selected
            and row.review_state == MonthReview.PENDING
            and bool(missing_evidence(fail_mask(row), row.evidence_mask))
        )
        changed.append(row)
    PlacementMonth.objects.bulk_update(
        changed, ["selected", "review_state", "decided_by", "decided_at", "decision_reason", "evidence_missing"]
    )
    p.wizard_completed, p.wizard_step = False, 1
    bump_version(p, "wizard_completed", "wizard_step")
    audit(p, "reregister", by, token, reopened=sorted(r.month for r in changed))
    if any(not r.selected for r in changed):
        recompute_after_commit(p.id_number, p.year)
    return p


@transaction.atomic
def placement_delete(*, placement: Placement, by: Actor, expected_version: int | None) -> None:
    """删除 a placement of a year not yet declared. Its months are released (other units may register them); the
    uploaded files stay stored and the audit trail lists them."""
    p = lock_for_write(placement, expected_version)
    held = PlacementMonth.objects.filter(placement=p).held().exists()
    files = {
        "contracts": list(Contract.objects.filter(placement=p).values_list("contract_file_id", flat=True)),
        "evidence": list(Evidence.objects.filter(placement=p).values_list("file_id", flat=True)),
        "certificates": list(HandCertificate.objects.filter(placement=p).values_list("image_id", flat=True)),
    }
    audit(p, "delete", by, person=snapshot(p, ("id_number", "year", *PERSON_FIELDS)), files=files)
    id_number, year = p.id_number, p.year
    p.delete()
    if held:
        recompute_after_commit(id_number, year)


@transaction.atomic
def placements_delete(
    *, employer: Employer, year: int, placement_ids: Collection[int], versions: Mapping[int, int], by: Actor
) -> list[Placement]:
    """批量删除: the placements ``placement_ids`` of ``employer``'s ``year``, all or none, each through
    :func:`placement_delete` (the one rule: refused after 完成申报, for a frozen placement or a stale ``versions``
    entry; its audit event and the release of its months). An id that is not the unit's placement of that year
    refuses the whole batch. Returns the deleted placements (unsaved copies, for the message)."""
    ids = sorted(set(placement_ids))
    check_year(employer.pk, year)  # the unit's row first, as every write of the year
    found = list(Placement.objects.filter(employer=employer, year=year, pk__in=ids).order_by("id"))
    if not ids or len(found) != len(ids):
        raise RegistrationError("所选人员中有已删除或不属于本单位本年度的记录，未删除任何人员，请重新选择。")
    for p in found:
        placement_delete(placement=p, by=by, expected_version=versions.get(p.pk))
    return found
