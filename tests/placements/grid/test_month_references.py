"""The month table's references to its placement and to the deciding reviewer are kept by triggers, not foreign-key
constraints (migration placements.0011; docs/adr/0001-month-grid.md, session 8): whoever writes — the ORM, raw SQL,
the recompute's COPY — no month row can name a missing placement or account, and none outlives its placement."""

import threading
import time

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, connections, transaction
from django.utils import timezone

from placements.grid.recompute import DEFAULT_COLUMNS, DEFAULT_VALUES, ROW_COLUMNS, grid_recompute_many
from placements.models import Placement, PlacementMonth
from tests.factories import placements as pf

TABLE = PlacementMonth._meta.db_table
TRIGGERS = {
    "placementmonth_refs_insert",
    "placementmonth_refs_update",
    "placement_months_delete",
    "placement_key_update",
    "placements_user_decisions_clear",
}
MISSING = 987_654_321  # an id no row has


def _month(p, month=202503, **fields):
    data = {"placement": p, "id_number": p.id_number, "year": p.year, "month": month}
    data.update(fields)
    return PlacementMonth.objects.create(**data)


def _insert_raw(cursor, placement_id, id_number, months, decided_by_id=None):
    """A multi-row INSERT of the columns the recompute writes, with ``decided_by_id``."""
    columns = (*ROW_COLUMNS, *DEFAULT_COLUMNS, "decided_by_id")
    now = timezone.now()
    checks = (False,) * 8 + ("", False, "", None, "", 0)  # the CHECK_COLUMNS
    rows = [(placement_id, id_number, 2025, m, *checks, now, now, *DEFAULT_VALUES, decided_by_id) for m in months]
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    cursor.execute(
        f"INSERT INTO {TABLE} ({', '.join(columns)}) VALUES {', '.join([one] * len(rows))}",
        [v for row in rows for v in row],
    )


@pytest.mark.django_db
def test_the_triggers_are_installed():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        names = {name for (name,) in cursor.fetchall()}
    assert names >= TRIGGERS
    # …and no foreign-key constraint checks the month rows one by one any more.
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, TABLE)
    assert not [name for name, c in constraints.items() if c["foreign_key"]]


@pytest.mark.django_db
def test_a_month_of_a_missing_placement_is_refused(employer):
    p = pf.placement(employer)
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        _insert_raw(cursor, MISSING, p.id_number, [202501])
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        # One bad row among good ones refuses the whole statement.
        _insert_raw(cursor, p.pk, p.id_number, [202501, 202502])
        _insert_raw(cursor, MISSING, p.id_number, [202503])
    assert not PlacementMonth.objects.filter(placement_id__in=[p.pk, MISSING]).exists()
    with connection.cursor() as cursor:
        _insert_raw(cursor, p.pk, p.id_number, [202501, 202502])
    assert PlacementMonth.objects.filter(placement=p).count() == 2


@pytest.mark.django_db
def test_a_decision_by_a_missing_account_is_refused(employer, django_user_model):
    p = pf.placement(employer)
    reviewer = django_user_model.objects.create_user("reviewer-refs", password="x" * 12)
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        _insert_raw(cursor, p.pk, p.id_number, [202501], decided_by_id=MISSING)
    month = _month(p, selected=True, review_state="confirmed", decided_by=reviewer)
    with pytest.raises(IntegrityError), transaction.atomic():
        PlacementMonth.objects.filter(pk=month.pk).update(decided_by_id=MISSING)
    with pytest.raises(IntegrityError), transaction.atomic():
        PlacementMonth.objects.filter(pk=month.pk).update(placement_id=MISSING)
    month.refresh_from_db()
    assert (month.placement_id, month.decided_by_id) == (p.pk, reviewer.pk)
    PlacementMonth.objects.filter(pk=month.pk).update(decided_by=None)  # clearing a decision is fine


@pytest.mark.django_db
def test_deleting_a_placement_deletes_its_months_whoever_deletes(employer, other_employer):
    a, b = pf.placement(employer), pf.placement(other_employer)
    for p in (a, b):
        _month(p, month=202501)
        _month(p, month=202502)
    with connection.cursor() as cursor:  # raw SQL: the ORM's CASCADE is not there to help
        cursor.execute(f"DELETE FROM {Placement._meta.db_table} WHERE id = %s", [a.pk])
    assert not PlacementMonth.objects.filter(placement_id=a.pk).exists()
    assert PlacementMonth.objects.filter(placement=b).count() == 2
    b.delete()  # the ORM deletes the months first; the trigger then finds none
    assert not PlacementMonth.objects.exists()


@pytest.mark.django_db
def test_a_placement_with_months_keeps_its_id(employer):
    p = pf.placement(employer)
    _month(p)
    with pytest.raises(IntegrityError), transaction.atomic():
        Placement.objects.filter(pk=p.pk).update(id=MISSING)


