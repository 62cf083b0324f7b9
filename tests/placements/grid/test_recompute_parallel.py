"""The recompute split across worker processes (issue 16) and the COPY path's skipping of unchanged rows."""

import os
from concurrent.futures.process import BrokenProcessPool
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from feeds.models import WageRecord
from placements.grid import parallel
from placements.grid.parallel import grid_recompute_parallel
from placements.grid.recompute import grid_recompute_many
from placements.models import Placement, PlacementMonth
from tests import factories
from tests.factories import placements as pf


def rows() -> dict:
    return {
        (m.placement_id, m.month): (m.verified, m.reasons, m.weight, m.cert_no, m.dispatched)
        for m in PlacementMonth.objects.all()
    }


@pytest.mark.django_db
def test_the_copy_path_rewrites_only_the_rows_whose_checks_changed(employer):
    placements = [pf.complete_person(employer) for _ in range(25)]  # 300 rows: the COPY path on PostgreSQL
    assert grid_recompute_many(placements_qs=Placement.objects.all()) == 25
    first = {(m.placement_id, m.month): m.checked_at for m in PlacementMonth.objects.all()}
    assert grid_recompute_many(placements_qs=Placement.objects.all()) == 25
    assert {(m.placement_id, m.month): m.checked_at for m in PlacementMonth.objects.all()} == first

    WageRecord.objects.filter(id_number=placements[7].id_number, month=202504).delete()
    grid_recompute_many(placements_qs=Placement.objects.all())
    after = {(m.placement_id, m.month): m.checked_at for m in PlacementMonth.objects.all()}
    assert [k for k in after if after[k] != first[k]] == [(placements[7].pk, 202504)]
    month = PlacementMonth.objects.get(placement=placements[7], month=202504)
    assert (month.verified, month.reasons) == (False, "wage_missing")


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="worker processes: PostgreSQL only (one elsewhere)")
def test_the_parallel_recompute_writes_what_one_process_does():
    units = [factories.employer(), factories.employer(region_code="310101")]
    placements = [pf.complete_person(units[i % 2]) for i in range(30)]
    WageRecord.objects.filter(id_number=placements[11].id_number, month=202509).delete()
    pf.complete_person(units[0], frozen=True)
    assert grid_recompute_parallel(placements_qs=Placement.objects.all(), processes=3, chunk=7) == 30
    parallel = rows()
    PlacementMonth.objects.all().delete()
    assert grid_recompute_many(placements_qs=Placement.objects.all(), chunk=7) == 30
    assert parallel == rows() and len(parallel) == 360
    assert parallel[(placements[11].pk, 202509)][:2] == (False, "wage_missing")


def _killed_worker(*args):
    os._exit(137)  # as if the kernel's OOM killer had ended the worker process


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="worker processes: PostgreSQL only (one elsewhere)")
def test_a_worker_that_dies_fails_the_recompute_instead_of_hanging_it(monkeypatch):
    unit = factories.employer()
    for _ in range(6):
        pf.complete_person(unit)
    monkeypatch.setattr(parallel, "_recompute_range", _killed_worker)
    with pytest.raises(BrokenProcessPool):
        grid_recompute_parallel(placements_qs=Placement.objects.all(), processes=2, chunk=2)
    with pytest.raises(CommandError, match="重算中断：有工作进程意外退出"):
        call_command("recompute_grids", year=2025, processes=2, chunk=2, stdout=StringIO())


@pytest.mark.django_db
def test_one_process_when_split_is_not_possible(employer):
    """Inside a transaction (and on SQLite) the workers could not see the rows: one process does everything."""
    for _ in range(3):
        pf.complete_person(employer)
    assert grid_recompute_parallel(placements_qs=Placement.objects.all(), processes=4, chunk=1) == 3
    assert PlacementMonth.objects.count() == 36


@pytest.mark.django_db(transaction=True)
def test_recompute_grids_command_with_processes():
    unit = factories.employer()
    for _ in range(5):
        pf.complete_person(unit)
    out = StringIO()
    call_command("recompute_grids", year=2025, processes=2, chunk=2, stdout=out)
    assert "recompute_grids: 5 placements of 2025 recomputed (60 months)" in out.getvalue()
    assert PlacementMonth.objects.count() == 60
    with pytest.raises(CommandError, match="--processes"):
        call_command("recompute_grids", year=2025, processes=0)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="worker processes: PostgreSQL only (one elsewhere)")
def test_a_worker_lets_go_of_an_inherited_connection_without_ending_the_parents():
    """A connection the parent could not close before forking (one of another context: the browser tests' greenlets)
    is dropped by the worker without a word to the server: the worker gets a connection of its own, and the
    parent's session goes on."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        parent_pid = cursor.fetchone()[0]
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover — the worker's side; its answer comes through the pipe
        code = 1
        try:
            parallel._drop_inherited_connections()
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                os.write(write, str(cursor.fetchone()[0]).encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    _, status = os.waitpid(child, 0)
    worker_pid = int(os.read(read, 32) or 0)
    os.close(read)
    assert os.waitstatus_to_exitcode(status) == 0
    assert worker_pid and worker_pid != parent_pid  # its own session
    with connection.cursor() as cursor:  # the parent's session was not ended by the worker
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] == parent_pid
