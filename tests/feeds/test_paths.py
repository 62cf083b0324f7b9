"""The COPY path (PostgreSQL) and the portable ORM path give the same tables and the same counts."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from devdata.generator import World, write_feeds
from feeds.services import KIND_MODELS, feed_import
from tests.factories.feeds import write_csv

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the COPY path needs PostgreSQL"),
]
INITIAL = "initial load: keys built (repeated keys settled)"  # the timing of that phase
KINDS = ("persons", "certificates", "pension", "medical", "wages", "min_wages", "social_avg_wages", "ratios")


def table(kind):
    model = KIND_MODELS[kind]
    columns = [f.name for f in model._meta.concrete_fields if f.name not in ("id", "imported_at")]
    return sorted(model.objects.values_list(*columns))


def counts(result):
    return (result.read, result.inserted, result.updated, result.unchanged, result.rejected, result.superseded)


def run_all(files, method):
    """Import every file, then a changed version of each, then the changed version again."""
    out = {}
    for kind in KINDS:
        for label, path in (
            ("first", files[kind]),
            ("changed", files[f"{kind}-changed"]),
            ("again", files[f"{kind}-changed"]),
        ):
            result = feed_import(kind=kind, path=path, method=method)
            out[(kind, label)] = (counts(result), result.samples, result.touched_persons)
        out[(kind, "table")] = table(kind)
    return out


def clear():
    for model in KIND_MODELS.values():
        model.objects.all().delete()


@pytest.fixture
def files(tmp_path):
    world = World(year=2025, employers=8, persons=120, seed=11)
    write_feeds(world, tmp_path, invalid_share=0.02)
    paths = {}
    for kind in KINDS:
        original = tmp_path / f"{kind}.csv"
        paths[kind] = original
        lines = original.read_text(encoding="utf-8").splitlines()
        header, body = lines[0], lines[1:]
        # The changed file: every 7th row dropped, a value changed in every 5th, a duplicate key at the end,
        # and the first data row repeated with a different value (last one wins).
        changed = []
        for n, line in enumerate(body):
            if n % 7 == 3:
                continue
            fields = line.split(",")
            if n % 5 == 0 and fields[-1].replace(".", "").isdigit():
                fields[-1] = str(int(float(fields[-1])) + 1)
            changed.append(",".join(fields))
        changed.append(body[0])
        changed.append(body[1])
        if kind in ("pension", "medical", "wages"):
            # values the validator normalises (lower-case x, spaces), a blank line, then quoting from here on
            ident, unit, month, amount = body[2].split(",")
            changed.insert(40, f"{ident.lower()},{unit}, {month} ,{amount}")
            changed.insert(80, "")
            changed.insert(len(changed) - 30, f'"{ident}",{unit},{month},"{amount}"')
        path = tmp_path / f"{kind}-changed.csv"
        path.write_text("\n".join([header, *changed]) + "\n", encoding="utf-8")
        paths[f"{kind}-changed"] = path
    return paths


@pytest.mark.parametrize(
    ("block", "probe_limit", "segment", "few_bad"),
    [
        (1 << 20, 5_000_000, 250_000, 2),  # one block, one merge
        (2048, 5_000_000, 250_000, 2),  # small blocks: verbatim and validated ones mixed
        (1 << 20, 0, 250_000, 0),  # 0: always deduplicate in SQL; bad rows always found by one pass per column
        (2048, 5_000_000, 300, 1000),  # segments merged while reading (restart); bad rows always found by list.index
    ],
)
def test_copy_and_portable_give_the_same_result(files, block, probe_limit, segment, few_bad, monkeypatch):
    from feeds import blocks, merge_pg, probe, reader

    monkeypatch.setattr(blocks, "FEW_BAD_VALUES", few_bad)
    monkeypatch.setattr(reader, "BLOCK_CHARS", block)
    monkeypatch.setattr(probe, "DUPLICATE_PROBE_LIMIT", probe_limit)
    monkeypatch.setattr(merge_pg, "SEGMENT_ROWS", segment)
    portable = run_all(files, "portable")
    clear()
    copy = run_all(files, "copy")
    assert copy.keys() == portable.keys()
    for key in portable:
        assert copy[key] == portable[key], key
    # the scenario really exercised inserts, updates, unchanged rows, rejections and superseded rows
    first = portable[("pension", "first")][0]
    changed = portable[("pension", "changed")][0]
    again = portable[("pension", "again")][0]
    assert first[1] > 1000 and first[4] > 0
    assert changed[2] > 0 and changed[3] > 0 and changed[5] == 4
    assert again[1] == again[2] == 0


def test_same_result_with_text_needing_escapes(tmp_path):
    from tests.factories.feeds import person_id

    ids = [person_id(), person_id(), person_id()]
    rows = [
        (ids[0], "张\t伟", "男", "110105", "北京市\\朝阳区", "010-1", "本科"),
        (ids[1], '李"娜"', "男", "110105", "地址,有逗号\n第二行", "", ""),
        (ids[2], "王芳", "男", "110105", "", "", ""),
    ]
    rows = [(i, name, "男" if int(i[16]) % 2 else "女", *rest) for i, name, _, *rest in rows]
    path = write_csv(tmp_path / "p.csv", "persons", rows)
    a = counts(feed_import(kind="persons", path=path, method="portable"))
    portable = table("persons")
    clear()
    b = counts(feed_import(kind="persons", path=path, method="copy"))
    assert a == b and table("persons") == portable
    assert any("\\" in r[4] for r in portable)


def _not_empty():
    """One unrelated pension row, so that an import takes the ordinary path, not the initial load."""
    KIND_MODELS["pension"].objects.create(id_number="X", unit_uscc="Y", month=200001, base_amount=1)


def _key_index_exists() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_constraint WHERE conname = 'uniq_pension_key' AND contype = 'u'")
        return cursor.fetchone()[0] == 1


def test_initial_load_builds_the_key_index_after_one_merge(tmp_path, monkeypatch):
    """Into an empty table: the unique key is dropped, the rows inserted at once (deduplicated: the later line
    wins), the key built again — in the import's transaction; the same counts as the portable path."""
    from feeds import merge_pg

    world = World(year=2025, employers=5, persons=60, seed=5)
    write_feeds(world, tmp_path, ["pension"], invalid_share=0.02)
    path = tmp_path / "pension.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.append(",".join([*lines[1].split(",")[:3], "9999.00"]))  # the first row's key again
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    portable = feed_import(kind="pension", path=path, method="portable")
    expected = table("pension")
    clear()
    merges = []
    original = merge_pg._load_and_merge
    monkeypatch.setattr(merge_pg, "_load_and_merge", lambda *a, **k: merges.append(1) or original(*a, **k))
    result = feed_import(kind="pension", path=path, method="copy")
    assert not merges and INITIAL in result.timings
    assert counts(result) == counts(portable) and result.touched_persons == portable.touched_persons
    assert result.samples == portable.samples  # the superseded row reported with its winner's line, as on SQLite
    assert table("pension") == expected and _key_index_exists()
    again = feed_import(kind="pension", path=tmp_path / "pension.csv", method="copy", dry_run=True)
    assert INITIAL not in again.timings and again.inserted == 0


