"""Demo data of the feeds: the demo unit's workforce in the registry and the business year's 12 months of facts.

About 40 persons. Most have every month in order (✓); the others each show one realistic gap, so that a new user
registering them meets ✗ months and the reason: missing wages, a wage under the minimum after Beijing's raise of
September, missing insurance months, insurance paid by the related 上下级 unit, a certificate that expires (or is
renewed, or first issued) mid-year, 残疾军人证 of counting and non-counting grades, a man reaching the reformed
retirement age, a hire in April, a cancelled certificate and a person the registry has no certificate for. A few
persons also have last year's facts (for 导入上一年申报名单).

The rows go through the import service (so the demo exercises the real path). Idempotent: each file is first
dry-run and only imported when it would change something.
"""

from __future__ import annotations

import csv
import random
import tempfile
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from devdata.generator import chinese_name, id_number
from employers.constants import Relation
from feeds.parsing import id_gender
from feeds.rows import KINDS
from feeds.services import feed_import

SEED = 20260301
PERSONS = 40
REGIONS = ("110105", "110105", "110105", "110108", "110101", "110106", "110102")
LAST_YEAR_PERSONS = 6


@dataclass
class DemoPerson:
    index: int
    id_number: str
    name: str
    wage: int
    scenario: str
    certificates: list[tuple] = field(default_factory=list)
    months: range = range(1, 13)
    wage_missing: frozenset[int] = frozenset()
    pension_missing: frozenset[int] = frozenset()
    medical_missing: frozenset[int] = frozenset()
    low_wage: int | None = None  # a wage that is under the minimum after the September raise
    insured_by_related: bool = False


def _cert(number: str, person: str, kind: str, category: str, grade: int, start: date, end: date, status="有效"):
    return (number, person, kind, category, str(grade), str(start), str(end), status)


def demo_people(year: int) -> list[DemoPerson]:
    """The demo workforce, deterministic for ``year``."""
    rng = random.Random(SEED)
    people: list[DemoPerson] = []
    seen: set[str] = set()
    scenarios = {
        22: "wage_missing",
        23: "wage_missing",
        24: "low_wage",
        25: "pension_missing",
        26: "medical_missing",
        27: "related_insurance",
        28: "related_insurance",
        29: "cert_expires",
        30: "cert_renewed",
        31: "cert_new",
        32: "military_3",
        33: "military_9",
        34: "military_5",
        35: "retiring_man",
        36: "retiring_woman",
        37: "hired_april",
        38: "cert_cancelled",
        39: "no_certificate",
    }
    for index in range(PERSONS):
        scenario = scenarios.get(index, "ok")
        male = rng.random() < 0.55
        birth = date(year - rng.randint(22, 52), rng.randint(1, 12), rng.randint(1, 28))
        if scenario == "retiring_man":
            male, birth = True, date(year - 60, 5, 10)
        elif scenario == "retiring_woman":
            male, birth = False, date(year - 50, 3, 8)
        region = rng.choice(REGIONS)
        order = rng.randrange(0, 499) * 2 + (1 if male else 0)
        number = id_number(region, birth, order)
        while number in seen:
            order = (order + 2) % 1000
            number = id_number(region, birth, order)
        seen.add(number)
        gender = id_gender(number)
        person = DemoPerson(index, number, chinese_name(rng, gender), rng.randrange(3200, 9800, 100), scenario)
        category = str(index % 7 + 1)
        grade = (1, 2, 3, 4, 2, 3, 4)[index % 7]
        issued = date(year - rng.randint(1, 8), rng.randint(1, 12), rng.randint(1, 28))
        standard = _cert(
            f"{number}{category}{grade}",
            number,
            "残疾人证",
            category,
            grade,
            issued,
            issued.replace(year=issued.year + 10),
        )
        match scenario:
            case "wage_missing":
                person.wage_missing = frozenset({3, 4} if index % 2 else {11})
            case "low_wage":
                person.low_wage = 2500
            case "pension_missing":
                person.pension_missing = frozenset({6, 7})
            case "medical_missing":
                person.medical_missing = frozenset({11, 12})
            case "related_insurance":
                person.insured_by_related = True
            case "cert_expires":
                standard = _cert(
                    standard[0], number, "残疾人证", category, grade, date(year - 10, 6, 16), date(year, 6, 15)
                )
            case "cert_renewed":
                old_end = date(year, 4, 30)
                person.certificates.append(
                    _cert(standard[0], number, "残疾人证", category, grade, date(year - 10, 5, 1), old_end)
                )
                renewed = old_end + timedelta(days=20)
                standard = _cert(
                    f"{standard[0]}B1", number, "残疾人证", category, grade, renewed, date(year + 10, 5, 19)
                )
            case "cert_new":
                standard = _cert(
                    standard[0], number, "残疾人证", category, grade, date(year, 3, 20), date(year + 10, 3, 19)
                )
            case "military_3" | "military_9" | "military_5":
                military_grade = int(scenario[-1])
                standard = _cert(
                    f"军残字第{110000 + index:07d}号",
                    number,
                    "残疾军人证",
                    "",
                    military_grade,
                    date(year - 12, 8, 1),
                    date(2099, 12, 31),
                )
            case "hired_april":
                person.months = range(4, 13)
            case "cert_cancelled":
                standard = (*standard[:-1], "注销")
            case "no_certificate":
                standard = None
        if standard is not None:
            person.certificates.append(standard)
        people.append(person)
    return people


