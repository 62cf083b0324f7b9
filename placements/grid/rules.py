"""The month-grid rules (domain.md §5): the six checks, the weight and month selection. Pure: no ORM. What a month
counts as, the placement status and the totals are ``placements.counting``. The selectors gather a
:class:`PersonFacts` bundle; these functions decide.

Months are ``YYYYMM`` ints (core.months.YearMonth.key). Check results carry reason *codes*; :data:`REASONS` maps a
code to its check and its Chinese text, so the grid, the review pages and the notices all say the same thing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import NamedTuple

from core.months import months_of_year
from feeds.certificates import MILITARY, grade_counts, grade_weight
from placements.grid.checks import AGE, CERT, CHECK_BITS, CONTRACT, MEDICAL, PENSION, TAKEN_ELSEWHERE, WAGE
from placements.grid.retirement import add_months, retirement_date, sixteenth_birthday

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
    # Wages and minimum wages in one unit, compared only with each other: the facts selector gives whole fen (int).
    wages: Mapping[int, Mapping[str, Decimal | int]] = field(default_factory=dict)  # month → {unit: amount}
    # Insurance paid, per paying unit, as a 12-bit mask of the year's months (bit m-1 = month m): see months_mask.
    pension: Mapping[str, int] = field(default_factory=dict)
    medical: Mapping[str, int] = field(default_factory=dict)
    min_wages: Mapping[int, Decimal | int | None] = field(default_factory=dict)  # month → minimum in force on its 1st
    taken_months: frozenset[int] = frozenset()  # held by another unit (PlacementMonth.held there)


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
    return {ym.key: minimum_wage(rows, region_code, ym.first_day) for ym in months_of_year(year)}


# --- the six checks -----------------------------------------------------------------------------------------------


class MonthResult(NamedTuple):
    """The grid row of one month (a tuple: cheap to build for a million months)."""

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
        return not self.reasons

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


def _cert_failure(c: CertFacts) -> str:
    if c.cert_type == MILITARY and c.grade in (9, 10):
        return f"cert_military_{c.grade}"
    return "cert_grade_invalid"


def months_mask(months: Iterable[int]) -> int:
    """The 12-bit mask of months given as 1–12 or as YYYYMM keys (bit m-1 = month m)."""
    return sum(1 << (m % 100 - 1) for m in set(months))


def _units_mask(paid: Mapping[str, int], units: set[str]) -> int:
    mask = 0
    for unit in units:
        mask |= paid.get(unit, 0)
    return mask


def _ym(d: date) -> int:
    return d.year * 100 + d.month  # YearMonth.from_date(d).key, without building one (a million calls a pass)


NO_END = 999912


def evaluate_year(facts: PersonFacts) -> list[MonthResult]:
    """The twelve month results of a placement (§5.1, §5.3).

    Everything "valid on at least one day of M" compares year-month keys: a period from ``a`` to ``b`` touches M
    exactly when ym(a) ≤ M ≤ ym(b). The certificate, age and contract checks depend only on such periods, so they
    are decided once per distinct situation rather than for every month; the loop looks up the monthly facts.
    """
    base = facts.year * 100
    keys = range(base + 1, base + 13)
    own = facts.employer_uscc

    # 合同状态 and the paying units: per month, or once when every contract spans the whole year.
    contracts = [
        (_ym(c.start), _ym(c.end) if c.end else NO_END, c, contract_term_qualifies(c)) for c in facts.contracts
    ]
    insured = facts.pension, facts.medical
    if all(x[0] <= base + 1 and x[1] >= base + 12 for x in contracts):
        by_contract = [_contract_month(contracts, contracts, own, insured)] * 12
    else:
        by_contract = [
            _contract_month([x for x in contracts if x[0] <= k <= x[1]], contracts, own, insured) for k in keys
        ]

    # 残疾证状态 and the weight (§5.3).
    certs = [
        (_ym(c.valid_from), _ym(c.valid_to), c, grade_weight(c.cert_type, c.grade), grade_counts(c.cert_type, c.grade))
        for c in facts.certificates
        if c.state != CERT_REJECTED
    ]
    if all(x[0] <= base + 1 and x[1] >= base + 12 for x in certs):
        by_cert = [_cert_month(certs, certs)] * 12
    else:
        by_cert = [_cert_month([x for x in certs if x[0] <= k <= x[1]], certs) for k in keys]

    # 是否就业年龄段: 16 by the month's last day, retirement age not reached before its first day (§5.5).
    if facts.birth_date is None:
        by_age = ["age_unknown"] * 12
    else:
        adult_key = _ym(sixteenth_birthday(facts.birth_date))
        retire_key = _ym(retirement_date(facts.birth_date, facts.gender, facts.baseline))
        by_age = ["age_under_16" if adult_key > k else "age_retired" if retire_key < k else None for k in keys]

    wages, min_wages, taken_months = facts.wages, facts.min_wages, facts.taken_months
    pension_any = _units_mask(facts.pension, set(facts.pension))
    medical_any = _units_mask(facts.medical, set(facts.medical))
    # The certificate columns of the twelve results (most often one situation for the whole year).
    first = by_cert[0]
    first_columns = _shown_columns(first[2])
    cert_columns = [first_columns if x is first else _shown_columns(x[2]) for x in by_cert]
    new, result = tuple.__new__, MonthResult  # MonthResult(…) without its keyword handling: a million a pass
    results = []
    for i, key in enumerate(keys):
        reasons: list[str] = []
        bit = 1 << i
        contract_why, wage_units, pension_mask, medical_mask, dispatched = by_contract[i]

        # 工资信息: by the contract's 工资发放单位, at least the minimum in force on the month's first day.
        paid = wages.get(key)
        if not paid:
            wage_ok = False
            reasons.append("wage_missing")
        else:
            best = None
            for unit, amount in paid.items():
                if unit in wage_units and (best is None or amount > best):
                    best = amount
            if best is None:
                wage_ok = False
                reasons.append("wage_other_unit")
            else:
                minimum = min_wages.get(key)
                wage_ok = best >= minimum if minimum is not None else best > 0
                if not wage_ok:
                    reasons.append("wage_below_min")

        # 社保 / 医保参保状态: by the contract's 社保 / 医保参保单位.
        pension_ok = bool(pension_mask & bit)
        if not pension_ok:
            reasons.append("pension_other_unit" if pension_any & bit else "pension_none")
        medical_ok = bool(medical_mask & bit)
        if not medical_ok:
            reasons.append("medical_other_unit" if medical_any & bit else "medical_none")

        cert_why, weight, _ = by_cert[i]
        if cert_why:
            reasons.append(cert_why)
        age_why = by_age[i]
        if age_why:
            reasons.append(age_why)
        if contract_why:
            reasons.append(contract_why)
        taken = key in taken_months
        if taken:
            reasons.append(TAKEN_ELSEWHERE)
        cert_type, cert_grade, cert_no = cert_columns[i]
        results.append(
            new(
                result,
                (
                    key,
                    wage_ok,
                    pension_ok,
                    medical_ok,
                    cert_why is None,
                    age_why is None,
                    contract_why is None,
                    tuple(reasons),
                    taken,
                    dispatched,
                    cert_type,
                    cert_grade,
                    cert_no,
                    weight,
                ),
            )
        )
    return results


def _shown_columns(cert: CertFacts | None) -> tuple[str, int | None, str]:
    """The certificate columns of a month result: type, grade, number of the certificate shown (or none)."""
    return (cert.cert_type, cert.grade, cert.cert_no) if cert else ("", None, "")


def _contract_month(covering: list[tuple], contracts: list[tuple], own: str, insured: tuple) -> tuple:
    """(reason or None, wage units, pension mask, medical mask, dispatched) of a month given the contracts
    covering it; the masks are the months the contracts' 社保 / 医保参保单位 paid.

    The paying units are those of the covering contracts, or of all contracts when none covers the month (so the
    wage and insurance columns still say something useful), or this unit when there is no contract at all.
    """
    paying = covering or contracts
    pension, medical = insured
    if paying:
        wage_units = {x[2].wage_unit for x in paying}
        pension_mask = _units_mask(pension, {x[2].pension_unit for x in paying})
        medical_mask = _units_mask(medical, {x[2].medical_unit for x in paying})
    else:
        wage_units, pension_mask, medical_mask = {own}, pension.get(own, 0), medical.get(own, 0)
    dispatched = any(x[2].is_dispatched or x[2].contract_type == DISPATCH for x in paying)
    if not covering:
        why = "contract_none"
    elif any(x[3] is None for x in covering):
        why = None
    else:
        why = covering[0][3]
    return why, wage_units, pension_mask, medical_mask, dispatched


def _rank(x: tuple) -> tuple[int, bool, date]:
    # Higher weight first, then a valid one, then the later expiry.
    return (x[3], x[2].state == CERT_VALID, x[2].valid_to)


def _cert_month(overlapping: list[tuple], certs: list[tuple]) -> tuple[str | None, int, CertFacts | None]:
    """(reason or None, weight, certificate shown) of a month given the certificates touching it.

    Passing: the counting certificate giving the highest weight. Failing: the weight a reviewer's confirmation on
    evidence would count, i.e. the grade weight (``grade_weight``) of the best certificate known for the month —
    the pending hand-added one, the cancelled one touching it, or (none touching it) the best expired one; 0 when
    the only valid certificate is a 残疾军人证 九/十级. With no certificate known at all (``cert_none``) the base is 1
    until the reviewer records the certificate seen on the evidence (placements.review.services.month_decide).
    """
    counting = [x for x in overlapping if x[4] and x[2].state == CERT_VALID]
    if counting:
        best = max(counting, key=_rank)
        return None, best[3], best[2]
    usable = [x for x in overlapping if x[2].state == CERT_VALID]
    if usable:
        shown = max(usable, key=_rank)[2]
        return _cert_failure(shown), 0, shown
    pending = [x for x in overlapping if x[2].state == CERT_PENDING]
    if pending:
        best = max(pending, key=_rank)
        return "cert_pending", best[3], best[2]
    if overlapping:
        best = max(overlapping, key=_rank)
        return "cert_cancelled", best[3], best[2]
    if certs:
        return "cert_expired", max(x[3] for x in certs), max(certs, key=lambda x: x[2].valid_to)[2]
    return "cert_none", 1, None
