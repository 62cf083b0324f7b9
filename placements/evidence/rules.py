"""Which evidence a month needs and which uploads are accepted (上传附件). Pure: imports no Django."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from core.months import month_label
from placements.grid.checks import CHECK_BITS, CHECK_LABELS, EVIDENCE_KINDS, checks_of, missing_evidence

# --- evidence (§6) -------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MonthEvidence:
    month: int
    failing: tuple[str, ...]  # checks that fail (in grid order)
    needed: tuple[str, ...]  # checks whose evidence is still missing
    provided: tuple[str, ...]  # checks already covered by evidence

    @property
    def complete(self) -> bool:
        return not self.needed

    @property
    def failing_labels(self) -> list[str]:
        return [CHECK_LABELS[c] for c in self.failing]

    @property
    def needed_labels(self) -> list[str]:
        return [EVIDENCE_KINDS[c] for c in self.needed if c in EVIDENCE_KINDS]

    @property
    def provided_labels(self) -> list[str]:
        return [EVIDENCE_KINDS[c] for c in self.provided if c in EVIDENCE_KINDS]


def month_evidence(month: int, fail_mask: int, evidence_mask: int) -> MonthEvidence:
    failing = tuple(checks_of(fail_mask))
    needed = tuple(c for c in checks_of(missing_evidence(fail_mask, evidence_mask)) if c in EVIDENCE_KINDS)
    provided = tuple(c for c in failing if evidence_mask & CHECK_BITS[c])
    return MonthEvidence(month, failing, needed, provided)


def evidence_mask_of(uploads: Iterable[tuple[str, Sequence[int]]], month: int) -> int:
    """The evidence bits of ``month`` from the non-withdrawn uploads [(check, months)]."""
    mask = 0
    for check, months in uploads:
        if month in months:
            mask |= CHECK_BITS[check]
    return mask


def evidence_upload_errors(check: str, months: Iterable[int], fail_masks: dict[int, int]) -> list[str]:
    """Why an upload of evidence for ``check`` cannot cover ``months`` (``fail_masks``: the ticked ✗ months)."""
    errors = []
    months = sorted(set(months))
    if not months:
        return ["请至少选择一个适用月份。"]
    if check not in EVIDENCE_KINDS:
        return ["材料类型无效。"]
    for m in months:
        if m not in fail_masks:
            errors.append(f"{month_label(m)}不是已勾选的未通过月份，无需上传证明材料。")
        elif not fail_masks[m] & CHECK_BITS[check]:
            errors.append(f"{month_label(m)}的{CHECK_LABELS[check]}已通过核验，无需上传{EVIDENCE_KINDS[check]}。")
    return errors