def _monthly_rows(people: list[DemoPerson], year: int, unit: str, related: str | None, kind: str) -> list[tuple]:
    rows = []
    for p in people:
        missing = {"pension": p.pension_missing, "medical": p.medical_missing, "wages": p.wage_missing}[kind]
        payer = related if (p.insured_by_related and related and kind != "wages") else unit
        for month in p.months:
            if month in missing:
                continue
            amount = p.low_wage if (kind == "wages" and p.low_wage) else p.wage
            rows.append((p.id_number, payer, year * 100 + month, f"{amount}.00"))
    return rows


def demo_files(out: Path, *, year: int, unit: str, related: str | None) -> dict[str, Path]:
    """Write the demo feed files (persons, certificates, and the facts of ``year`` and ``year - 1``)."""
    people = demo_people(year)
    rows: dict[str, list[tuple]] = {
        "persons": [],
        "certificates": [c for p in people for c in p.certificates],
    }
    rng = random.Random(SEED + 1)
    education = ("初中", "高中", "中专", "大专", "本科", "本科", "硕士")
    for p in people:
        road = rng.choice(("朝阳路", "建国路", "望京街", "酒仙桥路", "东三环中路"))
        rows["persons"].append(
            (
                p.id_number,
                p.name,
                id_gender(p.id_number),
                p.id_number[:6],
                f"北京市朝阳区{road}{rng.randint(1, 200)}号",
                f"13{rng.randrange(10**9):09d}",
                rng.choice(education),
            )
        )
    veterans = people[:LAST_YEAR_PERSONS]
    for kind in ("pension", "medical", "wages"):
        rows[kind] = _monthly_rows(people, year, unit, related, kind) + _monthly_rows(
            [DemoPerson(p.index, p.id_number, p.name, p.wage - 200, "ok") for p in veterans], year - 1, unit, None, kind
        )
    paths = {}
    for kind, data in rows.items():
        path = out / f"{kind}.csv"
        with path.open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(KINDS[kind].columns)
            writer.writerows(data)
        paths[kind] = path
    return paths


def load_demo(ctx) -> list[str]:
    employer, year = ctx["employer"], ctx["year"]
    related = (
        employer.related_units.filter(relation=Relation.PARENT_SUBSIDIARY, is_active=True)
        .exclude(uscc="")
        .order_by("pk")
        .values_list("uscc", flat=True)
        .first()
    )
    lines = []
    with tempfile.TemporaryDirectory(prefix="feeds-demo-") as tmp:
        paths = demo_files(Path(tmp), year=year, unit=employer.uscc, related=related)
        for kind in ("persons", "certificates", "pension", "medical", "wages"):
            trial = feed_import(kind=kind, path=paths[kind], dry_run=True, by="演示数据")
            if trial.inserted or trial.updated:
                result = feed_import(kind=kind, path=paths[kind], by="演示数据")
                lines.append(result.summary)
            if trial.rejected:
                lines.append(f"{kind}: {trial.rejected} 行被拒绝（演示数据有误）：{trial.samples[:3]}")
    if not related:
        lines.append("演示单位没有上下级关联单位：由关联单位参保的两人按本单位参保生成")
    return lines or ["数据交换演示数据已存在，未改动"]
