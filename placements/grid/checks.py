"""The six checks of a month (§5.1), their labels, bits, reason codes and the evidence each failing check asks for.
Pure: imports no Django."""

from __future__ import annotations

from collections.abc import Iterable

from feeds.certificates import GRADE_NAMES

# --- checks and reasons -------------------------------------------------------------------------------------------

WAGE, PENSION, MEDICAL, CERT, AGE, CONTRACT = "wage", "pension", "medical", "cert", "age", "contract"
CHECKS: tuple[str, ...] = (WAGE, PENSION, MEDICAL, CERT, AGE, CONTRACT)  # grid column order
CHECK_LABELS = {
    WAGE: "工资信息",
    PENSION: "社保参保状态",
    MEDICAL: "医保参保状态",
    CERT: "残疾证状态",
    AGE: "是否就业年龄段",
    CONTRACT: "合同状态",
}
CHECK_BITS = {check: 1 << i for i, check in enumerate(CHECKS)}  # PlacementMonth.evidence_mask
# The evidence that can stand in for a failing check (§6). Age cannot be proven otherwise: such months are not
# selectable.
EVIDENCE_KINDS = {
    WAGE: "工资证明",
    PENSION: "社保参保证明",
    MEDICAL: "医保参保证明",
    CERT: "残疾证件",
    CONTRACT: "合同或劳务派遣协议",
}
EVIDENCE_ABLE_MASK = sum(CHECK_BITS[c] for c in EVIDENCE_KINDS)

TAKEN_ELSEWHERE = "taken_elsewhere"
TAKEN_TEXT = "已在其他单位登记"

REASONS: dict[str, tuple[str | None, str]] = {
    "wage_missing": (WAGE, "无工资发放记录"),
    "wage_other_unit": (WAGE, "非合同约定的工资发放单位发放"),
    "wage_below_min": (WAGE, "工资低于最低工资标准"),
    "pension_none": (PENSION, "未参保"),
    "pension_other_unit": (PENSION, "非本单位参保"),
    "medical_none": (MEDICAL, "未参保"),
    "medical_other_unit": (MEDICAL, "非本单位参保"),
    "cert_none": (CERT, "无残疾证信息"),
    "cert_expired": (CERT, "残疾证不在有效期"),
    "cert_cancelled": (CERT, "残疾证已注销"),
    "cert_pending": (CERT, "补录残疾证待审核"),
    "cert_military_9": (CERT, "残疾军人证九级不计入"),
    "cert_military_10": (CERT, "残疾军人证十级不计入"),
    "cert_grade_invalid": (CERT, "残疾等级不计入"),
    "age_unknown": (AGE, "出生日期无法识别"),
    "age_under_16": (AGE, "未满16周岁"),
    "age_retired": (AGE, "已达法定退休年龄"),
    "contract_none": (CONTRACT, "无有效合同"),
    "contract_too_short": (CONTRACT, "合同期限不足一年"),
    "contract_no_end": (CONTRACT, "合同结束日期缺失"),
    "contract_rejected": (CONTRACT, "劳务派遣协议审核不通过"),
    TAKEN_ELSEWHERE: (None, TAKEN_TEXT),
}


def reason_text(code: str) -> str:
    return REASONS.get(code, (None, code))[1]


def reason_texts(codes: str | Iterable[str]) -> list[str]:
    """Texts of stored reason codes (a comma-joined string or an iterable)."""
    if isinstance(codes, str):
        codes = [c for c in codes.split(",") if c]
    return [reason_text(c) for c in codes]


def reasons_by_check(codes: str | Iterable[str]) -> dict[str, str]:
    """{check: text} of the failing checks, plus ``taken_elsewhere`` when it applies (for the grid's cell titles)."""
    if isinstance(codes, str):
        codes = [c for c in codes.split(",") if c]
    out: dict[str, str] = {}
    for code in codes:
        check, text = REASONS.get(code, (None, code))
        out[check or TAKEN_ELSEWHERE] = text
    return out


# --- evidence -----------------------------------------------------------------------------------------------------


def missing_evidence(fail_mask: int, evidence_mask: int) -> int:
    """The bits of failing checks that no evidence covers yet."""
    return fail_mask & ~evidence_mask


def checks_of(mask: int) -> list[str]:
    return [c for c in CHECKS if mask & CHECK_BITS[c]]


def grade_label(cert_type: str, grade: int | None) -> str:
    return GRADE_NAMES.get(grade, "") if grade else ""


def fail_mask(month) -> int:
    """The bits of the checks a month row (``<check>_ok`` attributes, e.g. a PlacementMonth) fails."""
    return sum(bit for check, bit in CHECK_BITS.items() if not getattr(month, f"{check}_ok"))
