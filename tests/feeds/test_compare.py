"""A mostly known re-import's compare (ADR 0002, fifth and sixth passes): a read-only statement PostgreSQL may run in
parallel, started while the producer settles the duplicate probe, and thrown away when a key may repeat."""

from decimal import Decimal

import pytest
from django.db import connection, transaction

from devdata.generator import World, write_feeds
from feeds.services import KIND_MODELS, feed_import

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the COPY path needs PostgreSQL"),
]


def _not_empty():
    """One unrelated pension row, so that an import takes the ordinary path, not the initial load."""
    KIND_MODELS["pension"].objects.create(id_number="X", unit_uscc="Y", month=200001, base_amount=1)


def test_a_reimports_compare_may_run_in_parallel(tmp_path):
    """The staging table is UNLOGGED, not TEMPORARY, so that the compare of a re-import (a statement of its own that
    only reads) may be planned in parallel: PostgreSQL never lets a worker read another backend's temporary table.
    Inside a savepoint, as in an import."""
    from feeds.merge_sql import Statements
    from feeds.rows import KINDS as SPECS

    world = World(year=2025, employers=5, persons=300, seed=3)
    write_feeds(world, tmp_path, ["pension"], invalid_share=0)
    feed_import(kind="pension", path=tmp_path / "pension.csv", method="copy")
    model = KIND_MODELS["pension"]
    columns = ", ".join(SPECS["pension"].columns)

    def plan(kind: str) -> str:
        sql = Statements(SPECS["pension"], model, 7)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"CREATE {kind} TABLE {sql.stage} (seq bigserial, {sql.stage_columns})")
            cursor.execute(f"INSERT INTO {sql.stage} ({columns}) SELECT {columns} FROM {model._meta.db_table}")
            cursor.execute(f"ANALYZE {sql.stage}")
            for setting in ("parallel_setup_cost", "parallel_tuple_cost", "min_parallel_table_scan_size"):
                cursor.execute(f"SET LOCAL {setting} = 0")
            cursor.execute("EXPLAIN " + sql.compare(), {"lo": 0, "hi": 10**9})
            text = "\n".join(row[0] for row in cursor.fetchall())
            transaction.set_rollback(True)
        return text

    assert model.objects.count() > 3000
    assert "Parallel Seq Scan on feed_stage_pension_7" in plan("UNLOGGED")
    assert "Parallel Seq Scan on feed_stage_pension_7" not in plan("TEMPORARY")


@pytest.mark.parametrize("settle", ["counts", "fails"])
def test_a_reimports_compare_is_thrown_away_when_a_key_repeats(tmp_path, monkeypatch, settle):
    """A mostly known re-import is compared with the table while the producer settles the duplicate probe; when the
    probe then says a key may repeat (or cannot answer), that compare is dropped and one deduplicating merge decides:
    the later line wins, as on the portable path."""
    from feeds import merge_sql, probe, reader, services
    from feeds.rows import KINDS

    monkeypatch.setattr(reader, "BLOCK_CHARS", 4096)
    world = World(year=2025, employers=5, persons=300, seed=5)
    write_feeds(world, tmp_path, ["pension"], invalid_share=0)
    path = tmp_path / "pension.csv"
    _not_empty()
    feed_import(kind="pension", path=path, method="copy")
    lines = path.read_text(encoding="utf-8").splitlines()
    first_row = lines[1].split(",")
    if settle == "counts":
        lines.append(",".join([*first_row[:3], "9999.00"]))  # the first row's key again, at the very end
    else:
        monkeypatch.setattr(probe.DuplicateProbe, "settle", lambda self: 1 / 0)  # e.g. no memory for the sort
    again = tmp_path / "again.csv"
    again.write_text("\n".join(lines) + "\n\n", encoding="utf-8")  # other bytes: not the same-file shortcut
    monkeypatch.setattr(services, "previous_runs", lambda kind, mark: [])  # every row staged and compared
    calls = []
    merge, compare = merge_sql.Statements.merge, merge_sql.Statements.compare
    monkeypatch.setattr(merge_sql.Statements, "merge", lambda self, dedup: calls.append(dedup) or merge(self, dedup))
    monkeypatch.setattr(merge_sql.Statements, "compare", lambda self: calls.append("compare") or compare(self))
    result = feed_import(kind="pension", path=again, method="copy")
    assert calls == ["compare", True] and "restarted" not in result.timings
    model = KIND_MODELS["pension"]
    stored = model.objects.get(id_number=first_row[0], unit_uscc=first_row[1], month=int(first_row[2])).base_amount
    if settle == "counts":
        assert (result.inserted, result.updated, result.superseded) == (0, 1, 1)
        assert str(stored) == "9999.00" and result.samples == [(2, f"被第{len(lines)}行（相同主键）覆盖")]
    else:
        assert (result.inserted, result.updated, result.superseded) == (0, 0, 0) and stored == Decimal(first_row[3])
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [merge_sql.Statements(KINDS["pension"], model).changed])
        assert cursor.fetchone() == (None,)  # the compare's table dropped
