"""统计分析 agrees with the units' own pages (issue 15: no second definition of a count).

Property: for any set of units spread over two districts, several 行业类别 and 单位性质, each with placements whose
twelve months are in any review state and weight (submitted or still a draft), and some declared (完成申报) —

- the statistics row of each unit (``declarations.statistics.statistics(by="unit")``) equals what the unit's own
  list page reads (``placements.selectors.placement_totals``: 安置登记人数, 安置确认人数, 安置确认 and 安置核定
  months) and what ``placements.counting.year_totals`` computes in Python from the same rows;
- a declared unit's row equals its declaration snapshot (the Submission behind the 审核认定书 and the tax export);
- each unit's levy estimate is what its calculator page computes with its data (无法估算 without staff figures);
- the totals by sub-region, by 行业类别 and by 单位性质 are the same, and each is the sum of the unit rows.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from declarations.models import Declaration
from declarations.services import declaration_declare
from declarations.statistics import statistics, total_row
from levy.calculator import LevyResult, calculate, format_percent
from levy.forms import LevyCalculatorForm
from levy.selectors import calculator_defaults
from levy.services import staff_figures_save
from placements import counting
from placements.models import Placement
from placements.selectors import placement_totals
from tests import factories
from tests.factories import declarations as df
from tests.factories.declarations import SHANGHAI
from tests.factories.placements import PlacementFactory, selected_months

STATES = ("none", "auto", "pending", "confirmed", "rejected")
DISTRICTS = ("110101", "110102")

month_spec = st.tuples(st.sampled_from(STATES), st.integers(1, 4))
placement_spec = st.tuples(st.booleans(), st.lists(month_spec, min_size=12, max_size=12))
unit_spec = st.tuples(
    st.sampled_from(DISTRICTS),
    st.sampled_from("CIP"),
    st.sampled_from(("企业", "机关", "事业单位")),
    st.lists(placement_spec, max_size=4),
    st.booleans(),  # try to declare
    st.one_of(st.none(), st.tuples(st.sampled_from(("20", "100", "1000.5")), st.sampled_from(("5000", "30000")))),
)


def _settled(placements):
    """What a unit that can declare has: every placement submitted, nothing pending, a month registered in each."""
    settled = []
    for _completed, months in placements or [(True, [("auto", 3)] * 12)]:
        months = [("auto" if state == "pending" else state, grade) for state, grade in months]
        if all(state in ("none",) for state, _ in months):
            months[0] = ("auto", months[0][1])
        settled.append((True, months))
    return settled


def _build(spec) -> tuple:
    district, industry, kind, placements, declare, stated = spec
    if declare:
        placements = _settled(placements)
    unit = factories.employer_in(district, industry=industry, unit_kind=kind)
    for completed, months in placements:
        p = PlacementFactory(employer=unit, year=df.YEAR, wizard_step=4 if completed else 2, wizard_completed=completed)
        for m, (state, grade) in enumerate(months, start=1):
            selected_months(
                p,
                [m],
                selected=state != "none",
                review_state=state,
                verified=state == "auto",
                weight=2 if grade <= 2 else 1,
                cert_grade=grade,
                cert_type="残疾人证",
            )
    if declare:
        declaration_declare(employer=unit, year=df.YEAR, by=None)  # a settled unit is never blocked
    if stated is not None:
        _stated(unit, *stated)
    return unit


def _python_totals(unit) -> dict[str, int]:
    placements = Placement.objects.filter(employer=unit, year=df.YEAR).prefetch_related("months")
    return counting.year_totals(
        (p.wizard_completed, [counting.state_of(m) for m in p.months.all()]) for p in placements
    )


class StatisticsAgreeWithTheUnitsPages(TestCase):
    @settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(unit_spec, min_size=1, max_size=5))
    def test_statistics_agree(self, specs):
        with time_machine.travel(datetime(2026, 9, 30, 10, 0, tzinfo=SHANGHAI), tick=False):
            units = [_build(spec) for spec in specs]
            by_unit = {}
            for district in DISTRICTS:
                for row in statistics(scope="11", region=district, year=df.YEAR, by="unit"):
                    by_unit[int(row.key)] = row
            for unit in units:
                row = by_unit[unit.pk]
                page = placement_totals(unit, df.YEAR)
                python = _python_totals(unit)
                result = _calculator(unit)  # the unit's calculator page with its own data
                assert row.levy_payable == (result.payable if result is not None else None)
                assert row.levy_unknown == (0 if result is not None else 1)
                mine = (row.persons, row.persons_counted, row.confirmed, row.approved)
                assert mine == (page["persons"], page["persons_confirmed"], page["confirmed"], page["approved"])
                assert mine == (python["persons"], python["persons_confirmed"], python["confirmed"], python["approved"])
                declaration = Declaration.objects.filter(employer=unit, year=df.YEAR).select_related("current").first()
                assert row.declared == (1 if declaration is not None else 0)
                event("a declared unit" if declaration is not None else "a unit not declared")
                if declaration is not None:
                    snapshot = declaration.current
                    assert (snapshot.confirmed_months, snapshot.approved_months) == (row.confirmed, row.approved)
            units_total = total_row(list(by_unit.values()))
            for by in ("region", "industry", "unit_kind"):
                total = total_row(statistics(scope="11", region="11", year=df.YEAR, by=by))
                assert total.figures() == units_total.figures(), by
                assert (total.levy_cents, total.levy_units, total.staff) == (
                    units_total.levy_cents,
                    units_total.levy_units,
                    units_total.staff,
                ), by


# --- the levy estimate (issue 15: 应缴保障金 as the units' own pages compute it) -------------------------------------


def _calculator(unit) -> LevyResult | None:
    """What the unit's calculator page computes when opened with its own data (levy.views.calculator: the
    defaults of ``levy.selectors.calculator_defaults`` through the form), None when its staff figures are missing."""
    defaults = calculator_defaults(employer=unit, today=timezone.localdate())
    if "staff" not in defaults.initial:
        return None
    data = {key: "" if value is None else str(value) for key, value in defaults.initial.items()}
    form = LevyCalculatorForm({**data, "disabled_wage": "0"}, years=[defaults.business_year])
    assert form.is_valid(), form.errors
    return calculate(form.levy_input())


def _stated(unit, staff: str, wage: str) -> None:
    staff_figures_save(employer=unit, year=df.YEAR, staff_count=Decimal(staff), avg_monthly_wage=Decimal(wage), by=None)


@pytest.fixture
def in_filing_window():
    """Inside the filing window of business year 2025: the units' pages show that year."""
    with time_machine.travel(datetime(2026, 9, 30, 10, 0, tzinfo=SHANGHAI), tick=False):
        yield


