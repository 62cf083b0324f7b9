"""统计分析 agrees with the units' own pages (issue 15: no second definition of a count).

Property: for any set of units spread over two districts, several 行业类别 and 单位性质, each with placements whose
twelve months are in any review state and weight (submitted or still a draft), and some declared (完成申报) —

- the statistics row of each unit (``declarations.statistics.statistics(by="unit")``) equals what the unit's own
  list page reads (``placements.selectors.placement_totals``: 安置登记人数, 安置确认人数, 安置确认 and 安置核定
  months) and what ``placements.counting.year_totals`` computes in Python from the same rows;
- a declared unit's row equals its declaration snapshot (the Submission behind the 审核认定书 and the tax export);
- the totals by sub-region, by 行业类别 and by 单位性质 are the same, and each is the sum of the unit rows.
"""

from __future__ import annotations

from datetime import datetime

import time_machine
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from declarations.models import Declaration
from declarations.services import declaration_declare
from declarations.statistics import statistics, total_row
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
    district, industry, kind, placements, declare = spec
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
                mine = (row.persons, row.persons_counted, row.confirmed, row.approved)
                assert mine == (page["persons"], page["persons_confirmed"], page["confirmed"], page["approved"])
                assert mine == (python["persons"], python["persons_confirmed"], python["confirmed"], python["approved"])
                declaration = Declaration.objects.filter(employer=unit, year=df.YEAR).select_related("current").first()
                assert row.declared == (1 if declaration is not None else 0)
                event("a declared unit" if declaration is not None else "a unit not declared")
                if declaration is not None:
                    snapshot = declaration.current
                    assert (snapshot.confirmed_months, snapshot.approved_months) == (row.confirmed, row.approved)
            units_total = total_row(list(by_unit.values())).figures()
            for by in ("region", "industry", "unit_kind"):
                rows = statistics(scope="11", region="11", year=df.YEAR, by=by)
                assert total_row(rows).figures() == units_total, by