@pytest.mark.django_db
def test_deleting_an_account_clears_its_decisions(employer, django_user_model):
    p = pf.placement(employer)
    kept = django_user_model.objects.create_user("reviewer-kept", password="x" * 12)
    gone = django_user_model.objects.create_user("reviewer-gone", password="x" * 12)
    a = _month(p, month=202501, selected=True, review_state="confirmed", decided_by=gone)
    b = _month(p, month=202502, selected=True, review_state="rejected", decided_by=kept)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {get_user_model()._meta.db_table} WHERE id = %s", [gone.pk])
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.decided_by_id, a.review_state) == (None, "confirmed")  # the decision stays; its author is gone
    assert b.decided_by_id == kept.pk
    kept.delete()  # the ORM's SET_NULL
    b.refresh_from_db()
    assert b.decided_by_id is None


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the COPY path is PostgreSQL's")
def test_the_recompute_copy_of_a_placement_deleted_meanwhile_is_refused(employer, minimum_wage):
    p = pf.complete_person(employer)
    PlacementMonth.objects.filter(placement=p).delete()
    from placements.grid import recompute

    with connection.cursor() as cursor:
        stamp = "2026-12-06 00:00:00+00"
        grids = [(pf_ref, recompute.evaluate_year(facts)) for pf_ref, facts in _facts_of(p)]
        Placement.objects.filter(pk=p.pk).delete()  # with its contract and certificate (their own foreign keys)
        lines = recompute._copy_lines(grids, f"\t{stamp}\t{stamp}\tf\tnone\t0\tf\t")
        columns = ", ".join(recompute.STAGE_COLUMNS + recompute.TIME_COLUMNS + recompute.DEFAULT_COLUMNS)
        with pytest.raises(IntegrityError), transaction.atomic(), cursor.db.wrap_database_errors:
            cursor.copy_expert(f"COPY {TABLE} ({columns}) FROM STDIN", lines)
    assert not PlacementMonth.objects.filter(placement_id=p.pk).exists()


def _facts_of(p):
    from placements.grid.facts import facts_for_placements

    facts = facts_for_placements([p])
    return [(p, facts[p.pk])]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections (PostgreSQL)")
def test_a_placement_deleted_while_its_months_are_written_takes_them_along():
    """A recompute writes a placement's months while a clerk deletes the placement: the delete waits for the
    recompute's transaction (the trigger locked the placement as a foreign key would) and then deletes the rows it
    committed. No month row outlives its placement."""
    from tests import factories

    unit = factories.employer()
    p = pf.placement(unit)
    written, deleted = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def write():
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                _insert_raw(cursor, p.pk, p.id_number, [202500 + m for m in range(1, 13)])
                written.set()
                outcome["delete finished while the write was open"] = deleted.wait(timeout=1.5)
        except Exception as exc:  # noqa: BLE001 — reported below
            outcome["write"] = exc
        finally:
            written.set()
            connections.close_all()

    writer = threading.Thread(target=write)
    writer.start()
    assert written.wait(timeout=20)
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {Placement._meta.db_table} WHERE id = %s", [p.pk])
    deleted.set()
    writer.join(timeout=30)
    assert "write" not in outcome, outcome
    assert outcome["delete finished while the write was open"] is False
    assert time.monotonic() - started >= 1.0  # it waited for the writer's commit
    assert not Placement.objects.filter(pk=p.pk).exists()
    assert not PlacementMonth.objects.filter(placement_id=p.pk).exists()


@pytest.mark.django_db
def test_a_year_recompute_still_writes_every_month(employer, minimum_wage):
    people = [pf.complete_person(employer) for _ in range(3)]
    PlacementMonth.objects.all().delete()
    done = grid_recompute_many(placements_qs=Placement.objects.filter(pk__in=[p.pk for p in people]), pipeline=False)
    assert done == 3
    assert PlacementMonth.objects.count() == 36


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite drops a table's triggers when Django rebuilds it")
def test_sqlite_triggers_lost_with_a_rebuilt_table_come_back_after_migrate(employer):
    from placements.month_references import ensure_sqlite_triggers

    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER placementmonth_refs_insert")  # as a table rebuild would
    assert ensure_sqlite_triggers() == ["placementmonth_refs_insert"]
    assert ensure_sqlite_triggers() == []
    p = pf.placement(employer)
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        _insert_raw(cursor, MISSING, p.id_number, [202501])


def test_the_triggers_are_created_again_by_every_migrate():
    from django.db.models.signals import post_migrate

    from placements.month_references import on_post_migrate

    assert on_post_migrate in [r[1]() for r in post_migrate.receivers if r[1]() is not None]
