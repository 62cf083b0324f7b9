"""Totals and list rows: aggregates over PlacementMonth in one query, the status as the pure rules compute it."""

import random

import pytest

from placements.counting import MEASURE_NAMES, count_months, placement_status, state_of, year_totals
from placements.models import Placement, PlacementMonth
from placements.selectors import placement_list_rows, placement_totals
from tests.factories import placements as pf

pytestmark = pytest.mark.django_db
STATES = ["none", "auto", "pending", "confirmed", "rejected"]


def _random_placement(employer, rng: random.Random) -> Placement:
    p = pf.placement(employer, wizard_completed=rng.random() > 0.2)
    rows = []
    for m in range(1, 13):
        state = rng.choice(STATES)
        rows.append(
            PlacementMonth(
                placement=p,
                id_number=p.id_number,
                year=p.year,
                month=202500 + m,
                selected=state != "none",
                review_state=state,
                weight=rng.choice([1, 2]),
                evidence_missing=state == "pending" and rng.random() < 0.3,
                cert_no=f"{p.id_number}4{m % 4 + 1}",
            )
        )
    PlacementMonth.objects.bulk_create(rows)
    return p


def _months(p: Placement):
    return [state_of(m) for m in PlacementMonth.objects.filter(placement=p)]


def _expected(p: Placement):
    months = _months(p)
    return placement_status(completed=p.wizard_completed, months=months), count_months(months)


def test_sql_status_and_counts_agree_with_the_pure_rules(employer):
    rng = random.Random(7)
    placements = [_random_placement(employer, rng) for _ in range(60)]
    # Some fixed shapes so every status occurs.
    for states in (["auto"] * 3, ["auto", "confirmed"], ["rejected"] * 2, ["auto", "rejected"], ["pending", "auto"]):
        p = pf.placement(employer, wizard_completed=True)
        PlacementMonth.objects.bulk_create(
            PlacementMonth(
                placement=p, id_number=p.id_number, year=2025, month=202501 + i, selected=True, review_state=s
            )
            for i, s in enumerate(states)
        )
        placements.append(p)
    rows = {r.pk: r for r in placement_list_rows(employer, 2025)}
    seen = set()
    for p in placements:
        status, t = _expected(p)
        row = rows[p.pk]
        assert row.status == status
        assert (row.n_registered, row.n_confirmed, row.n_approved, row.n_rejected) == (
            t["registered"],
            t["confirmed"],
            t["approved"],
            t["rejected"],
        )
        seen.add(status)
    assert seen == {"incomplete", "pending", "approved_system", "approved_manual", "partially_rejected", "rejected"}


def test_totals_and_counters_in_one_query(employer, other_employer, django_assert_num_queries):
    rng = random.Random(3)
    placements = [_random_placement(employer, rng) for _ in range(20)]
    _random_placement(other_employer, rng)
    with django_assert_num_queries(1):
        result = placement_totals(employer, 2025)
    expected = [_expected(p) for p in placements]
    year = year_totals((p.wizard_completed, _months(p)) for p in placements)
    assert result["persons"] == 20
    for name in ("persons_confirmed", "registered", "confirmed", "approved", "rejected"):
        assert result[name] == year[name]
    for status in ("incomplete", "pending", "approved_system", "approved_manual", "partially_rejected", "rejected"):
        assert result[f"status_{status}"] == sum(1 for s, _ in expected if s == status)


def test_totals_of_an_empty_year(employer):
    assert placement_totals(employer, 2030) == {
        "persons": 0,
        "persons_confirmed": 0,
        "registered": 0,
        "confirmed": 0,
        "approved": 0,
        "rejected": 0,
        "status_incomplete": 0,
        "status_pending": 0,
        "status_approved_system": 0,
        "status_approved_manual": 0,
        "status_partially_rejected": 0,
        "status_rejected": 0,
    }


@pytest.mark.parametrize("n", [1, 50])
def test_list_rows_in_one_query_whatever_their_number(employer, django_assert_num_queries, n):
    rng = random.Random(n)
    for _ in range(n):
        _random_placement(employer, rng)
    with django_assert_num_queries(1):
        rows = list(placement_list_rows(employer, 2025))
    assert len(rows) == n
    assert all(r.cert_no.startswith(r.id_number) for r in rows)


def test_list_search_and_status_filter(employer, other_employer):
    p = pf.placement(employer, name="王秀英")
    pf.placement(employer, name="李强")
    pf.placement(other_employer, name="王秀英")
    assert [r.pk for r in placement_list_rows(employer, 2025, search="秀英")] == [p.pk]
    assert [r.pk for r in placement_list_rows(employer, 2025, search=p.id_number.lower())] == [p.pk]
    assert list(placement_list_rows(employer, 2025, search="%")) == []
    assert len(placement_list_rows(employer, 2025, status="incomplete")) == 2
    assert list(placement_list_rows(employer, 2025, search="王" * 10_000)) == []


def test_state_named_querysets(employer):
    done = pf.placement(employer, wizard_completed=True)
    PlacementMonth.objects.create(
        placement=done, id_number=done.id_number, year=2025, month=202501, selected=True, review_state="auto"
    )
    draft = pf.placement(employer)
    qs = Placement.objects.of(employer, 2025)
    assert list(qs.approved()) == [done]
    assert list(qs.blocking_declaration()) == [draft]
    assert PlacementMonth.objects.confirmed().count() == 1
    totals = PlacementMonth.objects.filter(placement=done).totals()
    assert set(totals) == set(MEASURE_NAMES)
    assert (totals["registered"], totals["confirmed"], totals["approved"], totals["rejected"]) == (1, 1, 0, 0)
