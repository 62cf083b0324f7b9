"""The month-grid rules (domain.md §5): the six checks, the weight, month selection, the placement status and the
totals. Pure: no ORM. The selectors gather a :class:`PersonFacts` bundle; these functions decide.

Months are ``YYYYMM`` ints (core.months.YearMonth.key). Check results carry reason *codes*; :data:`REASONS` maps a
code to its check and its Chinese text, so the grid, the review pages and the notices all say the same thing.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from feeds.certificates import GRADE_NAMES, MILITARY, grade_counts, grade_weight
from placements.retirement import add_months, retirement_date, sixteenth_birthday

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


# --- facts --------------------------------------------------------------------------------------------------------

FIXED_TERM, OPEN_ENDED, TASK, DISPATCH = "fixed_term", "open_ended", "task", "dispatch"  # constants.ContractType
CERT_VALID, CERT_CANCELLED, CERT_PENDING, CERT_REJECTED = "valid", "cancelled", "pending", "rejected"


@dataclass(frozen=True, slots=True)
class ContractFacts:
    """A contract with its paying units resolved to identifiers (this unit's USCC or the related unit's)."""

    start: date
    end: date | None
    contract_type: str
    is_dispatched: bool = False
    wage_unit: str = ""
    pension_unit: str = ""
    medical_unit: str = ""
    rejected: bool = False  # a dispatch agreement a reviewer rejected


@dataclass(frozen=True, slots=True)
class CertFacts:
    """A certificate: ``state`` is valid (registry 有效 / hand-added approved), cancelled, pending or rejected."""

    cert_no: str
    cert_type: str
    grade: int
    valid_from: date
    valid_to: date
    state: str = CERT_VALID


@dataclass(frozen=True, slots=True)
class MinWageRow:
    region_code: str  # 2, 4 or 6 digits
    effective_from: date
    amount: Decimal


@dataclass(slots=True)
class PersonFacts:
    """Every fact the six checks need for one placement (one person at one employer in one year)."""

    id_number: str
    year: int
    employer_uscc: str
    birth_date: date | None
    gender: str
    baseline: str = ""
    contracts: Sequence[ContractFacts] = ()
    certificates: Sequence[CertFacts] = ()
    wages: Mapping[int, Mapping[str, Decimal]] = field(default_factory=dict)  # month → {unit: amount}
    pension: Mapping[int, Iterable[str]] = field(default_factory=dict)  # month → units that paid
    medical: Mapping[int, Iterable[str]] = field(default_factory=dict)
    min_wages: Mapping[int, Decimal | None] = field(default_factory=dict)  # month → minimum in force on its 1st
    taken_months: frozenset[int] = frozenset()  # held by another unit (selected there and not rejected)


# --- minimum wage -------------------------------------------------------------------------------------------------


def _prefix(code: str) -> str:
    """A region code as the prefix it stands for: ``110000`` → ``11``, ``110100`` → ``1101``."""
    if len(code) == 6 and code.endswith("0000"):
        return code[:2]
    if len(code) == 6 and code.endswith("00"):
        return code[:4]
    return code


def minimum_wage(rows: Iterable[MinWageRow], region_code: str, on: date) -> Decimal | None:
    """The 月最低工资标准 in force on ``on`` for ``region_code``: among the rows in force (effective_from ≤ on) whose
    region is ``region_code`` or contains it, the most specific region wins, then the latest effective date."""
    best: tuple[int, date] | None = None
    amount = None
    for row in rows:
        prefix = _prefix(row.region_code)
        if row.effective_from > on or not region_code.startswith(prefix):
            continue
        key = (len(prefix), row.effective_from)
        if best is None or key > best:
            best, amount = key, row.amount
    return amount


def minimum_wages_for_year(rows: Iterable[MinWageRow], region_code: str, year: int) -> dict[int, Decimal | None]:
    rows = list(rows)
    return {year * 100 + m: minimum_wage(rows, region_code, date(year, m, 1)) for m in range(1, 13)}


# --- the six checks -----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MonthResult:
    month: int
    wage_ok: bool
    pension_ok: bool
    medical_ok: bool
    cert_ok: bool
    age_ok: bool
    contract_ok: bool
    reasons: tuple[str, ...]
    taken_elsewhere: bool
    dispatched: bool
    cert_type: str
    cert_grade: int | None
    cert_no: str
    weight: int

    @property
    def verified(self) -> bool:
        """System-verified: all six checks pass and no other unit holds the month."""
        return self.fail_mask == 0 and not self.taken_elsewhere

    @property
    def fail_mask(self) -> int:
        return (
            (0 if self.wage_ok else CHECK_BITS[WAGE])
            | (0 if self.pension_ok else CHECK_BITS[PENSION])
            | (0 if self.medical_ok else CHECK_BITS[MEDICAL])
            | (0 if self.cert_ok else CHECK_BITS[CERT])
            | (0 if self.age_ok else CHECK_BITS[AGE])
            | (0 if self.contract_ok else CHECK_BITS[CONTRACT])
        )

    @property
    def reason_codes(self) -> str:
        return ",".join(self.reasons)


def contract_term_qualifies(c: ContractFacts) -> str | None:
    """None when the contract's type qualifies (§5.1 合同状态), else the reason code."""
    if c.rejected:
        return "contract_rejected"
    if c.contract_type in (OPEN_ENDED, DISPATCH) or c.is_dispatched:
        return None
    if c.end is None:
        return "contract_no_end"
    # At least one year: 2025-01-01 … 2025-12-31 is one year.
    if c.end >= add_months(c.start, 12) - timedelta(days=1):
        return None
    return "contract_too_short"