@pytest.mark.django_db
def test_levy_estimates_agree_with_the_units_calculator_and_home_page(client, in_filing_window):
    """Beijing 2025 (levy year 2026: 2 × cap, the 50 % / 90 % tiers and the small-enterprise exemption in force):
    above the ratio (0), below at ≥ 1 % (50 %), below 1 % with the wage capped (90 %), a small enterprise (exempt),
    stated figures without placements, and a unit that stated nothing (无法估算, not 0)."""
    factories.EmploymentRatioFactory(province_code="11", year=df.YEAR, ratio_percent=Decimal("1.70"))
    factories.SocialAverageWageFactory(province_code="11", year=df.YEAR, annual_amount=Decimal("120000.00"))
    above = factories.employer_in("110101", name="达标企业", unit_kind="企业", industry="C")
    df.placement(above, weight=2)  # 24 weighted months: 2 persons; 50 × 1.7 % = 0.85 required
    _stated(above, "50", "9000")
    half = factories.employer_in("110101", name="半额机关", unit_kind="机关", industry="P")
    df.placement(half)  # 1 person of 100 staff: 1 %
    df.placement(half, months=range(1, 5), review="rejected")  # does not count
    df.placement(half, months=range(1, 4), review="pending")  # does not count yet
    _stated(half, "100", "10000")
    capped = factories.employer_in("110102", name="上限事业单位", unit_kind="事业单位", industry="P")
    df.placement(capped, months=range(1, 7))  # 0.5 person of 1,000: below 1 %
    _stated(capped, "1000", "30000")  # 360,000 a year > 2 × 120,000
    small = factories.employer_in("110102", name="小微企业", unit_kind="企业", industry="C")
    _stated(small, "25", "8000")  # ≤ 30 staff: exempt
    no_placements = factories.employer_in("110102", name="未安置企业", unit_kind="企业", industry="C")
    _stated(no_placements, "200.5", "7000")
    silent = factories.employer_in("110101", name="未填报单位", unit_kind="企业", industry="C")
    df.placement(silent)

    rows = {}
    for district in DISTRICTS:
        rows.update({int(r.key): r for r in statistics(scope="11", region=district, year=df.YEAR, by="unit")})
    expected = {
        above.pk: Decimal("0.00"),
        half.pk: Decimal("42000.00"),  # (1.7 − 1) × 120,000 × 50 %
        capped.pk: Decimal("3564000.00"),  # (17 − 0.5) × 240,000 × 90 %
        small.pk: Decimal("0.00"),
    }
    for unit in (above, half, capped, small, no_placements):
        row = rows[unit.pk]
        result = _calculator(unit)
        assert row.levy_payable == result.payable, unit.name
        if unit.pk in expected:
            assert row.levy_payable == expected[unit.pk], unit.name
        assert row.actual_ratio_text == format_percent(result.actual_ratio_percent)
        assert row.required_ratio_text == "1.70%"
        assert (row.levy_units, row.levy_unknown) == (1, 0)
        # The home page shows the same estimate (levy.StaffFigures of the year come first there).
        user = factories.employer_user(unit)
        client.force_login(user)
        home = client.get(reverse("dashboard:index"), {"year": df.YEAR}).context["home"]
        assert home.levy.result is not None and home.levy.result.payable == row.levy_payable, unit.name
        # The calculator page itself, opened with the unit's data.
        page = client.get(reverse("levy:calculator"), {"year": df.YEAR, "disabled_wage": "0"})
        assert page.context["result"].payable == row.levy_payable, unit.name
    assert rows[no_placements.pk].levy_payable > 0 and rows[no_placements.pk].persons == 0
    assert rows[small.pk].levy_payable == 0 and _calculator(small).exempt
    assert rows[half.pk].below_required and not rows[above.pk].below_required
    row = rows[silent.pk]
    assert (row.levy_payable, row.levy_units, row.levy_unknown) == (None, 0, 1)
    assert row.actual_ratio_text == "无法估算" and row.required_ratio_text == "1.70%"  # the province's, beside it
    assert _calculator(silent) is None

    # Every breakdown adds up to the sum of the units: Σ 应缴保障金, the units with and without an estimate.
    units_total = total_row(list(rows.values()))
    assert units_total.levy_payable == sum(expected.values()) + rows[no_placements.pk].levy_payable
    assert (units_total.levy_units, units_total.levy_unknown) == (5, 1)
    for by in ("region", "industry", "unit_kind"):
        for region in ("11", "1101"):
            total = total_row(statistics(scope="11", region=region, year=df.YEAR, by=by))
            levy = (total.levy_cents, total.levy_units, total.levy_unknown, total.staff, total.approved_known)
            assert levy == (
                units_total.levy_cents,
                units_total.levy_units,
                units_total.levy_unknown,
                units_total.staff,
                units_total.approved_known,
            ), (by, region)
            assert total.actual_ratio_text == units_total.actual_ratio_text
