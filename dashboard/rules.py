"""The home page's pure rules (no ORM): the progress steps, the month chart, the reminders' wording.

The selectors gather the facts with bounded queries (``dashboard.selectors``); these functions decide what the page
says. Tested with parametrized tables and no database.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol

from core.months import YearMonth
from declarations.transitions import WITHDRAWING, State
from placements import counting
from placements.grid.retirement import retirement_date

# The step states of declarations.selectors (DONE / CURRENT / NOT_STARTED), kept equal by a test.
DONE, CURRENT, NOT_STARTED = "done", "current", "not_started"
STEP_LABELS = {DONE: "已完成", CURRENT: "进行中", NOT_STARTED: "未开始"}

STEP_NAMES = ("按比例安置登记", "完成申报", "发送税务部门")
MONTHS = tuple(range(1, 13))


@dataclass(frozen=True)
class ProgressStep:
    label: str
    state: str  # DONE / CURRENT / NOT_STARTED
    current: bool = False  # the step to mark aria-current="step"

    @property
    def state_label(self) -> str:
        return STEP_LABELS[self.state]


@dataclass(frozen=True)
class Progress:
    year: int
    status: str
    status_label: str
    steps: tuple[ProgressStep, ...]
    withdrawal_pending: bool = False


def progress(year: int, state: State, *, has_placements: bool) -> Progress:
    """按比例安置登记 → 完成申报 → 发送税务部门, as ``declarations.selectors.declaration_progress`` reports them.

    The same rule, decided from facts the home page has already read (the declaration's state and whether the
    year has placements), so the page spends no query of its own on it; a test keeps the two in agreement.
    """
    if state.sent:
        states = (DONE, DONE, DONE)
    elif state.locked:
        states = (DONE, DONE, CURRENT)
    elif has_placements:
        states = (CURRENT, NOT_STARTED, NOT_STARTED)
    else:
        states = (NOT_STARTED, NOT_STARTED, NOT_STARTED)
    current = current_step_index(states)
    return Progress(
        year=year,
        status=state.status,
        status_label=state.label,
        steps=tuple(
            ProgressStep(label, s, current=index == current)
            for index, (label, s) in enumerate(zip(STEP_NAMES, states, strict=True))
        ),
        withdrawal_pending=state.status == WITHDRAWING,
    )


def current_step_index(states: Iterable[str]) -> int | None:
    """The step to mark ``aria-current="step"``: the first one not done (None when every step is done)."""
    for index, state in enumerate(states):
        if state != DONE:
            return index
    return None


# --- the year's figures and the chart ------------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthBar:
    """One month of 安置情况分析 (单位：人)."""

    month: int  # 1…12
    confirmed: int  # 安置确认: persons whose month is confirmed
    approved: int  # 安置核定: Σ weight of those months (a 1–2 级 person counts twice)

    @property
    def label(self) -> str:
        return f"{self.month}月"


@dataclass(frozen=True)
class YearFigures:
    """The year's totals (placements.counting: the same numbers as ``placements.selectors.placement_totals``) and
    the chart."""

    persons: int  # 安置登记 (人): every placement of the year
    persons_confirmed: int  # 安置确认 (人): placements counted in the year with a confirmed month
    registered: int  # 安置登记 (月): selected months
    confirmed: int  # 安置确认 (月)
    approved: int  # 安置核定 (月): Σ weight of confirmed months
    rejected: int  # 安置不通过 (月)
    pending: int  # months awaiting review
    evidence_missing: int  # months still lacking the employer's evidence
    severe_months: int  # confirmed months of weight 2 (1–2 级)
    other_months: int  # confirmed months of weight 1 (3–4 级)
    months: tuple[MonthBar, ...]

    @property
    def placed_persons(self) -> Decimal:
        """实际安排人数 = 安置核定月数 / 12, not rounded (domain.md §5.3)."""
        return Decimal(self.approved) / Decimal(12)

    @property
    def has_chart_data(self) -> bool:
        return any(bar.confirmed or bar.approved for bar in self.months)


def year_figures(
    persons: int, persons_confirmed: int, month_rows: Iterable[tuple[int, str, int, bool, int]]
) -> YearFigures:
    """Fold the grouped rows ``(YYYYMM, review_state, weight, evidence_missing, count)`` of the selected months of
    the placements counted in the year into the totals and the twelve bars (placements.counting's measures)."""
    rows = list(month_rows)
    counts = counting.count_grouped((state, weight, missing, n) for _, state, weight, missing, n in rows)
    confirmed, approved = counting.measure("confirmed"), counting.measure("approved")
    by_month = {m: [0, 0] for m in MONTHS}
    for key, review_state, weight, evidence_missing, n in rows:
        bar = by_month.get(YearMonth.from_key(key).month)
        if bar is not None:
            month = counting.MonthState(True, review_state, weight or 0, bool(evidence_missing))
            bar[0] += counting.month_measure(confirmed, month) * n
            bar[1] += counting.month_measure(approved, month) * n
    return YearFigures(
        persons=persons,
        persons_confirmed=persons_confirmed,
        registered=counts["registered"],
        confirmed=counts["confirmed"],
        approved=counts["approved"],
        rejected=counts["rejected"],
        pending=counts["pending"],
        evidence_missing=counts["missing_evidence"],
        severe_months=counts["severe"],
        other_months=counts["other"],
        months=tuple(MonthBar(m, c, a) for m, (c, a) in by_month.items()),
    )


def chart_summary(figures: YearFigures, year: int) -> str:
    """The chart's accessible name: what it shows and its extremes, in one sentence."""
    if not figures.has_chart_data:
        return f"{year}年度安置情况分析柱状图：暂无已确认的安置月份。"
    top = max(figures.months, key=lambda bar: (bar.approved, -bar.month))
    return (
        f"{year}年度安置情况分析柱状图，按月显示安置确认人数和安置核定人数；"
        f"全年安置确认 {figures.confirmed} 个月、安置核定 {figures.approved} 个月，"
        f"安置核定人数最多的是 {top.label}（{top.approved} 人）。详细数据见图表下方的数据表。"
    )


# --- reminders -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonFacts:
    """What the reminders need of one placement (read by one bounded query)."""

    placement_id: int
    name: str
    birth_date: date | None
    gender: str
    baseline: str
    missing_months: int  # selected months still lacking the employer's evidence
    certificate_ends: tuple[date, ...]  # the latest valid_to of the registry's and of the hand-added certificates


@dataclass(frozen=True)
class PersonReminder:
    placement_id: int
    name: str
    day: date | None
    months: int = 0


@dataclass(frozen=True)
class DeadlineNote:
    """The filing window of the year, in words. ``days`` is the number the sentence turns on (or None)."""

    kind: str  # "open" / "not_yet" / "closed" / "done"
    year: int
    opens_on: date
    closes_on: date
    message: str  # what follows the period: "距截止还有 31 天。", "已截止。…"
    days: int | None
    urgent: bool = False
    extended: bool = False  # closes_on is this unit's extension, later than the province's closing day

    @property
    def text(self) -> str:
        separator = "；" if self.kind == "done" else "，"
        extended = "（本单位已延期）" if self.extended else ""
        return (
            f"{self.year}年度申报期 {self.opens_on:%Y-%m-%d} 至 {self.closes_on:%Y-%m-%d}{extended}"
            f"{separator}{self.message}"
        )


@dataclass(frozen=True)
class Reminders:
    certificates: tuple[PersonReminder, ...]  # the last certificate ends inside the year
    retirements: tuple[PersonReminder, ...]  # the statutory retirement age is reached inside the year
    evidence: tuple[PersonReminder, ...]  # months awaiting the employer's evidence
    evidence_months: int
    deadline: DeadlineNote

    @property
    def count(self) -> int:
        return len(self.certificates) + len(self.retirements) + len(self.evidence)


DEADLINE_URGENT_DAYS = 30


class WindowLike(Protocol):
    """``core.filing.Window`` (not imported: this module stays free of the ORM)."""

    business_year: int
    opens_on: date
    closes_on: date


def deadline_note(window: WindowLike, today: date, *, declared: bool) -> DeadlineNote:
    """Days left until the province's filing deadline for the year (domain.md §2), or why none are counted."""
    period = {
        "year": window.business_year,
        "opens_on": window.opens_on,
        "closes_on": window.closes_on,
        "extended": bool(getattr(window, "extended", False)),
    }
    if declared:
        return DeadlineNote("done", **period, message="本年度已完成申报。", days=None)
    if today < window.opens_on:
        days = (window.opens_on - today).days
        return DeadlineNote("not_yet", **period, message=f"还有 {days} 天开始。", days=days)
    if today > window.closes_on:
        message = "已截止。如需补报，请联系残联主管部门。"
        return DeadlineNote("closed", **period, message=message, days=None, urgent=True)
    days = (window.closes_on - today).days
    message = "今天截止。" if days == 0 else f"距截止还有 {days} 天。"
    return DeadlineNote("open", **period, message=message, days=days, urgent=days <= DEADLINE_URGENT_DAYS)


def retiring_on(person: PersonFacts, year: int) -> date | None:
    """The day the person reaches the statutory retirement age when that day lies in ``year``, else None."""
    if person.birth_date is None or person.gender not in ("男", "女"):
        return None
    day = retirement_date(person.birth_date, person.gender, person.baseline or None)
    return day if day.year == year else None


def certificate_ends_in(person: PersonFacts, year: int) -> date | None:
    """The end of the person's last certificate when it falls in ``year`` (a later one means it was renewed)."""
    if not person.certificate_ends:
        return None
    last = max(person.certificate_ends)
    return last if last.year == year else None


def reminders(people: Iterable[PersonFacts], year: int, deadline: DeadlineNote) -> Reminders:
    certificates, retirements, evidence = [], [], []
    evidence_months = 0
    for person in people:
        ends = certificate_ends_in(person, year)
        if ends is not None:
            certificates.append(PersonReminder(person.placement_id, person.name, ends))
        retires = retiring_on(person, year)
        if retires is not None:
            retirements.append(PersonReminder(person.placement_id, person.name, retires))
        if person.missing_months:
            evidence.append(PersonReminder(person.placement_id, person.name, None, person.missing_months))
            evidence_months += person.missing_months
    by_day = lambda r: (r.day, r.placement_id)  # noqa: E731
    return Reminders(
        certificates=tuple(sorted(certificates, key=by_day)),
        retirements=tuple(sorted(retirements, key=by_day)),
        evidence=tuple(evidence),
        evidence_months=evidence_months,
        deadline=deadline,
    )


def birth_years_reaching_retirement(year: int) -> dict[str, tuple[int, int]]:
    """gender → (first, last) birth year of persons who can reach the retirement age in ``year``: men 60–63,
    women 50–58 (every baseline). A prefilter for the query; ``retiring_on`` decides."""
    return {"男": (year - 63, year - 60), "女": (year - 58, year - 50)}