@pytest.mark.parametrize("repeat_a_key", [False, True])
def test_initial_load_of_many_blocks(tmp_path, monkeypatch, repeat_a_key):
    """Many blocks COPYed straight into the table; a key repeated far apart: the earlier row deleted afterwards and
    reported as superseded (the later line wins), the key built."""
    from feeds import merge_pg, reader

    monkeypatch.setattr(reader, "BLOCK_CHARS", 4096)
    monkeypatch.setattr(merge_pg, "SEGMENT_ROWS", 200)
    world = World(year=2025, employers=5, persons=100, seed=6)
    write_feeds(world, tmp_path, ["pension"], invalid_share=0)
    path = tmp_path / "pension.csv"
    if repeat_a_key:
        lines = path.read_text(encoding="utf-8").splitlines()
        lines.append(",".join([*lines[1].split(",")[:3], "9999.00"]))
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    portable = feed_import(kind="pension", path=path, method="portable")
    expected = table("pension")
    clear()
    result = feed_import(kind="pension", path=path, method="copy")
    assert counts(result) == counts(portable) and table("pension") == expected and _key_index_exists()
    assert result.touched_persons == portable.touched_persons == 100 and result.samples == portable.samples
    assert "validate+copy into the table" in result.timings and result.superseded == int(repeat_a_key)


