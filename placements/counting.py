"""The counting rules of the domain (domain.md §5.2–§5.4), once: what a month counts as, its weight, a placement's
审核状态, which placements make up a year's totals, and what a grid recompute does to a registered month.

Pure Python (no ORM). The rules are tables; ``placements.querysets`` compiles the same tables to SQL (aggregates,
the status ``CASE``) and ``placements.services`` compiles :data:`RECOMPUTE` into the recompute's upsert, so no page,
document, export or statistic keeps a hand-written twin. Every consumer — the placement list and its counters, 首页,
完成申报's checks and snapshot (承诺书, 审核认定书, tax export), the levy defaults, the reviewers' queue — reads
through :func:`count_months` / :func:`placement_status` here or through the querysets built from these tables.

Vocabulary (domain.md §5.3):

- a month is **registered** (安置登记) when the employer selected it; a selected month has exactly one review state:
  ``auto`` (the system verified it), ``pending`` (a check fails: evidence and a reviewer needed), ``confirmed`` (a
  reviewer approved it) or ``rejected`` (a reviewer rejected it); an unselected month is ``none``;
- **confirmed** (安置确认) = ``auto`` or ``confirmed``; **approved** (安置核定) = Σ weight of the confirmed months;
- a placement's months count toward its unit's **year totals** only once it has been submitted at 完成登记 and not
  reopened (``wizard_completed``): a person back in 资料待完善 after 重新登记 "还不属于有效安置登记人员" (the manual)
  and adds nothing until submitted again — the same rule as the cross-employer hold (PlacementMonth.held);
- **persons registered** (安置登记人数) are all placements of the year; **persons counted** (安置确认人数) are the
  counted placements with at least one confirmed month — two numbers, always labelled as such.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from feeds.certificates import NORMAL_WEIGHT, SEVERE_WEIGHT

# --- month review states (placements.constants.MonthReview values) ---------------------------------------------------

NONE, AUTO, PENDING, CONFIRMED, REJECTED = "none", "auto", "pending", "confirmed", "rejected"
SELECTED_STATES = frozenset({AUTO, PENDING, CONFIRMED, REJECTED})
CONFIRMED_STATES = frozenset({AUTO, CONFIRMED})
DECIDED_STATES = frozenset({CONFIRMED, REJECTED})  # a reviewer's decision: a recompute never changes it


# --- measures: what the months of a placement add up to --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Measure:
    """One figure over a placement's (or a year's) months: the selected months in ``states`` — only those still
    lacking evidence when ``evidence_missing`` is True, only those with their evidence complete when it is False, only
    those of weight ``weight`` when given — counted, or their weights summed when ``weighted``."""

    name: str
    label: str
    states: frozenset[str]
    weighted: bool = False
    evidence_missing: bool | None = None
    weight: int | None = None


MEASURES: tuple[Measure, ...] = (
    Measure("registered", "安置登记(月)", SELECTED_STATES),
    Measure("confirmed", "安置确认(月)", CONFIRMED_STATES),
    Measure("approved", "安置核定(月)", CONFIRMED_STATES, weighted=True),
    Measure("rejected", "安置不通过(月)", frozenset({REJECTED})),
    Measure("pending", "待审核(月)", frozenset({PENDING})),
    Measure("manual", "人工审核通过(月)", frozenset({CONFIRMED})),
    Measure("missing_evidence", "缺少证明材料(月)", SELECTED_STATES, evidence_missing=True),
    # What a reviewer can decide now (the reviewers' queue, of submitted placements: PlacementMonthQuerySet).
    Measure("awaiting_review", "待审核(材料齐全)(月)", frozenset({PENDING}), evidence_missing=False),
    Measure("expected", "预计安置核定(月)", CONFIRMED_STATES | {PENDING}, weighted=True),  # if every pending one passes
    # The levy's two rows (§8): confirmed person-months of 1–2 级 (含残疾军人证 1–3 级) and of 3–4 级 (4–8 级).
    Measure("severe", "一二级安置确认(月)", CONFIRMED_STATES, weight=SEVERE_WEIGHT),
    Measure("other", "三四级安置确认(月)", CONFIRMED_STATES, weight=NORMAL_WEIGHT),
)
MEASURE_NAMES = tuple(m.name for m in MEASURES)
_BY_NAME = {m.name: m for m in MEASURES}


def measure(name: str) -> Measure:
    """The measure called ``name`` in :data:`MEASURES`."""
    return _BY_NAME[name]


# The month figures a year's totals show (the list header, 首页, the declaration snapshot).
YEAR_TOTALS = ("registered", "confirmed", "approved", "rejected")
# What 审核状态 and a list row need (PlacementQuerySet.with_counts annotates these by default).
PLACEMENT_MEASURES = ("registered", "confirmed", "approved", "rejected", "pending", "manual", "missing_evidence")


@dataclass(frozen=True, slots=True)
class MonthState:
    """What counting needs to know about one month of a grid."""

    selected: bool
    review_state: str
    weight: int = NORMAL_WEIGHT
    evidence_missing: bool = False


def state_of(month) -> MonthState:
    """The :class:`MonthState` of anything with ``selected``, ``review_state``, ``weight`` and ``evidence_missing``
    (a PlacementMonth row)."""
    return MonthState(month.selected, month.review_state, month.weight, month.evidence_missing)


def month_measure(measure: Measure, month: MonthState) -> int:
    """What one month adds to ``measure`` (0 when it does not count)."""
    if not month.selected or month.review_state not in measure.states:
        return 0
    if measure.evidence_missing is not None and month.evidence_missing != measure.evidence_missing:
        return 0
    if measure.weight is not None and month.weight != measure.weight:
        return 0
    return (month.weight or 0) if measure.weighted else 1


def count_months(months: Iterable[MonthState]) -> dict[str, int]:
    """Every measure of :data:`MEASURES` over ``months``: ``{"registered": …, "confirmed": …, "approved": …}``."""
    counts = dict.fromkeys(MEASURE_NAMES, 0)
    for month in months:
        for measure in MEASURES:
            counts[measure.name] += month_measure(measure, month)
    return counts


def count_grouped(rows: Iterable[tuple[str, int, bool, int]]) -> dict[str, int]:
    """:func:`count_months` over grouped rows ``(review_state, weight, evidence_missing, n)`` of selected months (what
    a ``GROUP BY`` in the database returns)."""
    counts = dict.fromkeys(MEASURE_NAMES, 0)
    for review_state, weight, evidence_missing, n in rows:
        month = MonthState(True, review_state, weight or 0, bool(evidence_missing))
        for measure in MEASURES:
            counts[measure.name] += month_measure(measure, month) * n
    return counts


# --- a placement's status (§5.4) ------------------------------------------------------------------------------------

INCOMPLETE, STATUS_PENDING = "incomplete", "pending"  # placements.constants.PlacementStatus values
APPROVED_SYSTEM, APPROVED_MANUAL = "approved_system", "approved_manual"
PARTIALLY_REJECTED, STATUS_REJECTED = "partially_rejected", "rejected"

Operator = Literal["is", "==", ">"]


@dataclass(frozen=True, slots=True)
class Condition:
    """``subject op value``. ``subject`` is a measure name, ``"completed"`` (the wizard was finished, 完成登记) or
    ``"pending_agreement"`` (a dispatch agreement awaits a reviewer); ``value`` is a constant or another measure's
    name (compared with that measure)."""

    subject: str
    op: Operator
    value: bool | int | str

    def holds(self, facts: Mapping[str, int | bool]) -> bool:
        left = facts[self.subject]
        right = facts[self.value] if isinstance(self.value, str) else self.value
        if self.op == "is":
            return bool(left) is right
        if self.op == "==":
            return left == right
        return left > right


# First matching row wins; none matching → :data:`STATUS_DEFAULT`.
# 资料待完善 also covers a finished wizard with no month registered, or a registered ✗ month still lacking its
# evidence (e.g. after a recompute turned an auto-verified month into a failing one). A dispatch agreement awaiting
# review makes the placement 待审核 (the manual's 待审核), so 完成申报 waits for the reviewer's decision on it.
STATUS_RULES: tuple[tuple[Condition, str], ...] = (
    (Condition("completed", "is", False), INCOMPLETE),
    (Condition("registered", "==", 0), INCOMPLETE),
    (Condition("missing_evidence", ">", 0), INCOMPLETE),
    (Condition("pending", ">", 0), STATUS_PENDING),
    (Condition("pending_agreement", "is", True), STATUS_PENDING),
    (Condition("rejected", "==", "registered"), STATUS_REJECTED),
    (Condition("rejected", ">", 0), PARTIALLY_REJECTED),
    (Condition("manual", ">", 0), APPROVED_MANUAL),
)
STATUS_DEFAULT = APPROVED_SYSTEM
# The statuses that forbid 完成申报 (§7).
BLOCKING_STATUSES = (INCOMPLETE, STATUS_PENDING)


def status_from_counts(counts: Mapping[str, int], *, completed: bool, pending_agreement: bool = False) -> str:
    """审核状态 from a placement's measures (:func:`count_months`) and its two flags."""
    facts = {**counts, "completed": completed, "pending_agreement": pending_agreement}
    for condition, status in STATUS_RULES:
        if condition.holds(facts):
            return status
    return STATUS_DEFAULT


