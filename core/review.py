"""The shape of every reviewer's decision in the system (domain.md §6): approve or reject, the standard reasons, what
a decision needs, the reason as stored and quoted, and the errors a refused decision raises.

Shared by the placements review (months, hand-added certificates, dispatch agreements) and the review of
related-unit proofs, so it sits below both. Pure: no Django, no ORM.
"""

from __future__ import annotations

from core.errors import DomainError

APPROVE, REJECT = "approve", "reject"
DECISIONS = {APPROVE: "审核通过", REJECT: "审核不通过"}

# The standard reasons (domain.md §6), in the order the reviewer sees them.
OTHER = "other"
REASONS: tuple[tuple[str, str], ...] = (
    ("unclear", "材料不清晰"),
    ("wrong_month", "材料与月份不符"),
    ("wage_below_min", "工资低于最低工资标准"),
    ("not_own_insurance", "非本单位参保"),
    ("contract_short", "合同期限不足一年"),
    (OTHER, "其他"),
)
REASON_LABELS = dict(REASONS)
REASON_TEXT_MAX = 500


class ReviewError(DomainError):
    """The decision cannot be applied (message in Chinese)."""


class AlreadyDecidedError(ReviewError):
    """Another reviewer decided (some of) these rows first. Nothing was changed."""

    def __init__(self, message: str = "") -> None:
        super().__init__(message or "该事项已由其他审核人员处理，请刷新页面查看最新结果。", code="already_decided")


class ReviewScopeError(ReviewError):
    def __init__(self, message: str = "该单位不在您的审核辖区内，不能审核。") -> None:
        super().__init__(message, code="scope")


def decision_errors(decision: str, reason_code: str, reason_text: str) -> dict[str, str]:
    """{field: Chinese message} of what is wrong with a decision's input; empty when it may be applied.

    Rejecting needs a standard reason, and free text when that reason is 其他. Approving needs nothing, but a
    reason given anyway must be a known one.
    """
    errors: dict[str, str] = {}
    text = (reason_text or "").strip()
    if decision not in DECISIONS:
        errors["decision"] = "请选择审核结果（通过或不通过）。"
        return errors
    if reason_code and reason_code not in REASON_LABELS:
        errors["reason_code"] = "请从列表中选择不通过原因。"
    elif decision == REJECT and not reason_code:
        errors["reason_code"] = "审核不通过时必须选择不通过原因。"
    elif decision == REJECT and reason_code == OTHER and not text:
        errors["reason_text"] = "选择“其他”时请填写具体原因。"
    if len(text) > REASON_TEXT_MAX:
        errors["reason_text"] = f"审核意见不能超过 {REASON_TEXT_MAX} 个字。"
    return errors


def reason_sentence(reason_code: str, reason_text: str) -> str:
    """The reason as stored on the decided row and quoted in the notice: 「材料不清晰：工资条模糊」."""
    label = REASON_LABELS.get(reason_code, "") if reason_code != OTHER else ""
    text = (reason_text or "").strip()
    if label and text:
        return f"{label}：{text}"
    return label or text


def check_decision(decision: str, reason_code: str, reason_text: str) -> str:
    """The reason sentence of a valid decision; :class:`ReviewError` (beside the field at fault) otherwise."""
    errors = decision_errors(decision, reason_code, reason_text)
    if errors:
        name, message = next(iter(errors.items()))
        raise ReviewError(message, field=name, code="reason")
    return reason_sentence(reason_code, reason_text)
