"""The cross-employer rule is enforced by the database itself, not only by Python: one ``held`` row per
person-month (PlacementMonth.held = selected, not rejected, placement submitted)."""

import threading

import pytest
from django.db import IntegrityError, connection, connections, transaction

from placements.errors import MonthsTakenError
from placements.grid import services
from placements.grid.services import months_select
from placements.models import PlacementMonth
from tests.factories import placements as pf


def _month(p, month=202503, **fields):
    data = {"placement": p, "id_number": p.id_number, "year": p.year, "month": month}
    data.update(fields)
    return PlacementMonth.objects.create(**data)


HELD = {"selected": True, "review_state": "auto", "held": True}


@pytest.mark.django_db
def test_two_units_cannot_hold_the_same_person_month(employer, other_employer):
    a = pf.placement(employer)
    b = pf.placement(other_employer, id_number=a.id_number)
    _month(a, **HELD)
    with pytest.raises(IntegrityError), transaction.atomic():
        _month(b, selected=True, review_state="pending", held=True)


@pytest.mark.django_db
def test_the_constraint_holds_for_raw_sql_too(employer, other_employer):
    a = pf.placement(employer)
    b = pf.placement(other_employer, id_number=a.id_number)
    _month(a, selected=True, review_state="confirmed", held=True)
    row = _month(b, selected=True, review_state="auto")
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {PlacementMonth._meta.db_table} SET held = %s WHERE id = %s", [True, row.pk])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({"selected": True, "review_state": "rejected"}, HELD),
        ({"selected": False, "review_state": "none"}, HELD),
        ({"selected": True, "review_state": "auto"}, HELD),  # a draft (never submitted) holds nothing
        ({"selected": True, "review_state": "pending"}, {"selected": True, "review_state": "auto"}),
    ],
)
def test_rejected_unselected_and_draft_months_hold_nothing(employer, other_employer, first, second):
    a = pf.placement(employer)
    b = pf.placement(other_employer, id_number=a.id_number)
    _month(a, **first)
    _month(b, **second)
    assert PlacementMonth.objects.filter(id_number=a.id_number).count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(("selected", "state"), [(True, "rejected"), (False, "none")])
def test_only_a_selected_month_not_rejected_can_be_held(employer, selected, state):
    with pytest.raises(IntegrityError), transaction.atomic():
        _month(pf.placement(employer), selected=selected, review_state=state, held=True)


@pytest.mark.django_db
def test_the_same_person_in_different_months_is_fine(employer, other_employer):
    a = pf.placement(employer)
    b = pf.placement(other_employer, id_number=a.id_number)
    _month(a, month=202503, **HELD)
    _month(b, month=202504, **HELD)


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
    """Two units register the same person at the same moment: both drafts see the months free, both submit at
    once; the database lets one win and the other is told 已在其他单位登记 (its submit saves nothing)."""
    from tests import factories

    unit_a = factories.employer()
    unit_b = factories.employer(name="上海另一家单位有限公司", region_code="310101")
    a = pf.complete_person(unit_a)
    b = pf.complete_person(unit_b, id_number=a.id_number)
    monkeypatch.setattr(services, "_enqueue_person", lambda *args: None)
    months_select(placement=a, months=[], by=None)  # drafts: neither holds anything yet
    months_select(placement=b, months=[], by=None)

    barrier = threading.Barrier(2, timeout=20)
    real_guard = services._taken_on_conflict

    def wait_then_write(p, newly_held):
        barrier.wait()  # both threads are about to start holding the same twelve months
        return real_guard(p, newly_held)

    monkeypatch.setattr(services, "_taken_on_conflict", wait_then_write)
    outcomes: dict[str, object] = {}

    def register(name, placement):
        try:
            services.placement_submit(placement=placement, by=None)
            outcomes[name] = [m.month for m in PlacementMonth.objects.filter(placement=placement, held=True)]
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
    loser = b if won == ["a"] else a
    loser.refresh_from_db()
    assert not loser.wizard_completed and loser.submitted_at is None  # the refused submit saved nothing