def placement_status(*, completed: bool, months: Iterable[MonthState], pending_agreement: bool = False) -> str:
    """审核状态 (§5.4) of a placement from its months."""
    return status_from_counts(count_months(months), completed=completed, pending_agreement=pending_agreement)


# --- the year's totals ---------------------------------------------------------------------------------------------


def counts_toward_year(*, completed: bool) -> bool:
    """Whether a placement's months count in its unit's year totals (see the module docstring)."""
    return completed


YEAR_FIELD = "wizard_completed"  # the Placement column :func:`counts_toward_year` reads, for the SQL side


def year_totals(placements: Iterable[tuple[bool, Iterable[MonthState]]]) -> dict[str, int]:
    """The year's totals over ``(completed, months)`` of each placement: every measure of :data:`MEASURES` over the
    counted placements, plus ``persons`` (安置登记人数: every placement) and ``persons_confirmed`` (安置确认人数:
    counted placements with a confirmed month)."""
    totals = dict.fromkeys(("persons", "persons_confirmed", *MEASURE_NAMES), 0)
    for completed, months in placements:
        totals["persons"] += 1
        if not counts_toward_year(completed=completed):
            continue
        counts = count_months(months)
        for name in MEASURE_NAMES:
            totals[name] += counts[name]
        totals["persons_confirmed"] += 1 if counts["confirmed"] else 0
    return totals


# --- what a grid recompute does to a registered month (§5.2) --------------------------------------------------------

# (review state, verified now) → new review state; any other pair keeps its state. An ``auto`` month that no longer
# verifies becomes ``pending`` (it stays registered: the employer adds evidence or unticks it); a ``pending`` month
# that now verifies becomes ``auto``; reviewers' decisions stand.
RECOMPUTE: Mapping[tuple[str, bool], str] = {(AUTO, False): PENDING, (PENDING, True): AUTO}


def state_after_recompute(selected: bool, review_state: str, verified: bool) -> str:
    if not selected:
        return NONE
    return RECOMPUTE.get((review_state, verified), review_state)
