"""Recomputing grids on a small realistic unit, and what new facts do to registered months."""

import gc
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from feeds.models import WageRecord
from placements.grid import marks as grid_marks
from placements.grid import recompute
from placements.grid.checks import reason_texts
from placements.grid.recompute import grid_recompute, grid_recompute_many, grids_recompute_for_persons
from placements.grid.services import months_evidence_record, months_select, placement_submit
from placements.grid.tasks import recompute_persons
from placements.models import GridChange, Placement, PlacementMonth
from tests.factories import placements as pf

pytestmark = pytest.mark.django_db


def grid(p) -> dict[int, PlacementMonth]:
    return {m.month % 100: m for m in PlacementMonth.objects.filter(placement=p)}


def status(p) -> str:
    return Placement.objects.with_status().get(pk=p.pk).status


@pytest.fixture
def unit(employer):
    """A unit in 110101 (Beijing) with a subsidiary; Beijing's minimum wage rises from July in the city."""
    pf.min_wage("11", "2420.00", date(2024, 9, 1))
    pf.min_wage("1101", "2540.00", date(2025, 7, 1))
    return employer


def test_a_small_unit_with_realistic_gaps(unit):
    subsidiary = pf.related_unit(unit)
    # A: 二级, wages under the minimum in March, in August (after the rise) and by one fen in September, no pension in
    # June.
    a = pf.placement(unit)
    pf.contract(a)
    pf.registry_cert(a.id_number, grade=2)
    wages = {**dict.fromkeys(range(1, 13), "2600.00"), 3: "2400.00", 8: "2500", 9: "2539.99"}
    pf.monthly_facts(a.id_number, unit.uscc, wage=wages)
    WageRecord.objects.filter(id_number=a.id_number, month=202507).update(amount="2540.00")
    from feeds.models import PensionContribution

    PensionContribution.objects.filter(id_number=a.id_number, month=202506).delete()
    # B: 残疾军人证 三级, a woman worker born 1975-06 (retires at 50y3m, 2025-09-10), paid by the subsidiary.
    b = pf.placement(unit, id_number=pf.person_id(date(1975, 6, 10), male=False), retirement_baseline="worker50")
    pf.contract(b, contract_type="fixed_term", start=date(2024, 1, 1), end=date(2026, 12, 31), wage_unit=subsidiary)
    pf.registry_cert(b.id_number, cert_type="残疾军人证", grade=3)
    pf.monthly_facts(b.id_number, unit.uscc, wage={})
    pf.monthly_facts(b.id_number, subsidiary.uscc, wage="5000.00", pension=False, medical=False)
    # C: a hand-added, approved 三级 certificate from 2025-03-20, a ten-month contract.
    c = pf.placement(unit)
    pf.contract(c, contract_type="fixed_term", start=date(2025, 3, 1), end=date(2025, 12, 31))
    c.hand_certificates.create(
        cert_no=c.id_number + "43",
        cert_type="残疾人证",
        valid_from=date(2025, 3, 20),
        valid_to=date(2030, 3, 19),
        grade=3,
        category=4,
        review_state="approved",
    )
    pf.monthly_facts(c.id_number, unit.uscc, months=range(3, 13))

    assert grid_recompute_many(placements_qs=Placement.objects.all(), chunk=2) == 3

    ga = grid(a)
    assert [m for m, row in ga.items() if not row.verified] == [3, 6, 8, 9]
    assert reason_texts(ga[3].reasons) == ["工资低于最低工资标准"]
    assert reason_texts(ga[6].reasons) == ["未参保"]
    assert reason_texts(ga[8].reasons) == ["工资低于最低工资标准"]
    assert reason_texts(ga[9].reasons) == ["工资低于最低工资标准"]  # one fen short
    assert ga[7].wage_ok  # exactly the new minimum
    assert {row.weight for row in ga.values()} == {2}

    gb = grid(b)
    assert [m for m, row in gb.items() if row.verified] == list(range(1, 10))
    assert all(reason_texts(gb[m].reasons) == ["已达法定退休年龄"] for m in (10, 11, 12))
    assert (gb[1].cert_type, gb[1].cert_grade, gb[1].weight) == ("残疾军人证", 3, 2)

    gc = grid(c)
    assert reason_texts(gc[1].reasons) == ["无工资发放记录", "未参保", "未参保", "残疾证不在有效期", "无有效合同"]
    assert gc[3].cert_ok and gc[3].weight == 1 and gc[3].cert_no == c.id_number + "43"
    assert reason_texts(gc[4].reasons) == ["合同期限不足一年"]


