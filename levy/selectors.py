"""Reads for the levy pages: the unit's reference data and its confirmed person-months (bounded queries).

Years: the calculator works in business years (业务年度 Y, the year the placements belong to). The levy for Y is paid
in Y + 1, so the rules of levy year Y + 1 apply (ADR 0004). The ratio and the social average wage are read for Y.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import IntegerField, Value

from core.filing import unit_filing_year
from core.models import SocialAverageWage
from core.prepared import PreparedQuery
from core.selectors import DEFAULT_RATIO_PERCENT
from core.selectors import RatioSetting as RatioSetting  # re-exported: the ratio is core data (ADR 0009)
from core.selectors import employment_ratio as employment_ratio  # re-exported (compiled once there)
from levy.models import StaffFigures
from levy.rules import MIN_LEVY_YEAR
from placements import counting
from placements.models import PlacementMonth
from placements.querysets import measure_aggregate

# The statements of the unit pages' reads (the calculator, 首页's levy estimate) are compiled once per connection
# (core.prepared: 0.3-1 ms of CPU each otherwise); each gives what the ORM query it replaces gives (tested against
# it in tests/perf/test_prepared_reads.py).


def levy_year_for(business_year: int) -> int:
    """The levy year (whose rules apply) of a business year: the levy is paid the year after."""
    return business_year + 1


def business_years(today: date) -> list[int]:
    """Business years the calculator offers, newest first."""
    return list(range(today.year, MIN_LEVY_YEAR - 2, -1))


def province_code_of(employer) -> str:
    """The province whose ratio and wages apply: the one of the unit's 残联主管部门."""
    return employer.federation_region_id[:2]


@dataclass(frozen=True)
class WageSetting:
    annual_amount: Decimal | None
    year: int | None
    note: str


def _wage_row(province_code: str, year: int):
    return (
        SocialAverageWage.objects.filter(province_code=province_code, year__lte=year)
        .order_by("-year")
        .values("year", "annual_amount")[:1]
    )


def _month_totals(employer_id: int, year: int):
    """:func:`confirmed_person_months`' aggregate as a one-row queryset (the same statement as ``.totals``')."""
    months = PlacementMonth.objects.counted().filter(placement__employer_id=employer_id, placement__year=year)
    measures = {name: measure_aggregate(counting.measure(name)) for name in ("severe", "other")}
    return months.order_by().values(_one=Value(1, output_field=IntegerField())).annotate(**measures).values(*measures)


def _stated_row(employer_id: int, year: int):
    rows = StaffFigures.objects.filter(employer_id=employer_id, year=year)
    return (rows if rows.ordered else rows.order_by("pk"))[:1]  # what .first() reads


_wage_prepared = PreparedQuery(_wage_row, (("~a", 32051), ("~b", 32052)))
_month_totals_prepared = PreparedQuery(_month_totals, ((-770021, 32061), (-770022, 32062)))
_stated_prepared = PreparedQuery(_stated_row, ((-770031, 32071), (-770032, 32072)))


def social_average_wage(province_code: str, year: int) -> WageSetting:
    """The province's 社会平均工资 for ``year``, else the latest published earlier one (one query)."""
    found = _wage_prepared(province_code, year)
    row = found[0] if found else None
    if row is None:
        return WageSetting(None, None, "本省未设置社会平均工资，不计算工资上限")
    note = f"本省 {row['year']} 年社会平均工资"
    if row["year"] != year:
        note += f"（{year} 年尚未公布，暂用最近一年）"
    return WageSetting(row["annual_amount"], row["year"], note)


@dataclass(frozen=True)
class PersonMonths:
    severe: int  # confirmed months of weight 2 (1–2 级 / 残疾军人证 1–3 级)
    other: int  # confirmed months of weight 1


def confirmed_person_months(*, employer, year: int) -> PersonMonths:
    """The unit's confirmed person-months of business ``year`` by weight: the measures ``severe`` and ``other`` of
    placements.counting over the months counted in the year (one query)."""
    (totals,) = _month_totals_prepared(employer.pk, year)
    return PersonMonths(int(totals["severe"] or 0), int(totals["other"] or 0))


@dataclass(frozen=True)
class CalculatorDefaults:
    """What the calculator is pre-filled with, and where each value came from."""

    initial: dict
    business_year: int
    notes: tuple[str, ...]


def calculator_defaults(*, employer, today: date) -> CalculatorDefaults:
    """Pre-fill values: generic ones for anyone, the unit's data for a logged-in employer (≤ 6 queries), with the
    职工人数 and 月平均工资 it stated for the year (levy.StaffFigures) when it did."""
    if employer is None:
        year = today.year - 1
        return CalculatorDefaults(
            initial={"ratio": DEFAULT_RATIO_PERCENT, "kind": "企业", "severe": 0, "other": 0, "year": year},
            business_year=year,
            notes=(),
        )
    province = province_code_of(employer)
    year = unit_filing_year(employer, today)
    ratio = employment_ratio(province, year)
    wage = social_average_wage(province, year)
    months = confirmed_person_months(employer=employer, year=year)
    notes = [f"安置比例：{ratio.note}，{ratio.basis}", f"社会平均工资：{wage.note}"]
    notes.append(f"安置人月数：{year} 年已确认的安置月数（1-2级 {months.severe}，3-4级 {months.other}）")
    initial = {
        "name": employer.name,
        "ratio": ratio.ratio_percent,
        "kind": employer.unit_kind,
        "social_wage": wage.annual_amount,
        "severe": months.severe,
        "other": months.other,
        "year": year,
    }
    found = _stated_prepared(employer.pk, year)
    stated = found[0] if found else None
    if stated is not None:
        initial.update(staff=stated.staff_count, wage=stated.avg_monthly_wage)
        notes.append(f"职工人数、月平均工资：本单位填写的 {year} 年度数据")
    return CalculatorDefaults(initial=initial, business_year=year, notes=tuple(notes))
