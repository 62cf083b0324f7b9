"""STEP.03 上传附件: uploading evidence for ticked ✗ months and withdrawing it; one lock, one version, one audit
event each."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from core.actors import Actor
from core.uploads import CleanFile
from placements import counting
from placements.constants import MonthReview
from placements.errors import StaleVersionError
from placements.evidence.rules import evidence_mask_of, evidence_upload_errors
from placements.grid.checks import fail_mask, missing_evidence
from placements.grid.services import mark_evidence
from placements.models import (
    Evidence,
    Placement,
    PlacementMonth,
)
from placements.writes import DuplicateSubmission, RegistrationError, audit, bump_version, lock_for_write, store_file

logger = logging.getLogger(__name__)


# --- step 3: evidence --------------------------------------------------------------------------------------------


@transaction.atomic
def evidence_upload(
    *,
    placement: Placement,
    kind: str,
    months: Iterable[int],
    file: CleanFile,
    by: Actor,
    expected_version: int | None,
    token: str = "",
) -> Evidence:
    """上传附件: one file of evidence ``kind`` (a check code: wage / pension / medical / contract / cert) covering
    ``months`` (ticked ✗ months that fail that check)."""
    p = lock_for_write(placement, None)
    done = Evidence.objects.filter(placement=p, client_token=token).first() if token else None
    if done is not None:
        raise DuplicateSubmission(done)
    if expected_version is not None and p.version != expected_version:
        raise StaleVersionError()
    months = sorted(set(months))
    rows = PlacementMonth.objects.filter(placement=p, selected=True, review_state=MonthReview.PENDING)
    fail_masks = {m.month: fail_mask(m) for m in rows}
    errors = evidence_upload_errors(kind, months, fail_masks)
    if errors:
        raise RegistrationError("；".join(errors), field="months", code="evidence")
    if file is None:
        raise RegistrationError("请选择要上传的文件。", field="file")
    stored = store_file(file, "placement_evidence", p.employer, by)
    evidence = Evidence.objects.create(
        placement=p,
        kind=kind,
        months=months,
        file=stored,
        client_token=token or "",
        uploaded_by=by if getattr(by, "is_authenticated", False) else None,
    )
    mark_evidence(p, months, [kind])
    bump_version(p)
    audit(p, "evidence_upload", by, token, evidence=evidence.pk, kind=kind, months=months, file=stored.pk)
    return evidence


@transaction.atomic
def evidence_withdraw(*, evidence: Evidence, by: Actor, expected_version: int | None) -> Evidence:
    """撤回 an upload: the row and its file stay (marked withdrawn); the months it covered lose that evidence unless
    another upload covers them. Refused once a reviewer decided one of its months."""
    p = lock_for_write(evidence.placement, expected_version)
    evidence = Evidence.objects.select_for_update().get(pk=evidence.pk, placement=p)
    if evidence.withdrawn:
        return evidence
    decided = PlacementMonth.objects.filter(
        placement=p, month__in=evidence.months, review_state__in=sorted(counting.DECIDED_STATES)
    ).exists()
    if decided:
        raise RegistrationError("该材料涉及的月份已经残联审核，不能撤回。")
    evidence.withdrawn, evidence.withdrawn_by, evidence.withdrawn_at = True, by, timezone.now()
    evidence.save(update_fields=["withdrawn", "withdrawn_by", "withdrawn_at"])
    _refresh_evidence_masks(p, evidence.months)
    bump_version(p)
    audit(p, "evidence_withdraw", by, evidence=evidence.pk, kind=evidence.kind, months=evidence.months)
    return evidence


def _refresh_evidence_masks(p: Placement, months: Iterable[int]) -> None:
    """Rebuild ``evidence_mask`` / ``evidence_missing`` of ``months`` from the uploads that are not withdrawn."""
    uploads = [(e.kind, e.months) for e in Evidence.objects.filter(placement=p, withdrawn=False)]
    rows = list(PlacementMonth.objects.select_for_update().filter(placement=p, month__in=list(months)))
    for row in rows:
        row.evidence_mask = evidence_mask_of(uploads, row.month)
        row.evidence_missing = (
            row.selected
            and row.review_state == MonthReview.PENDING
            and bool(missing_evidence(fail_mask(row), row.evidence_mask))
        )
    PlacementMonth.objects.bulk_update(rows, ["evidence_mask", "evidence_missing"])