def test_recompute_is_idempotent_and_writes_nothing_when_nothing_changed(employer):
    p = pf.complete_person(employer)
    grid_recompute(placement=p)
    first = {m.month: m.checked_at for m in PlacementMonth.objects.filter(placement=p)}
    grid_recompute(placement=p)
    assert {m.month: m.checked_at for m in PlacementMonth.objects.filter(placement=p)} == first
    assert PlacementMonth.objects.filter(placement=p).count() == 12


def test_an_auto_month_whose_facts_change_needs_evidence_then_review(employer, employer_user):
    p = pf.complete_person(employer)
    months_select(placement=p, months=[], by=employer_user)
    placement_submit(placement=p, by=employer_user)
    assert status(p) == "approved_system"

    WageRecord.objects.filter(id_number=p.id_number, month=202505).delete()
    grid_recompute(placement=p)
    may = grid(p)[5]
    assert (may.selected, may.review_state, may.evidence_missing) == (True, "pending", True)
    assert status(p) == "incomplete"

    months_evidence_record(placement=p, months=[202505], checks=["wage"], by=employer_user)
    assert grid(p)[5].evidence_missing is False
    assert status(p) == "pending"

    pf.monthly_facts(p.id_number, employer.uscc, months=[5], pension=False, medical=False)
    grid_recompute(placement=p)
    assert grid(p)[5].review_state == "auto"
    assert status(p) == "approved_system"


def test_reviewers_decisions_survive_a_recompute(employer, employer_user):
    p = pf.complete_person(employer)
    WageRecord.objects.filter(id_number=p.id_number, month__in=[202503, 202504]).delete()
    months_select(placement=p, months=[202503, 202504], by=employer_user)
    PlacementMonth.objects.filter(placement=p, month=202503).update(review_state="confirmed")
    PlacementMonth.objects.filter(placement=p, month=202504).update(review_state="rejected")
    pf.monthly_facts(p.id_number, employer.uscc, months=[3, 4], pension=False, medical=False)
    grid_recompute(placement=p)
    g = grid(p)
    assert (g[3].review_state, g[4].review_state) == ("confirmed", "rejected")
    assert g[3].verified and g[4].verified


def test_set_based_and_single_recompute_agree(employer, other_employer):
    placements = [pf.complete_person(employer if i % 2 else other_employer) for i in range(25)]
    WageRecord.objects.filter(id_number=placements[3].id_number, month=202502).delete()
    assert grid_recompute_many(placements_qs=Placement.objects.all()) == 25  # 300 rows: the COPY path on PostgreSQL
    bulk = {(m.placement_id, m.month): (m.verified, m.reasons, m.weight) for m in PlacementMonth.objects.all()}
    PlacementMonth.objects.all().delete()
    for p in placements:
        grid_recompute(placement=p)
    single = {(m.placement_id, m.month): (m.verified, m.reasons, m.weight) for m in PlacementMonth.objects.all()}
    assert bulk == single
    assert len(bulk) == 300
    assert bulk[(placements[3].pk, 202502)] == (False, "wage_missing", 2)


def test_frozen_placements_are_not_recomputed(employer):
    p = pf.complete_person(employer, frozen=True)
    assert grid_recompute_many(placements_qs=Placement.objects.all()) == 0
    grid_recompute(placement=p)
    assert not PlacementMonth.objects.filter(placement=p).exists()


