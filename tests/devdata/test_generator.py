"""generate_feeds: deterministic, valid identifiers, every category and grade, gaps, and files that import."""

import csv
from collections import Counter
from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from stdnum.cn import ric, uscc

from devdata.generator import World, write_feeds
from feeds.parsing import id_gender
from feeds.services import feed_import


def read(path):
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def world():
    return World(year=2025, employers=12, persons=600, seed=3)


@pytest.fixture(scope="module")
def out(world, tmp_path_factory):
    path = tmp_path_factory.mktemp("feeds")
    write_feeds(world, path, invalid_share=0)
    return path


def test_same_seed_same_files(world, out, tmp_path):
    write_feeds(World(year=2025, employers=12, persons=600, seed=3), tmp_path, invalid_share=0)
    for name in ("persons.csv", "pension.csv", "certificates.csv", "employers.csv"):
        assert (tmp_path / name).read_bytes() == (out / name).read_bytes()
    write_feeds(World(year=2025, employers=12, persons=600, seed=4), tmp_path / "other", ["persons"])
    assert (tmp_path / "other" / "persons.csv").read_bytes() != (out / "persons.csv").read_bytes()


def test_identifiers_are_valid_and_genders_match(out):
    persons = read(out / "persons.csv")
    assert len(persons) == 600 and len({p["id_number"] for p in persons}) == 600
    for p in persons:
        assert ric.is_valid(p["id_number"]), p
        assert id_gender(p["id_number"]) == p["gender"]
        assert p["region_code"] == p["id_number"][:6]
    units = read(out / "employers.csv")
    assert all(uscc.is_valid(u["uscc"]) for u in units)
    assert all(uscc.is_valid(u["related_uscc"]) for u in units if u["related_uscc"])
    assert {u["related_relation"] for u in units} >= {"", "上下级"}


def test_certificates_cover_categories_grades_and_military(out):
    certs = read(out / "certificates.csv")
    civil = [c for c in certs if c["cert_type"] == "残疾人证"]
    military = [c for c in certs if c["cert_type"] == "残疾军人证"]
    assert {c["category"] for c in civil} == {str(n) for n in range(1, 8)}
    assert {c["grade"] for c in civil} == {"1", "2", "3", "4"}
    assert military and all(c["category"] == "" and 1 <= int(c["grade"]) <= 10 for c in military)
    assert any(c["valid_to"].startswith("2025-") for c in civil), "some certificates expire mid-year"
    assert any(c["cert_no"].endswith("B1") for c in civil), "some are renewed"


def test_gaps_and_minimum_wage_changes(world, out):
    pension = read(out / "pension.csv")
    wages = read(out / "wages.csv")
    per_person = Counter(r["id_number"] for r in wages)
    assert any(n < 12 for n in per_person.values()), "missing wage months"
    assert any(r["amount"] == "1500.00" for r in wages), "wages under the minimum"
    units = {u.uscc for u in world.units}
    assert any(r["unit_uscc"] not in units for r in pension), "insurance paid by a related unit"
    assert {r["month"][:4] for r in pension} == {"2025"}
    min_wages = read(out / "min_wages.csv")
    assert any(r["effective_from"] == "2025-07-01" for r in min_wages), "a mid-year change"
    assert any(len(r["region_code"]) == 4 for r in min_wages), "a city-level override"
    persons = read(out / "persons.csv")
    assert any(p["id_number"][6:10] == "1965" and p["gender"] == "男" for p in persons), "men born 1965 (reform)"


def test_invalid_rows_are_the_only_rejections(tmp_path, db):
    world = World(year=2025, employers=5, persons=300, seed=9)
    write_feeds(world, tmp_path, ["persons", "pension", "min_wages", "certificates"], invalid_share=0.01)
    for kind in ("persons", "pension", "min_wages", "certificates"):
        result = feed_import(kind=kind, path=tmp_path / f"{kind}.csv", today=date(2026, 3, 1))
        assert result.inserted + result.rejected == result.read
        if kind == "min_wages":
            assert result.rejected == 0
        for _, reason in result.samples:
            assert any(s in reason for s in ("校验位错误", "YYYYMM", "负数", "身份证号不一致")), reason
    assert write_feeds(world, tmp_path / "lim", ["pension"], limits={"pension": 100}) == {"pension": 100}


def test_generate_feeds_command(tmp_path, db):
    out = StringIO()
    call_command(
        "generate_feeds", "--year", "2025", "--employers", "3", "--persons", "20", "--out", str(tmp_path),
        "--seed", "5", "--kinds", "persons,pension", stdout=out,
    )  # fmt: skip
    assert (tmp_path / "persons.csv").exists() and (tmp_path / "pension.csv").exists()
    assert not (tmp_path / "wages.csv").exists()
    assert "persons.csv: 20 行" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("generate_feeds", "--year", "2025", "--employers", "1", "--persons", "1", "--out", str(tmp_path),
                     "--kinds", "nope")  # fmt: skip