def _schema() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'feeds_pensioncontribution'::regclass ORDER BY conname"
        )
        constraints = cursor.fetchall()
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'feeds_pensioncontribution'")
        return constraints + sorted(cursor.fetchall())


def test_initial_load_leaves_the_keys_as_they_were(tmp_path):
    """The unique key and the primary key are dropped for an initial load and built again afterwards: the same
    constraints and indexes, under the same names, and both in use."""
    before = _schema()
    assert any(row[1] == "p" for row in before) and any(row[1] == "u" for row in before)
    world = World(year=2025, employers=5, persons=80, seed=9)
    write_feeds(world, tmp_path, ["pension"], invalid_share=0.02)
    result = feed_import(kind="pension", path=tmp_path / "pension.csv", method="copy")
    assert INITIAL in result.timings and _schema() == before
    model = KIND_MODELS["pension"]
    row = model.objects.order_by("pk").first()
    assert model.objects.get(pk=row.pk) == row
    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.create(id_number=row.id_number, unit_uscc=row.unit_uscc, month=row.month, base_amount=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.create(pk=row.pk, id_number="X", unit_uscc="Y", month=200001, base_amount=1)


def test_initial_load_rolled_back_keeps_the_key_index(tmp_path):
    """A file refused at its last line: everything rolls back, the dropped key included."""
    from feeds.reader import FeedFileError

    path = write_csv(tmp_path / "p.csv", "pension", [], newline_at_end=True)
    with path.open("ab") as f:
        f.write(b"110105198506150011,91110105800000018G,202501,5000\n\xff\xfe,bad\n")
    with pytest.raises(FeedFileError):
        feed_import(kind="pension", path=path, method="copy")
    assert _key_index_exists() and not KIND_MODELS["pension"].objects.exists()


def test_segmented_merges_of_a_first_import_and_a_reimport(tmp_path, monkeypatch):
    """Segments are merged while the file is read; a re-import switches to one merge after its first segment."""
    from feeds import merge_pg, merge_sql, reader, services

    monkeypatch.setattr(reader, "BLOCK_CHARS", 4096)
    monkeypatch.setattr(merge_pg, "SEGMENT_ROWS", 500)
    world = World(year=2025, employers=5, persons=300, seed=2)
    write_feeds(world, tmp_path, ["pension"], invalid_share=0)
    path = tmp_path / "pension.csv"
    calls = []
    merge, compare = merge_sql.Statements.merge, merge_sql.Statements.compare

    def spy_merge(self, deduplicate):
        calls.append("deduplicated merge" if deduplicate else "merge")
        return merge(self, deduplicate)

    def spy_compare(self):
        calls.append("compare apart")
        return compare(self)

    monkeypatch.setattr(merge_sql.Statements, "merge", spy_merge)
    monkeypatch.setattr(merge_sql.Statements, "compare", spy_compare)
    _not_empty()  # an empty table takes the initial-load path (see test_initial_load_*)
    first = feed_import(kind="pension", path=path, method="copy")
    # new rows: merged segment by segment in one statement each
    assert first.inserted == first.read and len(calls) > 3 and set(calls) == {"merge"}
    assert "restarted" not in first.timings
    calls.clear()
    # other bytes (a blank line at the end), the same rows: merged, not skipped — with no run of lines known from the
    # first import (test_known_runs.py), so that every row is staged
    monkeypatch.setattr(services, "previous_runs", lambda kind, mark: [])
    copy = tmp_path / "copy.csv"
    copy.write_bytes(path.read_bytes() + b"\n")
    again = feed_import(kind="pension", path=copy, method="copy")
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, again.read)
    # a sample showed known keys: one merge at the end, its compare apart (parallel) from its writes
    assert calls == ["compare apart"]
    with connection.cursor() as cursor:  # the compare's parallel costs were for it alone (still in this transaction)
        cursor.execute("SELECT current_setting('parallel_setup_cost'), current_setting('parallel_tuple_cost')")
        assert cursor.fetchone() == ("1000", "0.1")
    assert first.touched_persons == 300 and again.touched_persons == 0


