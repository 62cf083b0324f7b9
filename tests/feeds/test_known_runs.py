"""Runs of lines known from the previous import (ADR 0002, "Runs of lines known"): a re-import of mostly the same
lines neither checks nor stages those runs again, and gives exactly what checking every row gives — the same table,
counts, rejected rows with their lines and reasons, changed persons — whatever changed in the file."""

import pytest
from django.db import connection

from devdata.generator import World, write_feeds
from feeds import import_log, reader, services, staging
from feeds.blocks import SplitBlock
from feeds.models import FeedChangedPerson, FeedImport, FeedRejection
from feeds.parsing import Bounds
from feeds.services import KIND_MODELS, feed_import
from feeds.staging import KnownRuns

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the COPY path needs PostgreSQL"),
]
MODEL = KIND_MODELS["pension"]


def _table():
    return sorted(MODEL.objects.values_list("id_number", "unit_uscc", "month", "base_amount"))


def _outcome(result):
    entry = FeedImport.objects.get(pk=result.log_id)
    return {
        "counts": (result.read, result.inserted, result.updated, result.unchanged, result.rejected, result.superseded),
        "samples": result.samples,
        "reasons": result.reasons,
        "touched": result.touched_persons,
        "recompute": [r.as_kwargs() for r in result.recompute],
        "rejections": list(
            FeedRejection.objects.filter(feed_import=entry).order_by("line").values_list("line", "reason", "fields")
        ),
        "persons": sorted(FeedChangedPerson.objects.filter(feed_import=entry).values_list("id_number", flat=True)),
        "table": _table(),
    }


def _clear():
    MODEL.objects.all().delete()
    FeedImport.objects.all().delete()


def _files(tmp_path):
    """A first file with rejected and rewritten rows, then re-imports of it changed in the ways a sender changes it."""
    world = World(year=2025, employers=6, persons=400, seed=21)
    write_feeds(world, tmp_path, ["pension"], invalid_share=0.02)
    first = tmp_path / "pension.csv"
    lines = first.read_text(encoding="utf-8").splitlines()
    header, body = lines[0], lines[1:]
    ident, unit, month, amount = body[30].split(",")
    body[30] = f"{ident.lower()},{unit}, {month} ,{amount}"  # valid, rewritten by the validator (not verbatim)
    first.write_text("\n".join([header, *body]) + "\n", encoding="utf-8")

    def write(name, rows, end="\n"):
        path = tmp_path / name
        path.write_text("\n".join([header, *rows]) + end, encoding="utf-8")
        return path

    in_place = list(body)
    fields = in_place[700].split(",")
    in_place[700] = ",".join([*fields[:3], "12345.67"])  # a changed amount
    fields = in_place[1500].split(",")
    in_place[1500] = ",".join([fields[0], fields[1], "202513", fields[3]])  # now rejected
    fields = in_place[2600].split(",")
    in_place[2600] = ",".join([fields[0], fields[1], fields[2], "-5"])  # now rejected too
    fewer = in_place[:1000] + in_place[1700:]  # rows missing: stored rows stay (a re-import never deletes)
    repeated = [*in_place, ",".join([*body[5].split(",")[:3], "777.00"])]  # an early key again at the end
    return [
        ("first", first),
        ("other bytes", write("same.csv", body, end="\n\n")),
        ("changed in place", write("in-place.csv", in_place)),
        ("a key repeated at the end", write("repeated.csv", repeated)),
        ("after a superseded row", write("in-place-again.csv", in_place, end="\n\n")),
        ("rows missing", write("fewer.csv", fewer)),
        ("the first row missing", write("shifted.csv", fewer[1:])),  # every run moves by one line
    ]


def _read_by(path_name, monkeypatch):
    """Plain blocks parsed by Arrow (``arrow``, the default: feeds.columnar) or all by the Python reader; returns the
    list of Arrow's blocks (None where it left one to the Python reader)."""
    parsed = []
    original = staging.columnar.parse
    if path_name == "python":
        monkeypatch.setattr(staging.columnar, "parse", lambda *a: None)
    else:
        monkeypatch.setattr(staging.columnar, "parse", lambda *a: parsed.append(original(*a)) or parsed[-1])
    return parsed