def test_the_task_recomputes_the_persons_a_feed_touched(employer):
    touched, untouched = pf.complete_person(employer), pf.complete_person(employer)
    result = recompute_persons.enqueue([touched.id_number.lower()], 2025)
    assert result.return_value == 1
    assert PlacementMonth.objects.filter(placement=touched).count() == 12
    assert not PlacementMonth.objects.filter(placement=untouched).exists()
    assert grids_recompute_for_persons(id_numbers=None, year=None) == 2


def test_recompute_grids_command(employer, other_employer):
    pf.complete_person(employer)
    pf.complete_person(other_employer)
    out = StringIO()
    call_command("recompute_grids", year=2025, employer=employer.uscc, stdout=out)
    assert "recompute_grids: 1 placements of 2025 recomputed (12 months)" in out.getvalue()
    assert PlacementMonth.objects.count() == 12
    out = StringIO()
    call_command("recompute_grids", year=2025, dry_run=True, stdout=out)
    assert "2 placements of 2025 would be recomputed" in out.getvalue()


def test_recompute_grids_command_refuses_an_unknown_unit(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no employer"):
        call_command("recompute_grids", year=2025, employer="91110000000000000X")


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the writer thread needs its own connection")
def test_the_pipelined_recompute_writes_what_the_serial_one_does():
    from tests import factories

    units = [factories.employer(), factories.employer(region_code="310101")]
    placements = [pf.complete_person(units[i % 2]) for i in range(30)]
    WageRecord.objects.filter(id_number=placements[5].id_number, month=202507).delete()
    assert grid_recompute_many(placements_qs=Placement.objects.all(), chunk=7, pipeline=True) == 30
    piped = {(m.placement_id, m.month): (m.verified, m.reasons, m.weight) for m in PlacementMonth.objects.all()}
    PlacementMonth.objects.all().delete()
    assert grid_recompute_many(placements_qs=Placement.objects.all(), chunk=7, pipeline=False) == 30
    serial = {(m.placement_id, m.month): (m.verified, m.reasons, m.weight) for m in PlacementMonth.objects.all()}
    assert piped == serial and len(piped) == 360
    assert piped[(placements[5].pk, 202507)] == (False, "wage_missing", 2)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the writer thread needs its own connection")
def test_an_error_in_the_writer_thread_reaches_the_caller(monkeypatch):
    from tests import factories

    unit = factories.employer()
    for _ in range(3):
        pf.complete_person(unit)

    def broken(grids, now):
        raise RuntimeError("disk full")

    monkeypatch.setattr(recompute, "_write", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        grid_recompute_many(placements_qs=Placement.objects.all(), chunk=1, pipeline=True)


def _rows_of(placements) -> dict:
    """Every stored column of these placements' months but the ids and the times."""
    skip = {"id", "checked_at", "updated_at"}
    fields = [f.attname for f in PlacementMonth._meta.concrete_fields if f.attname not in skip]
    return {
        (row["placement_id"], row["month"]): row
        for row in PlacementMonth.objects.filter(placement__in=placements).values(*fields)
    }


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the COPY paths are PostgreSQL's")
def test_placements_without_months_are_copied_and_equal_the_upsert(employer, other_employer, monkeypatch):
    placements = [pf.complete_person(employer if i % 2 else other_employer) for i in range(26)]
    WageRecord.objects.filter(id_number=placements[4].id_number, month=202503).delete()
    for p in placements[:13]:  # half of them already have a grid (the upsert path), half not (the COPY path)
        grid_recompute(placement=p)
    copied = []
    real = recompute._copy_new

    def spy(cursor, grids):
        inserted, rest = real(cursor, grids)
        copied.append(inserted)
        return inserted, rest

    monkeypatch.setattr(recompute, "_copy_new", spy)
    assert grid_recompute_many(placements_qs=Placement.objects.all()) == 26
    assert copied == [[p.pk for p in placements[13:]]]
    bulk = _rows_of(placements)
    PlacementMonth.objects.all().delete()
    for p in placements:
        grid_recompute(placement=p)
    assert bulk == _rows_of(placements)
    assert len(bulk) == 312
    row = bulk[(placements[4].pk, 202503)]
    assert (row["verified"], row["reasons"], row["selected"], row["review_state"]) == (
        False,
        "wage_missing",
        False,
        "none",
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the COPY paths are PostgreSQL's")
def test_a_month_row_written_meanwhile_sends_the_chunk_to_the_upsert(employer, employer_user, monkeypatch):
    """The check for placements without months and the COPY are two statements: a clerk's months_select between
    them makes the COPY fail on the unique key, and the whole chunk goes through the upsert, which keeps what the
    clerk stored."""
    placements = [pf.complete_person(employer) for _ in range(21)]
    first = placements[0]
    grid_recompute(placement=first)
    months_select(placement=first, months=[202501, 202502], by=employer_user)
    placement_submit(placement=Placement.objects.get(pk=first.pk), by=employer_user)
    before = _rows_of([first])
    # As if the check had run before the clerk's rows existed: every placement looks new.
    monkeypatch.setattr(recompute, "_without_months", lambda cursor, pks: set(pks))
    assert grid_recompute_many(placements_qs=Placement.objects.all()) == 21
    assert PlacementMonth.objects.count() == 21 * 12
    assert _rows_of([first]) == before
    assert PlacementMonth.objects.get(placement=first, month=202501).selected


def test_a_recompute_marks_one_changed_placement_per_unit_and_year(employer, other_employer):
    """Inside a caller's transaction (here the test's) the mark is the ``updated_at`` of the highest changed
    placement of each unit and year; the others keep the time of their last real change."""
    mine = [pf.complete_person(employer) for _ in range(3)]
    theirs = [pf.complete_person(other_employer) for _ in range(2)]
    grid_recompute_many(placements_qs=Placement.objects.all())
    before = dict(Placement.objects.values_list("pk", "updated_at"))
    for p in (mine[0], mine[1], theirs[0]):
        WageRecord.objects.filter(id_number=p.id_number, month=202506).delete()
    assert grid_recompute_many(placements_qs=Placement.objects.all()) == 5
    after = dict(Placement.objects.values_list("pk", "updated_at"))
    marked = {pk for pk in after if after[pk] != before[pk]}
    assert marked == {mine[1].pk, theirs[0].pk}
    assert after[mine[1].pk] > max(before.values())


def _spy_on_marks(monkeypatch) -> list:
    """The ``copied`` and ``scan`` arguments of every mark_changed call, in order (the mark itself still runs)."""
    marks = []
    real = grid_marks.mark_changed

    def spy(placement_ids, stamp, copied=(), *, scan=True):
        marks.append((list(copied), scan))
        return real(placement_ids, stamp, copied=copied, scan=scan)

    monkeypatch.setattr(grid_marks, "mark_changed", spy)
    return marks


def test_a_first_recompute_marks_the_highest_placement_of_each_unit(employer, other_employer, monkeypatch):
    """A first recompute inside a transaction (PostgreSQL: every row COPYed as new) marks the same placements as the
    scan of the month rows would: the highest of each unit and year, with a time later than every earlier change."""
    mine = [pf.complete_person(employer) for _ in range(14)]
    theirs = [pf.complete_person(other_employer) for _ in range(7)]  # 21 placements: 252 rows, above COPY_THRESHOLD
    before = dict(Placement.objects.values_list("pk", "updated_at"))
    marks = _spy_on_marks(monkeypatch)
    assert grid_recompute_many(placements_qs=Placement.objects.all()) == 21
    after = dict(Placement.objects.values_list("pk", "updated_at"))
    assert {pk for pk in after if after[pk] != before[pk]} == {mine[-1].pk, theirs[-1].pk}
    assert after[mine[-1].pk] > max(before.values())
    # PostgreSQL: the COPYed placements are the changed ones (no scan of the month rows); elsewhere the scan.
    assert marks == ([(sorted(before), False)] if connection.vendor == "postgresql" else [([], True)])
    # Nothing changed: no mark.
    assert grid_recompute_many(placements_qs=Placement.objects.all()) == 21
    assert dict(Placement.objects.values_list("pk", "updated_at")) == after


def test_a_chunk_of_new_and_changed_placements_marks_both(employer, other_employer, monkeypatch):
    """One chunk whose new placements' rows are COPYed (PostgreSQL: they carry the database's time, not the chunk's
    stamp) and whose older placements' rows are upserted: the units of both are marked, and every new row has both
    of its times."""
    mine = [pf.complete_person(employer) for _ in range(2)]
    grid_recompute_many(placements_qs=Placement.objects.all())
    WageRecord.objects.filter(id_number=mine[0].id_number, month=202506).delete()
    theirs = [pf.complete_person(other_employer) for _ in range(21)]  # 252 new rows, above COPY_THRESHOLD
    before = dict(Placement.objects.values_list("pk", "updated_at"))
    marks = _spy_on_marks(monkeypatch)
    assert grid_recompute_many(placements_qs=Placement.objects.all()) == 23
    after = dict(Placement.objects.values_list("pk", "updated_at"))
    assert {pk for pk in after if after[pk] != before[pk]} == {mine[0].pk, theirs[-1].pk}
    if connection.vendor == "postgresql":
        assert marks == [(sorted(p.pk for p in theirs), True)]
    new_rows = PlacementMonth.objects.filter(placement__in=theirs)
    assert new_rows.count() == 21 * 12
    assert not new_rows.filter(checked_at__isnull=True).exists()
    assert min(new_rows.values_list("updated_at", flat=True)) >= min(before.values())


def test_a_pass_holds_the_cyclic_collector_and_gives_it_back(employer, monkeypatch):
    """The cyclic garbage collector is off while a pass evaluates (it traversed each chunk's objects again and
    again) and on again afterwards, also when the pass fails; a pass started with it off leaves it off."""
    for _ in range(3):
        pf.complete_person(employer)
    seen = []
    real = recompute.evaluate_year

    def spy(facts):
        seen.append(gc.isenabled())
        return real(facts)

    monkeypatch.setattr(recompute, "evaluate_year", spy)
    assert gc.isenabled()
    assert grid_recompute_many(placements_qs=Placement.objects.all(), chunk=2) == 3
    assert seen == [False] * 3 and gc.isenabled()

    def failing(facts):
        raise RuntimeError("rules failed")

    monkeypatch.setattr(recompute, "evaluate_year", failing)
    with pytest.raises(RuntimeError):
        grid_recompute_many(placements_qs=Placement.objects.all())
    assert gc.isenabled()

    monkeypatch.setattr(recompute, "evaluate_year", spy)
    gc.disable()
    try:
        grid_recompute_many(placements_qs=Placement.objects.all())
        assert not gc.isenabled()
    finally:
        gc.enable()


def _changes() -> dict[tuple[int, int], object]:
    return {(e, y): t for e, y, t in GridChange.objects.values_list("employer", "year", "changed_at")}


@pytest.mark.django_db(transaction=True)
def test_a_pass_on_its_own_marks_the_changed_units_years(employer, other_employer):
    """Outside a transaction (a year's pass, its workers) the mark is the unit's year's GridChange, which the caches'
    last change takes when later than the placements' ``updated_at``: a recompute that changed a unit's months moves
    it on; the placements keep the time of their last real change, and a unit whose months did not change is not
    marked."""
    mine = [pf.complete_person(employer) for _ in range(3)]
    theirs = [pf.complete_person(other_employer) for _ in range(2)]
    grid_recompute_many(placements_qs=Placement.objects.all())
    placements_before, before = dict(Placement.objects.values_list("pk", "updated_at")), _changes()
    for p in (mine[0], mine[1]):
        WageRecord.objects.filter(id_number=p.id_number, month=202506).delete()
    assert grid_recompute_many(placements_qs=Placement.objects.all()) == 5
    after = _changes()
    assert after[(employer.pk, 2025)] > max([*placements_before.values(), *before.values()])
    assert after[(other_employer.pk, 2025)] == before[(other_employer.pk, 2025)]
    assert dict(Placement.objects.values_list("pk", "updated_at")) == placements_before
    WageRecord.objects.filter(id_number=theirs[0].id_number, month=202506).delete()
    grid_recompute_many(placements_qs=Placement.objects.all())
    assert _changes()[(other_employer.pk, 2025)] > after[(employer.pk, 2025)]


@pytest.mark.django_db(transaction=True)
def test_a_pass_on_its_own_marks_new_and_changed_placements_of_one_chunk(employer, other_employer, monkeypatch):
    """Outside a transaction (a year's pass, its workers) one chunk with COPYed new placements of one unit and an
    upserted change of another unit's placement marks both units' years in GridChange."""
    mine = [pf.complete_person(employer) for _ in range(2)]
    grid_recompute_many(placements_qs=Placement.objects.all())
    WageRecord.objects.filter(id_number=mine[0].id_number, month=202506).delete()
    theirs = [pf.complete_person(other_employer) for _ in range(21)]  # 252 new rows, above COPY_THRESHOLD
    before = _changes()
    marks = _spy_on_marks(monkeypatch)
    assert grid_recompute_many(placements_qs=Placement.objects.all()) == 23
    after = _changes()
    assert after[(employer.pk, 2025)] > before[(employer.pk, 2025)]
    assert (other_employer.pk, 2025) in after and (other_employer.pk, 2025) not in before
    if connection.vendor == "postgresql":
        assert marks == [(sorted(p.pk for p in theirs), True)]
    assert PlacementMonth.objects.filter(placement__in=theirs, checked_at__isnull=False).count() == 21 * 12


def test_a_refused_copy_leaves_no_reference_cycle(employer, monkeypatch):
    """A COPY refused because the rows exist (a clerk wrote them meanwhile) is taken apart where it is caught: with
    the cyclic collector held for the pass, a cycle through its traceback would keep the chunk's rows until the end."""
    placements = [pf.complete_person(employer) for _ in range(21)]
    grid_recompute_many(placements_qs=Placement.objects.all())
    monkeypatch.setattr(recompute, "_without_months", lambda cursor, pks: set(pks))
    gc.collect()
    gc.disable()
    try:
        assert grid_recompute_many(placements_qs=Placement.objects.filter(pk__in=[p.pk for p in placements])) == 21
        assert gc.collect() == 0
    finally:
        gc.enable()


@pytest.mark.django_db(transaction=True)
def test_a_first_pass_on_its_own_marks_each_units_year(employer, other_employer, monkeypatch):
    """A year's first recompute (PostgreSQL: every row COPYed as new) marks the same units' years as the scan of the
    month rows would, with a time later than every earlier change."""
    mine = [pf.complete_person(employer) for _ in range(14)]
    theirs = [pf.complete_person(other_employer) for _ in range(7)]  # 21 placements: 252 rows, above COPY_THRESHOLD
    GridChange.objects.all().delete()
    before = dict(Placement.objects.values_list("pk", "updated_at"))
    marks = _spy_on_marks(monkeypatch)
    assert grid_recompute_many(placements_qs=Placement.objects.all()) == 21
    after = _changes()
    assert set(after) == {(employer.pk, 2025), (other_employer.pk, 2025)}
    assert min(after.values()) > max(before.values())
    assert dict(Placement.objects.values_list("pk", "updated_at")) == before
    assert len(mine) + len(theirs) == 21
    # PostgreSQL: the COPYed placements are the changed ones (no scan of the month rows); elsewhere the scan.
    assert marks == ([(sorted(before), False)] if connection.vendor == "postgresql" else [([], True)])
    # Nothing changed: no mark.
    assert grid_recompute_many(placements_qs=Placement.objects.all()) == 21
    assert _changes() == after
