"""The COPY path (PostgreSQL) and the portable ORM path give the same tables and the same counts."""

import pytest
from django.db import connection

from feeds.generator import World, write_feeds
from feeds.services import KIND_MODELS, feed_import
from tests.feeds.factories import write_csv

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the COPY path needs PostgreSQL"),
]
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


@pytest.mark.parametrize(("block", "probe_limit"), [(1 << 20, 5_000_000), (2048, 5_000_000), (1 << 20, 0)])
def test_copy_and_portable_give_the_same_result(files, block, probe_limit, monkeypatch):
    from feeds import reader, staging

    monkeypatch.setattr(reader, "BLOCK_CHARS", block)  # small blocks: verbatim and validated ones mixed
    monkeypatch.setattr(staging, "DUPLICATE_PROBE_LIMIT", probe_limit)  # 0: always deduplicate in SQL
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
    from tests.feeds.factories import person_id

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