READERS = pytest.mark.parametrize("read_by", ["arrow", "python"])


@READERS
@pytest.mark.parametrize(("block_chars", "min_rows", "max_rows"), [(1 << 20, 64, 4096), (9000, 8, 100)])
def test_known_runs_give_what_checking_every_row_gives(tmp_path, monkeypatch, block_chars, min_rows, max_rows, read_by):
    parsed = _read_by(read_by, monkeypatch)
    monkeypatch.setattr(reader, "BLOCK_CHARS", block_chars)
    monkeypatch.setattr(reader, "MIN_RUN_ROWS", min_rows)
    monkeypatch.setattr(reader, "MAX_RUN_ROWS", max_rows)
    files = _files(tmp_path)
    with_runs, known = [], {}
    by_arrow = {}  # blocks Arrow parsed, per import
    for label, path in files:
        before = sum(block is not None for block in parsed)
        result = feed_import(kind="pension", path=path, method="copy")
        by_arrow[label] = sum(block is not None for block in parsed) - before
        with_runs.append(_outcome(result))
        known[label] = (result.known, "restarted" in result.timings)
    # Arrow read the blocks holding known runs too (or none: the Python reader)
    assert by_arrow["other bytes"] >= 1 if read_by == "arrow" else not parsed
    _clear()
    monkeypatch.setattr(services, "previous_runs", lambda kind, mark: [])
    every_row = []
    for _label, path in files:
        result = feed_import(kind="pension", path=path, method="copy")
        assert result.known == 0
        every_row.append(_outcome(result))
    for (label, _path), a, b in zip(files, with_runs, every_row, strict=True):
        assert a == b, label
    read = {label: outcome["counts"][0] for (label, _), outcome in zip(files, with_runs, strict=True)}
    # the runs were really used: most rows of a re-import of the same or slightly changed lines
    assert known["first"] == (0, False)
    assert known["other bytes"][0] > 0.8 * read["other bytes"]
    assert known["changed in place"][0] > 0.5 * read["changed in place"]
    # a key repeated across a known run and another row: checked again in full (the later line wins)
    assert known["a key repeated at the end"] == (0, True)
    # the previous import had a superseded row and left no runs; the runs of the one before it are used, but for
    # those holding the person whose facts it changed
    assert 0.5 * read["after a superseded row"] < known["after a superseded row"][0] < read["after a superseded row"]
    # rows missing: the runs around them are checked again, the others known (run boundaries depend on the lines)
    assert known["rows missing"][0] > 0.4 * read["rows missing"]
    # (at 9,000 characters a block holds ~170 lines and natural run starts come ~440 lines apart: most blocks end
    # at no run start, so the runs after them line up only from the next natural start on)
    assert known["the first row missing"][0] > (0.8 if block_chars > 9000 else 0.35) * read["the first row missing"]
    # the scenario had rejections re-reported from known runs, rewritten rows, updates and a superseded row
    first = with_runs[0]["counts"]
    assert first[4] > 10 and with_runs[1]["counts"][4] == first[4] and with_runs[1]["rejections"]
    assert with_runs[2]["counts"][2] == 1 and with_runs[2]["counts"][4] == first[4] + 2
    assert with_runs[3]["counts"][5] == 1 and with_runs[3]["counts"][2] == 1


def test_runs_are_not_trusted_once_the_table_changed(tmp_path):
    """Another import since (a row inserted): the latest import's runs are another file's; a dry run and a run with
    a report check every row."""
    files = dict(_files(tmp_path))
    feed_import(kind="pension", path=files["first"], method="copy")
    assert feed_import(kind="pension", path=files["other bytes"], method="copy", dry_run=True).known == 0
    report = tmp_path / "r.csv"
    assert feed_import(kind="pension", path=files["other bytes"], method="copy", report_path=report).known == 0
    again = feed_import(kind="pension", path=files["changed in place"], method="copy")
    assert again.known > 0 and (again.inserted, again.updated) == (0, 1)
    # a row stored since the latest import (its highest id moved): nothing is known
    MODEL.objects.create(id_number="X", unit_uscc="Y", month=200001, base_amount=1)
    assert import_log.previous_runs("pension", import_log.table_mark(MODEL)) == []
    result = feed_import(kind="pension", path=files["other bytes"], method="copy")
    assert result.known == 0 and (result.inserted, result.updated) == (0, 1)


