"""dashboard.levy_estimate.calculated and dashboard.selectors.folded_figures: the home page's levy estimate and
month fold kept per input (issue 16). Both are pure functions of their inputs (and the rules in code), so a kept
result must be the function's own, field for field and written the same (Decimal("1.5") and Decimal("1.50"), True
and 1 are kept apart), and a refused input is never kept."""

from dataclasses import replace
from decimal import Decimal

import pytest

from dashboard import levy_estimate, selectors
from levy.calculator import LevyInput, LevyInputError, calculate


def _input(**changes) -> LevyInput:
    data = LevyInput(
        staff_count=Decimal("120"),
        ratio_percent=Decimal("1.5"),
        avg_monthly_wage=Decimal("8000.00"),
        disabled_monthly_wage=Decimal("4500"),
        severe_person_months=6,
        other_person_months=10,
        unit_kind="企业",
        social_avg_annual_wage=Decimal("120000.00"),
        year=2026,
    )
    return replace(data, **changes)


INPUTS = [
    _input(),
    _input(ratio_percent=Decimal("1.50")),  # equal to the first, written otherwise
    _input(ratio_percent=Decimal("1.7"), year=2020),
    _input(social_avg_annual_wage=None),
    _input(staff_count=Decimal("25"), severe_person_months=0, other_person_months=0),  # small-enterprise rules
    _input(staff_count=Decimal("3000.5"), avg_monthly_wage=Decimal("30000"), unit_kind="事业单位", year=2017),
    _input(severe_person_months=48, other_person_months=24, year=2019),
]


@pytest.fixture(autouse=True)
def empty():
    levy_estimate._CALCULATED.clear()
    yield
    levy_estimate._CALCULATED.clear()


def test_kept_results_are_the_calculators():
    for _ in range(2):  # computed, then kept
        for data in INPUTS:
            got, want = levy_estimate.calculated(data), calculate(data)
            assert repr(got) == repr(want)
            assert got == want
    assert levy_estimate.calculated(INPUTS[0]) is levy_estimate.calculated(INPUTS[0])
    assert levy_estimate.calculated(INPUTS[0]) is not levy_estimate.calculated(INPUTS[1])  # 1.5 and 1.50 kept apart
    assert "1.50" in repr(levy_estimate.calculated(INPUTS[1]).input) and "1.50" not in repr(
        levy_estimate.calculated(INPUTS[0]).input
    )
    assert len(levy_estimate._CALCULATED) == len(INPUTS)


def test_a_refused_input_is_not_kept():
    with pytest.raises(LevyInputError):
        calculate(_input(staff_count=Decimal("-1")))
    with pytest.raises(LevyInputError):
        levy_estimate.calculated(_input(staff_count=Decimal("-1")))
    assert not levy_estimate._CALCULATED


def test_kept_results_are_bounded(monkeypatch):
    monkeypatch.setattr(levy_estimate._CALCULATED, "size", 3)
    for months in range(6):
        levy_estimate.calculated(_input(other_person_months=months))
    assert len(levy_estimate._CALCULATED) == 3
    assert levy_estimate.calculated(_input(other_person_months=5)) == calculate(_input(other_person_months=5))


# --- the fold of the year's months (dashboard.selectors.folded_figures) ---------------------------------------------


def _month_rows(year: int, shift: int) -> list[tuple]:
    """Grouped rows as month_rows reads them: (YYYYMM, review_state, weight, evidence_missing, count)."""
    states = ("auto", "confirmed", "pending", "rejected", "none")
    return [
        (year * 100 + month, state, 1 + (month + shift) % 2, (month + i) % 3 == 0, 1 + (month * 7 + i + shift) % 5)
        for month in range(1, 13)
        for i, state in enumerate(states)
        if (month + i + shift) % 4
    ]


def test_kept_figures_are_the_folds():
    from dashboard import rules

    selectors._FIGURES.clear()
    cases = [(40, 31, _month_rows(2025, shift)) for shift in range(4)] + [(0, 0, []), (3, 0, _month_rows(2024, 1))]
    for _ in range(2):
        for persons, confirmed, rows in cases:
            got = selectors.folded_figures(persons, confirmed, rows)
            assert got == rules.year_figures(persons, confirmed, rows)
            assert repr(got) == repr(rules.year_figures(persons, confirmed, rows))
    assert len(selectors._FIGURES) == len(cases)
    persons, confirmed, rows = cases[0]
    assert selectors.folded_figures(persons, confirmed, rows) is selectors.folded_figures(
        persons, confirmed, list(rows)
    )
    as_ints = [(k, s, w, int(m), n) for k, s, w, m, n in rows]  # 1 for True: another key, the same fold
    assert selectors.folded_figures(persons, confirmed, as_ints) is not selectors.folded_figures(
        persons, confirmed, rows
    )
    assert selectors.folded_figures(persons, confirmed, as_ints) == rules.year_figures(persons, confirmed, as_ints)
    selectors._FIGURES.clear()


def test_kept_figures_are_bounded(monkeypatch):
    monkeypatch.setattr(selectors._FIGURES, "size", 2)
    selectors._FIGURES.clear()
    for shift in range(5):
        selectors.folded_figures(10, 5, _month_rows(2025, shift))
    assert len(selectors._FIGURES) == 2
    selectors._FIGURES.clear()