def _cert_rank(c: CertFacts) -> tuple[int, int, date]:
    # Higher weight first, then the registry's (valid) over others, then the later expiry.
    return (grade_weight(c.cert_type, c.grade), c.state == CERT_VALID, c.valid_to)


def _cert_failure(c: CertFacts) -> str:
    if c.cert_type == MILITARY and c.grade in (9, 10):
        return f"cert_military_{c.grade}"
    return "cert_grade_invalid"


def evaluate_year(facts: PersonFacts) -> list[MonthResult]:
    """The twelve month results of a placement (§5.1, §5.3)."""
    year = facts.year
    if facts.birth_date is not None:
        adult_on = sixteenth_birthday(facts.birth_date)
        retires_on = retirement_date(facts.birth_date, facts.gender, facts.baseline)
    contracts = [(c, contract_term_qualifies(c)) for c in facts.contracts]
    own = facts.employer_uscc
    results = []
    for m in range(1, 13):
        key = year * 100 + m
        first, last = date(year, m, 1), date(year, m, calendar.monthrange(year, m)[1])
        reasons: list[str] = []

        covering = [(c, why) for c, why in contracts if c.start <= last and (c.end is None or c.end >= first)]
        paying = covering or contracts
        if paying:
            wage_units = {c.wage_unit for c, _ in paying}
            pension_units = {c.pension_unit for c, _ in paying}
            medical_units = {c.medical_unit for c, _ in paying}
        else:
            wage_units = pension_units = medical_units = {own}
        dispatched = any(c.is_dispatched or c.contract_type == DISPATCH for c, _ in paying)

        # 工资信息
        paid = facts.wages.get(key)
        if not paid:
            wage_ok = False
            reasons.append("wage_missing")
        else:
            amounts = [amount for unit, amount in paid.items() if unit in wage_units]
            if not amounts:
                wage_ok = False
                reasons.append("wage_other_unit")
            else:
                minimum = facts.min_wages.get(key)
                best = max(amounts)
                wage_ok = best >= minimum if minimum is not None else best > 0
                if not wage_ok:
                    reasons.append("wage_below_min")

        # 社保 / 医保参保状态
        pension_ok = _insured(facts.pension.get(key), pension_units, "pension", reasons)
        medical_ok = _insured(facts.medical.get(key), medical_units, "medical", reasons)

        # 残疾证状态 and the weight
        overlapping = [c for c in facts.certificates if c.valid_from <= last and c.valid_to >= first]
        usable = [c for c in overlapping if c.state == CERT_VALID]
        counting = [c for c in usable if grade_counts(c.cert_type, c.grade)]
        shown: CertFacts | None
        if counting:
            shown = max(counting, key=_cert_rank)
            cert_ok, weight = True, grade_weight(shown.cert_type, shown.grade)
        else:
            cert_ok, weight = False, 1
            if usable:
                shown = max(usable, key=_cert_rank)
                reasons.append(_cert_failure(shown))
                weight = 0
            elif any(c.state == CERT_PENDING for c in overlapping):
                shown = max((c for c in overlapping if c.state == CERT_PENDING), key=_cert_rank)
                reasons.append("cert_pending")
            elif any(c.state == CERT_CANCELLED for c in overlapping):
                shown = max(overlapping, key=_cert_rank)
                reasons.append("cert_cancelled")
            else:
                known = [c for c in facts.certificates if c.state != CERT_REJECTED]
                shown = max(known, key=lambda c: c.valid_to) if known else None
                reasons.append("cert_expired" if known else "cert_none")

        # 是否就业年龄段
        if facts.birth_date is None:
            age_ok = False
            reasons.append("age_unknown")
        elif adult_on > last:
            age_ok = False
            reasons.append("age_under_16")
        elif retires_on < first:
            age_ok = False
            reasons.append("age_retired")
        else:
            age_ok = True

        # 合同状态
        if not covering:
            contract_ok = False
            reasons.append("contract_none")
        elif any(why is None for _, why in covering):
            contract_ok = True
        else:
            contract_ok = False
            reasons.append(covering[0][1] or "contract_none")

        taken = key in facts.taken_months
        if taken:
            reasons.append(TAKEN_ELSEWHERE)
        results.append(
            MonthResult(
                month=key,
                wage_ok=wage_ok,
                pension_ok=pension_ok,
                medical_ok=medical_ok,
                cert_ok=cert_ok,
                age_ok=age_ok,
                contract_ok=contract_ok,
                reasons=tuple(reasons),
                taken_elsewhere=taken,
                dispatched=dispatched,
                cert_type=shown.cert_type if shown else "",
                cert_grade=shown.grade if shown else None,
                cert_no=shown.cert_no if shown else "",
                weight=weight,
            )
        )
    return results