def test_duplicate_across_merged_segments_restarts_with_one_merge(tmp_path, monkeypatch):
    from feeds import merge_pg, reader

    monkeypatch.setattr(reader, "BLOCK_CHARS", 4096)
    monkeypatch.setattr(merge_pg, "SEGMENT_ROWS", 200)
    world = World(year=2025, employers=5, persons=100, seed=4)
    write_feeds(world, tmp_path, ["pension"], invalid_share=0)
    path = tmp_path / "pension.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    first_row = lines[1].split(",")
    lines.append(",".join([*first_row[:3], "9999.00"]))  # the first row's key again, at the very end
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = tmp_path / "r.csv"
    _not_empty()
    result = feed_import(kind="pension", path=path, method="copy", report_path=report)
    assert result.timings.get("restarted") == 1.0
    assert (result.read, result.inserted, result.rejected, result.superseded) == (len(lines) - 1, len(lines) - 2, 1, 1)
    assert result.samples == [(2, f"被第{len(lines)}行（相同主键）覆盖")]
    assert report.read_text(encoding="utf-8-sig").count("\n") == 2  # header + the superseded row, once
    model = KIND_MODELS["pension"]
    assert str(model.objects.get(id_number=first_row[0], month=int(first_row[2])).base_amount) == "9999.00"


def test_a_file_past_the_probe_cap_is_merged_once_without_a_restart(tmp_path, monkeypatch):
    """A file larger than the duplicate probe can follow (by its size) is staged whole and merged once: no segment
    merged and then rolled back, no second read — and the same result."""
    from feeds import merge_pg, merge_sql, probe, reader

    monkeypatch.setattr(reader, "BLOCK_CHARS", 4096)
    monkeypatch.setattr(merge_pg, "SEGMENT_ROWS", 200)
    world = World(year=2025, employers=5, persons=100, seed=7)
    write_feeds(world, tmp_path, ["pension"], invalid_share=0)
    path = tmp_path / "pension.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.append(",".join([*lines[1].split(",")[:3], "9999.00"]))  # a key repeated far apart
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    portable = feed_import(kind="pension", path=path, method="portable")
    expected = table("pension")
    clear()
    _not_empty()
    monkeypatch.setattr(probe, "DUPLICATE_PROBE_LIMIT", 300)  # fewer keys than the file has
    merges = []
    original = merge_sql.Statements.merge
    monkeypatch.setattr(
        merge_sql.Statements, "merge", lambda self, dedup: merges.append(dedup) or original(self, dedup)
    )
    probed = []  # whether the probe was still hashing keys, at each call
    add = probe.DuplicateProbe.add
    monkeypatch.setattr(probe.DuplicateProbe, "add", lambda self, *a: probed.append(not self.off) or add(self, *a))
    result = feed_import(kind="pension", path=path, method="copy")
    assert merges == [True] and "restarted" not in result.timings
    assert not any(probed)  # switched off from the start: no key hashes held for a file this size
    assert counts(result) == counts(portable) and result.samples == portable.samples
    assert sorted([*expected, ("X", "Y", 200001, Decimal("1.00"))]) == table("pension")


def test_initial_load_writes_the_rows_frozen(tmp_path):
    """An initial load COPYs with FREEZE into the table it truncated: every page all-visible (the first reader does
    not rewrite the table to set hint bits); ids go on from where they were (TRUNCATE does not restart them)."""
    world = World(year=2025, employers=5, persons=200, seed=7)
    write_feeds(world, tmp_path, ["pension"], invalid_share=0)
    model = KIND_MODELS["pension"]
    _not_empty()
    highest = model.objects.get().pk
    model.objects.all().delete()
    result = feed_import(kind="pension", path=tmp_path / "pension.csv", method="copy")
    assert INITIAL in result.timings and result.inserted == result.read > 1000
    assert model.objects.order_by("pk").values_list("pk", flat=True).first() > highest
    with connection.cursor() as cursor:
        cursor.execute("SELECT relpages, relallvisible FROM pg_class WHERE oid = %s::regclass", [model._meta.db_table])
        pages, visible = cursor.fetchone()
    assert pages > 1 and visible == pages and _key_index_exists()


