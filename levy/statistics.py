"""统计分析's levy estimate: each unit's 应缴保障金 and the figures of its ratio, computed by the levy app's own rules
for ``declarations.statistics_summary`` (which cannot import ``levy``: it is a layer below). ``levy.apps`` registers
:func:`estimate_units` there when the app is ready (ADR 0019).

The inputs are the ones the unit's calculator page is filled in with (``levy.selectors.calculator_defaults``) and
the home page's estimate uses when the unit stated its figures for the year: the 在职职工人数 and 月平均工资 it
stated for the business year (``levy.StaffFigures``), the province's 安排比例 and 社会平均工资 for the year
(``levy.selectors``), its confirmed 一二级 / 三四级 person-months of the year (the summary's, computed through the
counting querysets as ``levy.selectors.confirmed_person_months`` does), its 单位性质 and the rules of levy year
Y + 1. A unit that stated no figures gets no estimate (无法估算), never 0; so does one the calculator refuses.

The ORM gathers the facts here; the payable and the inputs' key are ``levy.estimate``'s (pure: the calculator's
own core, checked against ``levy.calculator.calculate`` in ``tests/levy/test_statistics_estimate.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from types import SimpleNamespace

from declarations.statistics_summary import LevyFigures
from levy.calculator import LevyInput, LevyInputError
from levy.estimate import input_key, payable
from levy.models import StaffFigures
from levy.selectors import employment_ratio, levy_year_for, province_code_of, social_average_wage


def estimate_units(
    *, year: int, region: str, months: Mapping[int, tuple[int, int]], known: Mapping[int, str]
) -> dict[int, LevyFigures | None]:
    """For each unit of ``region`` (prefix) that stated its staff figures for business ``year``: its estimate, or
    None when ``known`` holds the key of the same inputs. ``months``: unit → (一二级, 三四级) confirmed months (a unit
    absent has none). One query for the units' figures, two per province (ratio, social average wage)."""
    inside = {"employer__federation_region__code__startswith": region} if region else {}
    stated = StaffFigures.objects.filter(year=year, **inside).values_list(
        "employer_id", "staff_count", "avg_monthly_wage", "employer__unit_kind", "employer__federation_region_id"
    )
    provinces: dict[str, tuple] = {}
    levy_year = levy_year_for(year)
    out: dict[int, LevyFigures | None] = {}
    for employer, staff, wage, kind, federation_region in stated:
        # The one definition of "the province whose ratio and wages apply" (it reads only federation_region_id).
        province = province_code_of(SimpleNamespace(federation_region_id=federation_region))
        if province not in provinces:
            provinces[province] = (employment_ratio(province, year), social_average_wage(province, year))
        ratio, social = provinces[province]
        severe, other = months.get(employer, (0, 0))
        data = LevyInput(
            staff_count=staff,
            ratio_percent=ratio.ratio_percent,
            avg_monthly_wage=wage,
            disabled_monthly_wage=Decimal(0),  # changes the cost and savings shown, never the payable
            severe_person_months=severe,
            other_person_months=other,
            unit_kind=kind,
            social_avg_annual_wage=social.annual_amount,
            year=levy_year,
        )
        key = input_key(data)
        if known.get(employer) == key:
            out[employer] = None
            continue
        try:
            cents = int(payable(data) * 100)
        except LevyInputError:
            out[employer] = LevyFigures(key)  # the calculator refuses these figures: 无法估算
            continue
        out[employer] = LevyFigures(key, staff, ratio.ratio_percent, cents)
    return out
