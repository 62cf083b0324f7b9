"""The cross-employer rule is enforced by the database itself, not only by Python."""

import threading

import pytest
from django.db import IntegrityError, connection, connections, transaction

from placements import services
from placements.errors import MonthsTakenError
from placements.models import PlacementMonth
from placements.services import months_select
from tests.placements import factories as pf


def _month(p, month=202503, **fields):
    data = {"placement": p, "id_number": p.id_number, "year": p.year, "month": month}
    data.update(fields)
    return PlacementMonth.objects.create(**data)


@pytest.mark.django_db
def test_two_units_cannot_hold_the_same_person_month(employer, other_employer):
    a = pf.placement(employer)
    b = pf.placement(other_employer, id_number=a.id_number)
    _month(a, selected=True, review_state="auto")
    with pytest.raises(IntegrityError), transaction.atomic():
        _month(b, selected=True, review_state="pending")


@pytest.mark.django_db
def test_the_constraint_holds_for_raw_sql_too(employer, other_employer):
    a = pf.placement(employer)
    b = pf.placement(other_employer, id_number=a.id_number)
    _month(a, selected=True, review_state="confirmed")
    row = _month(b)
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {PlacementMonth._meta.db_table} SET selected = %s, review_state = %s WHERE id = %s",
            [True, "auto", row.pk],
        )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({"selected": True, "review_state": "rejected"}, {"selected": True, "review_state": "auto"}),
        ({"selected": False, "review_state": "none"}, {"selected": True, "review_state": "pending"}),
        ({"selected": True, "review_state": "rejected"}, {"selected": True, "review_state": "rejected"}),
    ],
)
def test_rejected_and_unselected_months_hold_nothing(employer, other_employer, first, second):
    a = pf.placement(employer)
    b = pf.placement(other_employer, id_number=a.id_number)
    _month(a, **first)
    _month(b, **second)
    assert PlacementMonth.objects.filter(id_number=a.id_number).count() == 2


@pytest.mark.django_db
def test_the_same_person_in_different_months_is_fine(employer, other_employer):
    a = pf.placement(employer)
    b = pf.placement(other_employer, id_number=a.id_number)
    _month(a, month=202503, selected=True, review_state="auto")
    _month(b, month=202504, selected=True, review_state="auto")


@pytest.mark.django_db
@pytest.mark.parametrize(("selected", "state"), [(True, "none"), (False, "auto"), (False, "rejected")])
def test_a_review_state_exactly_when_selected(employer, selected, state):
    with pytest.raises(IntegrityError), transaction.atomic():
        _month(pf.placement(employer), selected=selected, review_state=state)


@pytest.mark.django_db
def test_one_row_per_placement_and_month(employer):
    p = pf.placement(employer)
    _month(p)
    with pytest.raises(IntegrityError), transaction.atomic():
        _month(p)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections (PostgreSQL)")
def test_two_concurrent_registrations_of_the_same_person_month(monkeypatch):
    """Two units register the same person at the same moment: both see the months free, both write; the
    database lets one win and the other is told 已在其他单位登记."""
    from tests import factories

    unit_a = factories.employer()
    unit_b = factories.employer(name="上海另一家单位有限公司", region_code="310101")
    a = pf.complete_person(unit_a)
    b = pf.complete_person(unit_b, id_number=a.id_number)

    barrier = threading.Barrier(2, timeout=20)
    real_plan = services.plan_selection

    def plan_then_wait(options, requested):
        plan = real_plan(options, requested)  # both threads decide on a grid where every month is free
        barrier.wait()
        return plan

    monkeypatch.setattr(services, "plan_selection", plan_then_wait)
    monkeypatch.setattr(services, "_enqueue_person", lambda *args: None)
    outcomes: dict[str, object] = {}

    def register(name, placement):
        try:
            outcomes[name] = months_select(placement=placement, months=[], by=None).selected
        except MonthsTakenError as exc:
            outcomes[name] = exc
        except Exception as exc:  # noqa: BLE001 — report anything else as a failure below
            outcomes[name] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=register, args=(n, p)) for n, p in (("a", a), ("b", b))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    won = [n for n, r in outcomes.items() if isinstance(r, list)]
    lost = [r for r in outcomes.values() if isinstance(r, MonthsTakenError)]
    assert len(won) == 1 and len(lost) == 1, outcomes
    assert outcomes[won[0]] == [202500 + m for m in range(1, 13)]
    assert lost[0].months == [202500 + m for m in range(1, 13)]
    assert "已在其他单位登记" in lost[0].message
    held = PlacementMonth.objects.held().filter(id_number=a.id_number)
    assert held.count() == 12
    assert set(held.values_list("placement_id", flat=True)) == {(a if won == ["a"] else b).pk}
