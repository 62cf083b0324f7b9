"""Which months the clerk may tick (§5.2): a month's options, the locked ones, the plan of a selection. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from placements.counting import AUTO, DECIDED_STATES, NONE, PENDING
from placements.grid.checks import EVIDENCE_ABLE_MASK, TAKEN_TEXT, fail_mask

# --- selection (§5.2) ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MonthOption:
    """What the selection rules need to know about one month of the grid."""

    month: int
    fail_mask: int
    taken_elsewhere: bool = False
    dispatched: bool = False
    selected: bool = False
    review_state: str = NONE

    @property
    def verified(self) -> bool:
        return self.fail_mask == 0 and not self.taken_elsewhere


def is_locked(option: MonthOption) -> bool:
    """Auto-verified months of a non-dispatched person are selected and cannot be unticked."""
    return option.verified and not option.dispatched


def unselectable_reason(option: MonthOption) -> str | None:
    """Why a month cannot be ticked, or None."""
    if option.taken_elsewhere:
        return TAKEN_TEXT
    if option.fail_mask & ~EVIDENCE_ABLE_MASK:
        return "不在就业年龄段的月份不能登记"
    return None


@dataclass(slots=True)
class SelectionPlan:
    states: dict[int, str]  # month → new review state (NONE = not selected)
    errors: dict[int, str]  # month → why it cannot be selected

    @property
    def selected(self) -> list[int]:
        return sorted(m for m, s in self.states.items() if s != NONE)

    @property
    def ok(self) -> bool:
        return not self.errors


def plan_selection(options: Sequence[MonthOption], requested: Iterable[int]) -> SelectionPlan:
    """The new state of every month when the employer asks for ``requested`` (§5.2).

    - Locked months (auto-verified, not dispatched) are selected whether asked or not.
    - A selected verified month is ``auto``; a selected ✗ month is ``pending`` (it needs evidence and a reviewer);
      a month that stays selected keeps a reviewer's decision (confirmed / rejected).
    - Months taken by another unit, or failing a check no evidence can cure (age), cannot be selected: errors.
    """
    wanted = set(requested)
    by_month = {o.month: o for o in options}
    errors = {m: "月份不属于本业务年度" for m in wanted if m not in by_month}
    states: dict[int, str] = {}
    for option in options:
        take = option.month in wanted or is_locked(option)
        if not take:
            states[option.month] = NONE
            continue
        if option.month in wanted and not is_locked(option) and (why := unselectable_reason(option)):
            errors[option.month] = why
            states[option.month] = option.review_state if option.selected else NONE
            continue
        if option.selected and option.review_state in DECIDED_STATES:
            states[option.month] = option.review_state
        else:
            states[option.month] = AUTO if option.verified else PENDING
    return SelectionPlan(states=states, errors=errors)


def month_option(month) -> MonthOption:
    """The selection's view of a month row (a PlacementMonth)."""
    return MonthOption(
        month=month.month,
        fail_mask=fail_mask(month),
        taken_elsewhere=month.taken_elsewhere,
        dispatched=month.dispatched,
        selected=month.selected,
        review_state=month.review_state,
    )
