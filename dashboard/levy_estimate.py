"""首页's levy estimate (domain.md §8): what the unit would pay for a business year from its confirmed 核定 months,
its stated (or last 缓减免-stated) staff figures and the province's ratio and wage — the calculator's own rules,
kept per input in the process (:func:`calculated`)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import Decimal
from urllib.parse import urlencode

from core.kept import Kept
from dashboard import rules
from employers.models import Employer
from levy import selectors as levy_selectors
from levy.calculator import LevyInput, LevyInputError, LevyResult, calculate


@dataclass(frozen=True)
class LevyEstimate:
    """The unit's levy estimate for business ``year`` (domain.md §8: its confirmed 核定 months for the year)."""

    year: int
    levy_year: int
    ratio: levy_selectors.RatioSetting
    social_wage: levy_selectors.WageSetting
    staff_count: Decimal | None  # None: unknown (no 缓减免申请 states it)
    avg_monthly_wage: Decimal | None
    source_year: int | None  # the business year the figures were stated for
    placed_persons: Decimal
    result: LevyResult | None = None
    error: str = ""
    calculator_query: str = ""
    source: str = "relief"  # "stated" (levy.StaffFigures of the year) or "relief" (the latest 缓减免申请)

    @property
    def staff_known(self) -> bool:
        return self.staff_count is not None and self.staff_count > 0

    def _step(self, key: str) -> str:
        if self.result is None:
            return ""
        return next((step.explanation for step in self.result.steps if step.key == key), "")

    @property
    def tier_text(self) -> str:
        """Why the payable is what it is: the calculator's words for the tier step."""
        return self._step("tier")

    @property
    def exemption_text(self) -> str:
        return self._step("exemption")

    @property
    def actual_ratio_percent(self) -> Decimal | None:
        """实际安排比例 = 实际安排人数 / 员工人数 × 100 (not rounded; the template shows 2 decimals)."""
        if self.result is not None:
            return self.result.actual_ratio_percent
        if not self.staff_known:
            return None
        return self.placed_persons / self.staff_count * 100


CALCULATED_KEPT = 256
_CALCULATED = Kept(CALCULATED_KEPT)  # the last CALCULATED_KEPT results


def calculated(data: LevyInput) -> LevyResult:
    """``levy.calculator.calculate(data)``, kept in the process for the last :data:`CALCULATED_KEPT` inputs (issue 16:
    ~0.4 ms of every home page). The calculator is a pure function of its input and the rules in code
    (levy.rules.RULES); every input is read fresh on each request, so nothing read from the database is kept. The
    key is each input's type and text: Decimal("1.5") == Decimal("1.50"), but the steps write them differently. A
    refused input (LevyInputError) is not kept."""
    key = tuple((type(value), str(value)) for value in (getattr(data, f.name) for f in fields(data)))
    return _CALCULATED.find_or_make(key, lambda: calculate(data))


def levy_estimate(
    employer: Employer,
    year: int,
    figures: rules.YearFigures,
    *,
    disabled_wage: Decimal | None = None,
    stated: tuple[Decimal, Decimal] | None = None,
) -> LevyEstimate:
    """The calculator (``levy.calculator``) with the unit's data, as the calculator page and the 缓减免 ceiling fill
    it in: the province's ratio and social wage for ``year`` (two queries), the confirmed person-months of the year
    by weight, the 单位性质, the rules of levy year ``year + 1``; the staff count and monthly wage the unit stated in
    its latest 缓减免申请 (read with the unit). Without a staff count there is no estimate, only the ratio.
    ``disabled_wage`` (残疾员工月薪, the mean contract salary) changes only the calculator's cost and savings, not
    the payable; it goes into the calculator link so the page opens with a result."""
    province = levy_selectors.province_code_of(employer)
    ratio = levy_selectors.employment_ratio(province, year)
    wage = levy_selectors.social_average_wage(province, year)
    if stated is not None:  # what the unit stated for this year comes first
        (staff, monthly), source_year, source = stated, year, "stated"
    else:
        staff, monthly = getattr(employer, "relief_staff", None), getattr(employer, "relief_wage", None)
        source_year, source = getattr(employer, "relief_year", None), "relief"
    levy_year = levy_selectors.levy_year_for(year)
    base = {
        "year": year,
        "levy_year": levy_year,
        "ratio": ratio,
        "social_wage": wage,
        "staff_count": staff,
        "avg_monthly_wage": monthly,
        "source_year": source_year,
        "source": source,
        "placed_persons": figures.placed_persons,
    }
    if staff is None or staff <= 0 or monthly is None:
        return LevyEstimate(**{**base, "staff_count": staff if staff and staff > 0 else None})
    data = LevyInput(
        staff_count=staff,
        ratio_percent=ratio.ratio_percent,
        avg_monthly_wage=monthly,
        disabled_monthly_wage=disabled_wage or Decimal(0),
        severe_person_months=figures.severe_months,
        other_person_months=figures.other_months,
        unit_kind=employer.unit_kind,
        social_avg_annual_wage=wage.annual_amount,
        year=levy_year,
    )
    try:
        result = calculated(data)
    except LevyInputError as exc:
        return LevyEstimate(**base, error="；".join(exc.errors.values()))
    query = {
        "name": employer.name,
        "ratio": ratio.ratio_percent,
        "staff": staff,
        "wage": monthly,
        "disabled_wage": disabled_wage or Decimal(0),
        "kind": employer.unit_kind,
        "social_wage": wage.annual_amount if wage.annual_amount is not None else "",
        "year": year,
        "severe": figures.severe_months,
        "other": figures.other_months,
    }
    return LevyEstimate(**base, result=result, calculator_query=urlencode(query))
