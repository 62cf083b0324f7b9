"""levy.estimate and levy.statistics: the levy estimate 统计分析 stores per unit (issue 15) — the calculator's
payable, its inputs' key, the units that get one, and the hook the levy app registers with the summary at app
ready."""

from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from declarations.statistics_summary import LevyFigures, levy_estimator
from levy import statistics as levy_statistics
from levy.calculator import LevyInput, LevyInputError, calculate
from levy.estimate import input_key, payable
from levy.services import staff_figures_save
from levy.statistics import estimate_units
from tests import factories

money = st.decimals(min_value=0, max_value=100000, places=2, allow_nan=False, allow_infinity=False)
inputs = st.builds(
    LevyInput,
    staff_count=st.decimals(min_value=-1, max_value=20000, places=2, allow_nan=False, allow_infinity=False),
    ratio_percent=st.decimals(min_value=0, max_value=5, places=2, allow_nan=False, allow_infinity=False),
    avg_monthly_wage=money,
    disabled_monthly_wage=money,
    severe_person_months=st.integers(0, 3000),
    other_person_months=st.integers(0, 3000),
    unit_kind=st.sampled_from(("企业", "机关", "事业单位", "其他")),
    social_avg_annual_wage=st.one_of(st.none(), st.decimals(min_value=1, max_value=500000, places=2)),
    year=st.integers(2010, 2032),  # before, across and after every rule's period (and refused years)
)


@settings(max_examples=400, deadline=None)
@given(inputs)
def test_payable_is_the_calculators(data):
    try:
        expected = calculate(data).payable
    except LevyInputError as exc:
        with pytest.raises(LevyInputError) as caught:
            payable(data)
        assert caught.value.errors == exc.errors
        return
    assert payable(data) == expected


def test_the_key_changes_with_every_input():
    base = LevyInput(
        staff_count=Decimal("100"),
        ratio_percent=Decimal("1.5"),
        avg_monthly_wage=Decimal("8000"),
        disabled_monthly_wage=Decimal(0),
        severe_person_months=2,
        other_person_months=3,
        unit_kind="企业",
        social_avg_annual_wage=Decimal("120000"),
        year=2026,
    )
    changes = {
        "staff_count": Decimal("101"),
        "ratio_percent": Decimal("1.7"),
        "avg_monthly_wage": Decimal("8001"),
        "severe_person_months": 3,
        "other_person_months": 4,
        "unit_kind": "机关",
        "social_avg_annual_wage": None,
        "year": 2027,
    }
    keys = {input_key(base)}
    for field, value in changes.items():
        keys.add(input_key(replace(base, **{field: value})))
    assert len(keys) == len(changes) + 1
    # 残疾员工月薪 changes the calculator's cost and savings, never the payable: not part of the key.
    assert input_key(replace(base, disabled_monthly_wage=Decimal(5000))) == input_key(base)


def test_the_levy_app_registers_its_estimator_with_the_summary():
    assert levy_estimator() is estimate_units


@pytest.mark.django_db
def test_units_with_stated_figures_get_an_estimate_the_others_none(monkeypatch):
    factories.EmploymentRatioFactory(province_code="11", year=2025, ratio_percent=Decimal("1.70"))
    stated = factories.employer_in("110101", unit_kind="机关")
    staff_figures_save(
        employer=stated, year=2025, staff_count=Decimal("100"), avg_monthly_wage=Decimal("10000"), by=None
    )
    other_year = factories.employer_in("110101")
    staff_figures_save(
        employer=other_year, year=2024, staff_count=Decimal("100"), avg_monthly_wage=Decimal("10000"), by=None
    )
    elsewhere = factories.employer_in("310101")
    staff_figures_save(
        employer=elsewhere, year=2025, staff_count=Decimal("100"), avg_monthly_wage=Decimal("10000"), by=None
    )
    factories.employer_in("110101")  # nothing stated

    out = estimate_units(year=2025, region="11", months={stated.pk: (0, 12)}, known={})
    assert set(out) == {stated.pk}  # not the other year's figures, not another province's unit
    figures = out[stated.pk]
    # (1.7 − 1) × 120,000 × 50 % (no social wage set: no cap)
    assert figures == LevyFigures(figures.key, Decimal("100.00"), Decimal("1.70"), 4_200_000)
    # The same inputs again: nothing to compute.
    assert estimate_units(year=2025, region="11", months={stated.pk: (0, 12)}, known={stated.pk: figures.key}) == {
        stated.pk: None
    }
    # Other months: another key, another estimate.
    again = estimate_units(year=2025, region="", months={stated.pk: (1, 12)}, known={stated.pk: figures.key})
    assert again[stated.pk].key != figures.key
    assert again[stated.pk].levy_cents == 3_200_000  # (1.7 − 14 / 12) × 120,000 × 50 %
    assert set(again) == {stated.pk, elsewhere.pk}  # the whole country

    # Figures the calculator refuses (a business year before its first levy year): 无法估算, not 0.
    monkeypatch.setattr(levy_statistics, "levy_year_for", lambda year: 1990)
    refused = estimate_units(year=2025, region="110101", months={}, known={})
    assert refused[stated.pk] == LevyFigures(refused[stated.pk].key)
    assert refused[stated.pk].levy_cents is None