def _insured(paid_by: Iterable[str] | None, units: set[str], kind: str, reasons: list[str]) -> bool:
    if not paid_by:
        reasons.append(f"{kind}_none")
        return False
    if units.isdisjoint(paid_by):
        reasons.append(f"{kind}_other_unit")
        return False
    return True


def month_weight(certificates: Iterable[CertFacts], month: int) -> int:
    """The weight of ``month`` (§5.3): the highest among the counting certificates valid in it (0 if none)."""
    year, m = divmod(month, 100)
    first, last = date(year, m, 1), date(year, m, calendar.monthrange(year, m)[1])
    return max(
        (
            grade_weight(c.cert_type, c.grade)
            for c in certificates
            if c.state == CERT_VALID and c.valid_from <= last and c.valid_to >= first
        ),
        default=0,
    )


# --- evidence -----------------------------------------------------------------------------------------------------


def missing_evidence(fail_mask: int, evidence_mask: int) -> int:
    """The bits of failing checks that no evidence covers yet."""
    return fail_mask & ~evidence_mask


def checks_of(mask: int) -> list[str]:
    return [c for c in CHECKS if mask & CHECK_BITS[c]]


def evidence_needed(fail_mask: int, evidence_mask: int = 0) -> list[tuple[str, str]]:
    """[(check, evidence kind)] still to upload for a ticked ✗ month (§6)."""
    missing = checks_of(missing_evidence(fail_mask, evidence_mask))
    return [(c, EVIDENCE_KINDS[c]) for c in missing if c in EVIDENCE_KINDS]


# --- selection (§5.2) ---------------------------------------------------------------------------------------------

NONE, AUTO, PENDING, CONFIRMED, REJECTED = "none", "auto", "pending", "confirmed", "rejected"  # MonthReview
DECIDED = (CONFIRMED, REJECTED)


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
        if option.selected and option.review_state in DECIDED:
            states[option.month] = option.review_state
        else:
            states[option.month] = AUTO if option.verified else PENDING
    return SelectionPlan(states=states, errors=errors)


def next_state_after_recompute(selected: bool, review_state: str, verified: bool) -> str:
    """What a recompute does to a month's review state (the same logic runs in SQL in services._upsert_sql).

    An ``auto`` month that no longer verifies becomes ``pending`` (it stays registered; the employer must add
    evidence or untick it); a ``pending`` month that now verifies becomes ``auto``; reviewers' decisions stand.
    """
    if not selected:
        return NONE
    if review_state == AUTO and not verified:
        return PENDING
    if review_state == PENDING and verified:
        return AUTO
    return review_state


# --- status and totals (§5.3, §5.4) ------------------------------------------------------------------------------

INCOMPLETE, STATUS_PENDING = "incomplete", "pending"  # constants.PlacementStatus
APPROVED_SYSTEM, APPROVED_MANUAL = "approved_system", "approved_manual"
PARTIALLY_REJECTED, STATUS_REJECTED = "partially_rejected", "rejected"


@dataclass(frozen=True, slots=True)
class MonthState:
    selected: bool
    review_state: str
    weight: int = 1
    evidence_missing: bool = False


@dataclass(frozen=True, slots=True)
class Totals:
    registered: int  # 安置登记(月)
    confirmed: int  # 安置确认(月)
    approved: int  # 安置核定(月) = Σ confirmed × weight
    rejected: int  # 安置不通过(月)


def totals(months: Iterable[MonthState]) -> Totals:
    registered = confirmed = approved = rejected = 0
    for m in months:
        if not m.selected:
            continue
        registered += 1
        if m.review_state in (AUTO, CONFIRMED):
            confirmed += 1
            approved += m.weight
        elif m.review_state == REJECTED:
            rejected += 1
    return Totals(registered, confirmed, approved, rejected)


def placement_status(*, completed: bool, months: Iterable[MonthState]) -> str:
    """审核状态 (§5.4). PlacementQuerySet.with_status computes the same in SQL (tests keep them in step).

    资料待完善 also covers a finished wizard with no month registered, or a registered ✗ month still lacking its
    evidence (e.g. after a recompute turned an auto-verified month into a failing one).
    """
    selected = [m for m in months if m.selected]
    if not completed or not selected or any(m.evidence_missing for m in selected):
        return INCOMPLETE
    states = [m.review_state for m in selected]
    if PENDING in states:
        return STATUS_PENDING
    n_rejected = states.count(REJECTED)
    if n_rejected == len(states):
        return STATUS_REJECTED
    if n_rejected:
        return PARTIALLY_REJECTED
    if CONFIRMED in states:
        return APPROVED_MANUAL
    return APPROVED_SYSTEM


def grade_label(cert_type: str, grade: int | None) -> str:
    return GRADE_NAMES.get(grade, "") if grade else ""