def test_the_same_file_shortcut_keeps_the_runs(tmp_path):
    files = dict(_files(tmp_path))
    feed_import(kind="pension", path=files["first"], method="copy")
    same = feed_import(kind="pension", path=files["first"], method="copy")
    assert same.method == import_log.SAME_FILE
    assert feed_import(kind="pension", path=files["other bytes"], method="copy").known > 0


def _digests(runs, texts, starts):
    """The digests of the runs of ``texts`` (lines) that start at ``starts``, as CopyStream takes them."""
    return [runs.digest(text) for text in SplitBlock([], "\n".join(texts), texts, starts).run_texts()]


def test_known_runs_pack_and_unpack():
    runs = KnownRuns("pension", ["id_number", "unit_uscc", "month", "base_amount"], Bounds(2000, 2027))
    texts = [f"{n:018d},91110105800000018G,202501,{n}.00" for n in range(1100)]
    digests = _digests(runs, texts, [0, 512, 1024])
    assert len(digests) == 3 and len(set(digests)) == 3 and all(len(d) == 16 for d in digests)
    runs.seen = {digests[0]: (), digests[1]: (0, 7, 511), digests[2]: (75,)}
    assert KnownRuns.unpack(runs.pack()) == runs.seen
    # the digest covers the header and the accepted range, not only the text
    other = KnownRuns("pension", ["unit_uscc", "id_number", "month", "base_amount"], Bounds(2000, 2027))
    later = KnownRuns("pension", ["id_number", "unit_uscc", "month", "base_amount"], Bounds(2000, 2028))
    starts = [0, 512, 1024]
    assert not set(digests) & set(_digests(other, texts, starts))
    assert not set(digests) & set(_digests(later, texts, starts))


