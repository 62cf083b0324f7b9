"""The states of a 缓减免申请 and the allowed transitions (domain.md §11). Pure: no ORM.

草稿 → 已提交 → 审核通过 / 审核不通过 / 退回补充, and 退回补充 → 已提交 again. The employer edits only in 草稿 and
退回补充; the reviewer decides only 已提交 applications. Approved and rejected applications are final.
"""

from enum import StrEnum

from core.errors import DomainError

DRAFT = "draft"
SUBMITTED = "submitted"
APPROVED = "approved"
REJECTED = "rejected"
RETURNED = "returned"

STATE_LABELS = {
    DRAFT: "草稿",
    SUBMITTED: "已提交",
    APPROVED: "审核通过",
    REJECTED: "审核不通过",
    RETURNED: "退回补充",
}


class Action(StrEnum):
    SUBMIT = "submit"
    APPROVE = "approve"
    REJECT = "reject"
    RETURN = "return"


ACTION_LABELS = {
    Action.SUBMIT: "提交",
    Action.APPROVE: "审核通过",
    Action.REJECT: "审核不通过",
    Action.RETURN: "退回补充",
}

TRANSITIONS: dict[tuple[str, Action], str] = {
    (DRAFT, Action.SUBMIT): SUBMITTED,
    (RETURNED, Action.SUBMIT): SUBMITTED,
    (SUBMITTED, Action.APPROVE): APPROVED,
    (SUBMITTED, Action.REJECT): REJECTED,
    (SUBMITTED, Action.RETURN): RETURNED,
}

EDITABLE_STATES = frozenset({DRAFT, RETURNED})
DELETABLE_STATES = frozenset({DRAFT})
FINAL_STATES = frozenset({APPROVED, REJECTED})
# States that block another application of the same unit, year and kind (a rejected one may be followed by a new one).
BLOCKING_STATES = frozenset({DRAFT, SUBMITTED, RETURNED, APPROVED})
REVIEWER_ACTIONS = frozenset({Action.APPROVE, Action.REJECT, Action.RETURN})


class TransitionError(DomainError):
    """The action is not allowed in the current state; the message is Chinese and shown to the user."""


def next_state(state: str, action: Action | str) -> str:
    try:
        action = Action(action)
    except ValueError:
        raise TransitionError(f"未知的操作：{action}") from None
    try:
        return TRANSITIONS[state, action]
    except KeyError:
        label = STATE_LABELS.get(state, state)
        raise TransitionError(f"申请当前状态为「{label}」，不能{ACTION_LABELS[action]}。") from None


def allowed_actions(state: str) -> frozenset[Action]:
    return frozenset(action for (source, action) in TRANSITIONS if source == state)


def can_edit(state: str) -> bool:
    return state in EDITABLE_STATES


def can_delete(state: str) -> bool:
    return state in DELETABLE_STATES