def test_identifier_columns_compare_bytes():
    """The monthly facts' ID number and USCC columns are in the C collation (feeds.models.AsciiKeyField), so their
    unique keys sort bytes whatever the database's locale; the merges' joins with the staging table (default
    collation) take it and still use the unique index."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name, collation_name FROM information_schema.columns "
            "WHERE table_name IN ('feeds_pensioncontribution', 'feeds_medicalcontribution', 'feeds_wagerecord') "
            "AND column_name IN ('id_number', 'unit_uscc')"
        )
        rows = cursor.fetchall()
        assert len(rows) == 6 and {collation for _, _, collation in rows} == {"C"}
        cursor.execute("CREATE TEMPORARY TABLE probe_stage (id_number varchar(18), unit_uscc varchar(18), month int)")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT 1 FROM probe_stage s JOIN feeds_pensioncontribution t "
            "ON t.id_number = s.id_number AND t.unit_uscc = s.unit_uscc AND t.month = s.month"
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "uniq_pension_key" in plan, plan


@pytest.mark.parametrize(("block_chars", "oddities"), [(1 << 20, False), (4096, True)])
def test_initial_load_parsed_by_arrow_gives_what_the_python_path_gives(tmp_path, monkeypatch, block_chars, oddities):
    """The initial load's plain blocks parsed by Arrow (feeds.columnar) and by the Python reader: the same table,
    counts, rejected rows with their lines, changed persons and recorded runs — with bad rows, rewritten rows
    (spaces, a lower-case x) and, in small blocks, a blank line and a quoted tail (read by the Python path)."""
    from feeds import reader, staging
    from feeds.models import FeedChangedPerson, FeedImport

    monkeypatch.setattr(reader, "BLOCK_CHARS", block_chars)
    world = World(year=2025, employers=6, persons=300, seed=9)
    write_feeds(world, tmp_path, ["pension"], invalid_share=0.03)
    path = tmp_path / "pension.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    ident, unit, month, amount = lines[50].split(",")
    lines[50] = f"{ident.lower()},{unit}, {month} ,{amount}"
    if oddities:
        lines.insert(900, "")
        lines.insert(len(lines) - 20, f'"{ident}",{unit},{month},"{amount}"')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    def load():
        result = feed_import(kind="pension", path=path, method="copy")
        entry = FeedImport.objects.get(pk=result.log_id)
        return {
            "counts": counts(result),
            "samples": result.samples,
            "table": table("pension"),
            "rejections": list(entry.rejections.order_by("line").values_list("line", "reason", "fields")),
            "persons": sorted(FeedChangedPerson.objects.filter(feed_import=entry).values_list("id_number", flat=True)),
            "runs": staging.KnownRuns.unpack(bytes(entry.known_runs)),
        }

    parsed = []
    original = staging.columnar.parse
    monkeypatch.setattr(staging.columnar, "parse", lambda *a: parsed.append(original(*a)) or parsed[-1])
    with_arrow = load()
    assert sum(block is not None for block in parsed) >= 1 and with_arrow["counts"][4] > 10
    assert not oddities or None in parsed
    clear()
    FeedImport.objects.all().delete()
    monkeypatch.setattr(staging.columnar, "parse", lambda *a: None)  # every block read by the Python path
    assert load() == with_arrow


def test_blank_lines_at_the_end_of_blocks_in_the_middle_of_the_file(tmp_path, monkeypatch):
    """Blank lines ending a block anywhere in the file are dropped before the block is parsed: the same table,
    counts and rejected lines as the portable path (line numbers count the blank lines)."""
    from feeds import reader, staging

    monkeypatch.setattr(reader, "BLOCK_CHARS", 2048)
    world = World(year=2025, employers=5, persons=60, seed=11)
    write_feeds(world, tmp_path, ["pension"], invalid_share=0.05)
    path = tmp_path / "pension.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    spaced = [lines[0]]
    for n, line in enumerate(lines[1:]):
        spaced.append(line)
        if n % 23 == 22:
            spaced.extend(["", "", ""])
    path.write_text("\n".join(spaced) + "\n\n", encoding="utf-8")
    stripped = []
    original = staging._without_blank_end
    monkeypatch.setattr(
        staging, "_without_blank_end", lambda batch: stripped.append(batch.lines[-1]) or original(batch)
    )
    portable = feed_import(kind="pension", path=path, method="portable")
    expected = table("pension")
    clear()
    _not_empty()
    copy = feed_import(kind="pension", path=path, method="copy")
    assert counts(copy)[1:] == counts(portable)[1:] and copy.samples == portable.samples
    assert sorted([*expected, ("X", "Y", 200001, Decimal("1.00"))]) == table("pension")
    assert len(stripped) > 3 and min(stripped) < len(spaced) - 10  # blocks in the middle of the file, too
