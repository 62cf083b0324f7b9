"""The declaration's state machine (domain.md §7) as a pure table: no ORM, tested without a database.

States: 填报中 → 已完成申报 → 已发送税务; side path 已完成申报 / 已发送税务 → 撤回申请中 →
(批准) 填报中 | (驳回) back to the state it came from. A declaration in 撤回申请中 remembers that state in
``previous``; an export to the tax office while a withdrawal is pending moves ``previous`` from 已完成申报 to
已发送税务 (the tax office now has the result, so a rejected withdrawal must return to 已发送税务).

Services call :func:`apply` inside their transaction, on the locked row, and store the returned :class:`State`.
What a state is (``State``, its labels, which states lock the year) is ``employers.declaration_states``, read by
the apps below this one; this module owns how it changes.
"""

from enum import StrEnum

from core.errors import DomainError
from employers.declaration_states import DECLARED, FILLING, SENT, WITHDRAWING, State


class Event(StrEnum):
    DECLARE = "declare"  # 完成申报
    SEND = "send"  # 发送税务部门 (the export file was written)
    REQUEST_WITHDRAWAL = "request_withdrawal"  # 年审申报撤回 (the employer asks)
    APPROVE_WITHDRAWAL = "approve_withdrawal"  # a reviewer approves
    REJECT_WITHDRAWAL = "reject_withdrawal"  # a reviewer rejects


EVENT_LABELS = {
    Event.DECLARE: "完成申报",
    Event.SEND: "发送税务部门",
    Event.REQUEST_WITHDRAWAL: "申请年审申报撤回",
    Event.APPROVE_WITHDRAWAL: "批准撤回申请",
    Event.REJECT_WITHDRAWAL: "驳回撤回申请",
}


class TransitionError(DomainError):
    """The event is not allowed in the current state. ``message`` is Chinese, for the user."""

    def __init__(self, state: State, event: Event) -> None:
        super().__init__(f"当前状态为「{state.label}」，不能{EVENT_LABELS[event]}。", code="state")
        self.state = state
        self.event = event


# (status, event) → status after, or None for "back to ``previous``". Anything absent is refused.
TABLE: dict[tuple[str, Event], str | None] = {
    (FILLING, Event.DECLARE): DECLARED,
    (DECLARED, Event.SEND): SENT,
    (DECLARED, Event.REQUEST_WITHDRAWAL): WITHDRAWING,
    (SENT, Event.REQUEST_WITHDRAWAL): WITHDRAWING,
    (WITHDRAWING, Event.SEND): WITHDRAWING,  # exported while the withdrawal waits: see the module docstring
    (WITHDRAWING, Event.APPROVE_WITHDRAWAL): FILLING,
    (WITHDRAWING, Event.REJECT_WITHDRAWAL): None,
}


def allowed_events(state: State) -> frozenset[Event]:
    return frozenset(event for (status, event) in TABLE if status == state.status)


def can(state: State, event: Event) -> bool:
    return (state.status, event) in TABLE


def apply(state: State, event: Event) -> State:
    """The state after ``event``; raises :class:`TransitionError` when the table does not allow it."""
    key = (state.status, event)
    if key not in TABLE:
        raise TransitionError(state, event)
    target = TABLE[key]
    if event == Event.REQUEST_WITHDRAWAL:
        return State(WITHDRAWING, previous=state.status)
    if event == Event.SEND and state.status == WITHDRAWING:
        return State(WITHDRAWING, previous=SENT if state.previous in (DECLARED, SENT) else state.previous)
    if target is None:  # back to where the withdrawal came from
        return State(state.previous or DECLARED)
    return State(target)
