"""Reads behind the calculator's pre-fill: ratio, social wage, confirmed person-months (defensive)."""

from datetime import date
from decimal import Decimal

import pytest

from core.models import EmploymentRatio, SocialAverageWage
from levy import selectors
from tests.factories.levy import add_months

pytestmark = pytest.mark.django_db


def test_ratio_of_the_year_else_latest_earlier_else_default():
    assert selectors.employment_ratio("11", 2025).ratio_percent == Decimal("1.5")
    assert selectors.employment_ratio("11", 2025).year is None
    EmploymentRatio.objects.create(province_code="11", year=2023, ratio_percent=Decimal("1.60"))
    setting = selectors.employment_ratio("11", 2025)
    assert (setting.ratio_percent, setting.year) == (Decimal("1.60"), 2023)
    assert "沿用最近一年" in setting.note
    EmploymentRatio.objects.create(province_code="11", year=2025, ratio_percent=Decimal("1.70"))
    EmploymentRatio.objects.create(province_code="31", year=2025, ratio_percent=Decimal("1.50"))
    assert selectors.employment_ratio("11", 2025).ratio_percent == Decimal("1.70")


def test_social_wage_of_the_year_else_latest_published():
    assert selectors.social_average_wage("11", 2025).annual_amount is None
    SocialAverageWage.objects.create(province_code="11", year=2024, annual_amount=Decimal("146000"))
    wage = selectors.social_average_wage("11", 2025)
    assert wage.annual_amount == Decimal("146000") and "尚未公布" in wage.note
    SocialAverageWage.objects.create(province_code="11", year=2026, annual_amount=Decimal("999999"))
    assert selectors.social_average_wage("11", 2025).annual_amount == Decimal("146000")


def test_confirmed_person_months_count_only_confirmed_selected_months(employer, other_employer):
    add_months(employer, 2025, weight=2, months=[1, 2, 3], state="auto")
    add_months(employer, 2025, weight=2, months=[4], state="confirmed")
    add_months(employer, 2025, weight=1, months=[1, 2, 3, 4, 5], state="confirmed")
    add_months(employer, 2025, weight=1, months=[6], state="pending")
    add_months(employer, 2025, weight=1, months=[7], state="rejected")
    add_months(employer, 2025, weight=1, months=[8], selected=False)
    add_months(employer, 2024, weight=1, months=[1, 2])
    add_months(other_employer, 2025, weight=2, months=[1, 2])
    add_months(employer, 2025, weight=2, months=[9, 10], state="auto", submitted=False)  # back in 资料待完善
    months = selectors.confirmed_person_months(employer=employer, year=2025)
    assert (months.severe, months.other) == (4, 5)


def test_defaults_for_an_employer(employer, beijing_reference, django_assert_max_num_queries):
    add_months(employer, 2025, weight=2, months=[1, 2])
    with django_assert_max_num_queries(6):  # filing year (2, the unit's extensions), ratio, wage, months, figures
        defaults = selectors.calculator_defaults(employer=employer, today=date(2026, 5, 1))
    assert defaults.business_year == 2025
    assert defaults.initial["name"] == employer.name
    assert defaults.initial["ratio"] == Decimal("1.70")
    assert defaults.initial["social_wage"] == Decimal("120000.00")
    assert (defaults.initial["severe"], defaults.initial["other"]) == (2, 0)
    assert defaults.initial["kind"] == "企业"


def test_defaults_take_the_staff_figures_the_unit_stated_for_the_year(employer, beijing_reference):
    from levy.services import staff_figures_save

    staff_figures_save(
        employer=employer, year=2024, staff_count=Decimal("50"), avg_monthly_wage=Decimal("5000"), by=None
    )
    assert "staff" not in selectors.calculator_defaults(employer=employer, today=date(2026, 5, 1)).initial
    staff_figures_save(
        employer=employer, year=2025, staff_count=Decimal("300.5"), avg_monthly_wage=Decimal("8000"), by=None
    )
    defaults = selectors.calculator_defaults(employer=employer, today=date(2026, 5, 1))
    assert (defaults.initial["staff"], defaults.initial["wage"]) == (Decimal("300.50"), Decimal("8000.00"))
    assert "职工人数、月平均工资：本单位填写的 2025 年度数据" in defaults.notes


def test_defaults_for_anyone_else():
    defaults = selectors.calculator_defaults(employer=None, today=date(2026, 5, 1))
    assert defaults.business_year == 2025
    assert defaults.initial["ratio"] == Decimal("1.5")
    assert "name" not in defaults.initial


def test_defaults_follow_the_units_extended_filing_year(employer, beijing_reference):
    from core.models import FilingExtension

    today = date(2027, 1, 10)  # province rule: business year 2026; this unit's 2025 window runs to 2027-02-15
    assert selectors.calculator_defaults(employer=employer, today=today).business_year == 2026
    FilingExtension.objects.create(employer=employer, year=2025, closes_on=date(2027, 2, 15), reason="延误")
    assert selectors.calculator_defaults(employer=employer, today=today).business_year == 2025


def test_ratio_carries_its_source_date_and_whether_it_was_confirmed():
    default = selectors.employment_ratio("44", 2025)
    assert default.basis == "依据：《残疾人就业条例》（国务院令第488号）第八条规定的最低比例 1.5%；待核实"
    EmploymentRatio.objects.create(
        province_code="44", year=2024, ratio_percent=Decimal("1.50"), source="粤府令", effective_from=date(2010, 1, 1)
    )
    unconfirmed = selectors.employment_ratio("44", 2025)
    assert (unconfirmed.percent, unconfirmed.confirmed) == ("1.5", False)
    assert unconfirmed.basis == "依据：粤府令（2010-01-01 施行）；待核实"
    EmploymentRatio.objects.filter(province_code="44").update(confirmed=True)
    assert selectors.employment_ratio("44", 2025).basis == "依据：粤府令（2010-01-01 施行）"