def _increment(path, out, every, amount):
    """Every ``every``-th row of ``path`` with the amount ``amount``, alone in a file (another file of the kind: an
    increment that changes some persons' facts; its runs are not the year file's)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    changed = [",".join([*lines[n].split(",")[:3], amount]) for n in range(1, len(lines), every)]
    out.write_text("\n".join([lines[0], *changed]) + "\n", encoding="utf-8")
    return out


@READERS
@pytest.mark.parametrize(("block_chars", "min_rows", "max_rows"), [(1 << 20, 64, 4096), (9000, 8, 100)])
def test_runs_of_older_imports_are_trusted_for_persons_no_later_import_changed(
    tmp_path, monkeypatch, block_chars, min_rows, max_rows, read_by
):
    """A year's file, then another file of the kind that changes some persons' facts (an increment), then the year's
    rows again: the first import's runs are used for the persons the increment did not change, and the result is what
    checking every row gives — the increment's changes undone where the year's file says otherwise."""
    _read_by(read_by, monkeypatch)
    monkeypatch.setattr(reader, "BLOCK_CHARS", block_chars)
    monkeypatch.setattr(reader, "MIN_RUN_ROWS", min_rows)
    monkeypatch.setattr(reader, "MAX_RUN_ROWS", max_rows)
    files = dict(_files(tmp_path))
    increment = _increment(files["first"], tmp_path / "increment.csv", 1200, "4321.00")
    sequence = [files["first"], increment, files["other bytes"], increment, files["changed in place"]]
    with_runs, outcomes = [], []
    for path in sequence:
        with_runs.append(feed_import(kind="pension", path=path, method="copy"))
        outcomes.append(_outcome(with_runs[-1]))  # the table as this import left it
    _clear()
    monkeypatch.setattr(services, "previous_runs", lambda kind, mark: [])
    every_row = [_outcome(feed_import(kind="pension", path=path, method="copy")) for path in sequence]
    assert outcomes == every_row
    _first, changing, again, changing_again, in_place = with_runs
    assert changing.updated >= 3 and changing_again.updated == changing.updated  # the increment undone in between
    # the year's rows after the increment: the first import's runs, but for those holding a changed person
    assert 0.3 * again.read < again.known < again.read - changing.updated
    assert again.updated == changing.updated  # every row the increment changed was staged and set back
    assert in_place.known > 0.3 * in_place.read


def test_the_chain_of_runs_ends_at_an_import_whose_changed_persons_were_not_all_kept(tmp_path, monkeypatch):
    files = dict(_files(tmp_path))
    increment = _increment(files["first"], tmp_path / "increment.csv", 1200, "4321.00")
    feed_import(kind="pension", path=files["first"], method="copy")
    monkeypatch.setattr(import_log, "CHANGED_PERSONS_CAP", 3)
    changing = feed_import(kind="pension", path=increment, method="copy")
    entry = FeedImport.objects.get(pk=changing.log_id)
    assert entry.persons_changed > entry.persons_stored == 3
    chain = import_log.previous_runs("pension", import_log.table_mark(MODEL))
    assert [changed for _, changed in chain] == [None]  # the increment's own runs only, not the first import's
    assert feed_import(kind="pension", path=files["other bytes"], method="copy").known == 0


@pytest.mark.parametrize("meanwhile", ["table emptied", "row written by hand"])
def test_the_chain_of_runs_ends_where_something_else_wrote_the_table(tmp_path, meanwhile):
    """Between the year's import and an increment the table was emptied (the increment then loads an empty table) or
    a row was written outside an import: the year's runs may not describe the table any more, so the year's rows
    imported again are all checked and staged — and every missing row is stored again."""
    files = dict(_files(tmp_path))
    increment = _increment(files["first"], tmp_path / "increment.csv", 1200, "4321.00")
    first = feed_import(kind="pension", path=files["first"], method="copy")
    if meanwhile == "table emptied":
        MODEL.objects.all().delete()
    else:
        MODEL.objects.create(id_number="X", unit_uscc="Y", month=200001, base_amount=1)
    feed_import(kind="pension", path=increment, method="copy")
    assert len(import_log.previous_runs("pension", import_log.table_mark(MODEL))) == 1  # the increment's own runs only
    again = feed_import(kind="pension", path=files["other bytes"], method="copy")
    assert again.known == 0
    stored = first.inserted + (1 if meanwhile == "row written by hand" else 0)
    assert MODEL.objects.count() == stored


def _quoted(line: bytes) -> bytes:
    return b",".join(b'"' + field + b'"' for field in line.split(b","))


@READERS
@pytest.mark.parametrize("form", ["crlf", "quoted"])
def test_a_crlf_or_quoted_file_takes_the_fast_path_and_knows_the_runs_of_its_twin(tmp_path, monkeypatch, read_by, form):
    """CRLF line ends (RFC 4180; Windows and Excel exports), and every field quoted as well (some exporters quote
    everything), give the records of the plain file with LF ends, on the same path (plain blocks, not the csv module),
    with the same counts, rejected lines and table; and a block ends only where a run starts however the file was
    cut into blocks, so a re-import of the other form knows every run (the blocks of the two files end at other
    characters)."""
    parsed = _read_by(read_by, monkeypatch)
    monkeypatch.setattr(reader, "BLOCK_CHARS", 1 << 17)  # ~2,400 lines a block: ten blocks
    world = World(year=2025, employers=6, persons=2000, seed=23)
    write_feeds(world, tmp_path, ["pension"], invalid_share=0.02)
    lf = tmp_path / "pension.csv"
    crlf = tmp_path / f"pension-{form}.csv"
    lines = lf.read_bytes().split(b"\n")
    if form == "quoted":
        lines = [lines[0], *(_quoted(line) if line else line for line in lines[1:])]
    crlf.write_bytes(b"\r\n".join(lines))
    csv_module = []
    original = reader.FeedFile._csv_batches
    monkeypatch.setattr(reader.FeedFile, "_csv_batches", lambda *a: csv_module.append(1) or original(*a))
    outcomes = {}
    for label, first, again in (("lf first", lf, crlf), ("crlf first", crlf, lf)):
        _clear()
        result = feed_import(kind="pension", path=first, method="copy")
        outcomes[label] = _outcome(result)
        reimport = feed_import(kind="pension", path=again, method="copy")
        assert (reimport.inserted, reimport.updated) == (0, 0)
        assert reimport.known == reimport.read - reimport.rejected > 20_000, label  # every run known
        assert reimport.rejected == result.rejected > 100 and reimport.samples == result.samples
    assert outcomes["lf first"] == outcomes["crlf first"]
    assert not csv_module and (read_by == "python" or sum(block is not None for block in parsed) >= 10)


@READERS
def test_a_file_with_columns_the_import_ignores_takes_the_fast_path(tmp_path, monkeypatch, read_by):
    """Columns the import ignores (a name, a remark; not ASCII; before, between and after the kind's columns): the
    plain blocks are cut down to the kind's columns by Arrow and go to COPY as that text, the rows that need the
    validator are read whole — so the counts, the table and the rejected rows with all their fields are the
    portable path's — and a re-import of the file without those columns knows its runs."""
    parsed = _read_by(read_by, monkeypatch)
    monkeypatch.setattr(reader, "BLOCK_CHARS", 1 << 17)
    projected = []
    project = staging.columnar.project
    if read_by == "arrow":
        monkeypatch.setattr(staging.columnar, "project", lambda *a: projected.append(project(*a)) or projected[-1])
    world = World(year=2025, employers=6, persons=1500, seed=29)
    write_feeds(world, tmp_path, ["pension"], invalid_share=0.02)
    plain = tmp_path / "pension.csv"
    _header, *body = plain.read_text(encoding="utf-8").splitlines()
    wide = tmp_path / "pension-wide.csv"
    rows = []
    for n, line in enumerate(body):
        ident, unit, month, amount = line.split(",")
        rows.append(f"职工{n % 97},{ident},{unit},备注{n % 5},{month},{amount},")
    wide.write_text("\n".join(["姓名,id_number,unit_uscc,备注,month,base_amount,空列", *rows]) + "\n", encoding="utf-8")

    outcomes = {}
    for method in ("portable", "copy"):
        _clear()
        result = feed_import(kind="pension", path=wide, method=method)
        assert result.warnings == ["忽略多余的列：姓名, 备注, 空列"]
        outcomes[method] = _outcome(result)
    assert outcomes["copy"] == outcomes["portable"]
    assert outcomes["copy"]["counts"][4] > 100  # rejected rows, stored with every field of their line
    assert all(len(fields) == 7 for _line, _reason, fields in outcomes["copy"]["rejections"])
    if read_by == "arrow":
        assert sum(block is not None for block in projected) >= 8 and not any(parsed)
    again = feed_import(kind="pension", path=plain, method="copy")
    assert (again.inserted, again.updated) == (0, 0) and again.known == again.read - again.rejected


def test_a_byte_order_mark_inside_a_file_with_ignored_columns_is_read_as_the_portable_path_reads_it(tmp_path):
    """A line that begins with a byte-order mark (a file's body with its own, appended after a header): part of the
    first field on both paths — Arrow, which skips one at the start of its input, does not cut that block down."""
    world = World(year=2025, employers=2, persons=20, seed=31)
    write_feeds(world, tmp_path, ["pension"], invalid_share=0)
    _header, *body = (tmp_path / "pension.csv").read_text(encoding="utf-8").splitlines()
    wide = tmp_path / "wide.csv"
    rows = [f"{line},张三" for line in body]
    wide.write_text("\n".join(["id_number,unit_uscc,month,base_amount,name", "\ufeff" + rows[0], *rows[1:]]) + "\n")
    outcomes = {}
    for method in ("portable", "copy"):
        _clear()
        outcomes[method] = _outcome(feed_import(kind="pension", path=wide, method=method))
    assert outcomes["copy"] == outcomes["portable"]
    assert outcomes["copy"]["counts"][4] == 1 and outcomes["copy"]["rejections"][0][0] == 2
