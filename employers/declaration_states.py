"""What the state of a unit's annual declaration (年审申报, domain.md §7) is, and what it means for the apps below
the declarations app: the year's placements are locked, the result went to the tax office. Pure: no Django.

How the state changes (the events and the table of allowed transitions) is ``declarations.transitions``; the
declarations services record each new state here too (``employers.models.DeclarationState``), in the same
transaction, so placements, the home page and the unit's pages can read it without importing declarations
(ADR 0010).

States: 填报中 → 已完成申报 → 已发送税务; side path 已完成申报 / 已发送税务 → 撤回申请中 → (批准) 填报中 |
(驳回) back to the state it came from, remembered in ``previous``.
"""

from dataclasses import dataclass

FILLING = "filling"
DECLARED = "declared"
SENT = "sent"
WITHDRAWING = "withdrawing"

STATUS_LABELS = {
    FILLING: "填报中",
    DECLARED: "已完成申报",
    SENT: "已发送税务",
    WITHDRAWING: "撤回申请中",
}

# The states in which the year's placements may not change (added, edited, re-registered, deleted).
LOCKED_STATUSES = frozenset({DECLARED, SENT, WITHDRAWING})

# The 审核认定书 can be downloaded from this working day after the day of 完成申报 on (domain.md §7).
CERTIFICATE_WORKING_DAYS = 3


@dataclass(frozen=True, slots=True)
class State:
    status: str = FILLING
    previous: str = ""  # only in 撤回申请中: the state to return to when the withdrawal is rejected

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def locked(self) -> bool:
        return self.status in LOCKED_STATUSES

    @property
    def sent(self) -> bool:
        """The tax office has the result (also while a withdrawal of a sent declaration is pending)."""
        return self.status == SENT or (self.status == WITHDRAWING and self.previous == SENT)
