"""The facts selector: what it gathers and in how many queries."""

from datetime import date

import pytest

from placements.grid.facts import facts_for_placements
from placements.grid.recompute import grid_recompute
from placements.grid.rules import months_mask
from placements.models import Placement, PlacementMonth
from tests.factories import placements as pf

pytestmark = pytest.mark.django_db


def _placement_with(employer, n_contracts: int) -> Placement:
    p = pf.placement(employer)
    unit = pf.related_unit(employer)
    for i in range(n_contracts):
        pf.contract(
            p,
            contract_type="fixed_term",
            start=date(2020 + i, 1, 1),
            end=date(2030 + i, 12, 31),
            wage_unit=unit if i % 2 else None,
            pension_unit=unit if i % 3 == 2 else None,
        )
    pf.registry_cert(p.id_number)
    pf.monthly_facts(p.id_number, employer.uscc)
    pf.monthly_facts(p.id_number, unit.uscc, pension=False, medical=False)
    pf.min_wage("11")
    return p


@pytest.mark.parametrize("n_contracts", [1, 5])
def test_one_grid_in_a_bounded_number_of_queries(employer, django_assert_max_num_queries, n_contracts):
    p = _placement_with(employer, n_contracts)
    fresh = Placement.objects.get(pk=p.pk)  # employer not loaded: one more query
    with django_assert_max_num_queries(6):
        facts = facts_for_placements([fresh])[fresh.pk]
    assert len(facts.contracts) == n_contracts
    assert len(facts.wages) == 12
    fresh = Placement.objects.get(pk=p.pk)
    with django_assert_max_num_queries(8):
        grid_recompute(placement=fresh)
    assert PlacementMonth.objects.filter(placement=p).count() == 12
    loaded = Placement.objects.select_related("employer").get(pk=p.pk)
    with django_assert_max_num_queries(5):
        facts_for_placements([loaded])[loaded.pk]


def test_a_batch_of_placements_costs_the_same_queries_as_one(employer, django_assert_num_queries):
    placements = []
    for _ in range(20):
        placements.append(_placement_with(employer, 2))
    batch = list(Placement.objects.select_related("employer").filter(pk__in=[p.pk for p in placements]))
    with django_assert_num_queries(5):
        facts = facts_for_placements(batch)
    assert len(facts) == 20
    with django_assert_num_queries(5):
        facts_for_placements(batch[:1])


def test_facts_resolve_paying_units_certificates_and_holdings(employer, other_employer):
    unit = pf.related_unit(employer)
    p = pf.placement(employer, retirement_baseline="")
    pf.contract(p, wage_unit=unit, is_dispatched=True, contract_type="dispatch", review_state="rejected")
    pf.registry_cert(p.id_number, grade=3)
    pf.registry_cert(p.id_number, grade=1, status="注销", cert_no=p.id_number + "41B1")
    p.hand_certificates.create(
        cert_no=p.id_number + "42",
        cert_type="残疾人证",
        valid_from=date(2019, 1, 1),
        valid_to=date(2021, 1, 1),
        grade=2,
        category=4,
        review_state="pending",
    )
    pf.monthly_facts(p.id_number, unit.uscc, months=[1, 2], wage="2500.50", pension=False, medical=False)
    pf.monthly_facts(p.id_number, employer.uscc, months=[3])
    pf.monthly_facts(p.id_number, employer.uscc, year=2024, months=[12])
    other = pf.placement(other_employer, id_number=p.id_number)
    PlacementMonth.objects.create(
        placement=other, id_number=p.id_number, year=2025, month=202505, selected=True, review_state="auto", held=True
    )
    PlacementMonth.objects.create(
        placement=other, id_number=p.id_number, year=2025, month=202506, selected=True, review_state="rejected"
    )

    facts = facts_for_placements([p])[p.pk]

    (c,) = facts.contracts
    assert (c.wage_unit, c.pension_unit, c.medical_unit) == (unit.uscc, employer.uscc, employer.uscc)
    assert c.is_dispatched and c.rejected
    assert sorted((x.grade, x.state) for x in facts.certificates) == [(1, "cancelled"), (2, "pending"), (3, "valid")]
    assert facts.wages[202501] == {unit.uscc: 250050}  # in fen
    assert 202412 not in facts.wages
    assert facts.pension == {employer.uscc: months_mask([202503])}
    assert facts.taken_months == frozenset({202505})  # a rejected month holds nothing
    assert facts.birth_date == date(1985, 6, 15) and facts.gender == "男"


def test_minimum_wage_resolved_for_the_employers_registration_region(employer):
    # employer's registration region is 110101 (tests.factories)
    pf.min_wage("11", "2420.00", date(2024, 9, 1))
    pf.min_wage("110101", "2500.00", date(2025, 4, 1))
    pf.min_wage("110102", "9999.00", date(2025, 1, 1))
    pf.min_wage("1101", "2480.00", date(2025, 7, 15))
    p = pf.placement(employer)
    facts = facts_for_placements([p])[p.pk]
    assert facts.min_wages[202503] == 242000  # in fen, as the wages
    assert facts.min_wages[202504] == 250000
    assert facts.min_wages[202508] == 250000
