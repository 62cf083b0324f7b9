"""Seeding reference data (called by ``manage.py load_reference_data``).

Regions come from python-stdnum's GB/T 2260 table ``stdnum/cn/loc.dat``. Its format::

    11 province="北京市"
      0000 county="北京市"
      0100 county="市辖区"
      0103 county="[-2010]崇文区"
      0110 county="[-1991]东郊区,[1992-]东丽区"

A province line, then indented four-digit suffixes. A name may carry a validity range (``[1986-]`` created,
``[-2010]`` abolished, ``[1983-1994]`` both) and a code may have had several names over time (comma-separated; the
last one is the latest). A code whose latest name has an end year is abolished: kept (old ID numbers still carry it)
but never offered in pickers. Suffix ``0000`` is the province itself, ``xx00`` a prefecture-level city, the rest
counties.

Every loader is idempotent: it creates what is missing, updates what changed (regions, and ratio rows nobody edited
in admin — admin-edited ratios, wages and windows are never overwritten) and reports counts.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction

from core import audit, regiontable
from core import calendar as workdays
from core.models import (
    CalendarDay,
    CalendarDayKind,
    EmploymentRatio,
    FilingWindow,
    MinimumWage,
    Region,
    RegionLevel,
    SocialAverageWage,
)

# Intermediate levels whose name is not part of a region's full name (北京市 + 市辖区 + 朝阳区 → 北京市朝阳区).
GENERIC_CITY_NAMES = frozenset(
    {"市辖区", "县", "省直辖县级行政单位", "省直辖行政单位", "自治区直辖县级行政单位", "省直辖县级行政区划"}
)
# Mainland provinces get ratios and filing windows; 71 台湾, 81 香港, 82 澳门 stay as regions only.
NON_FILING_PROVINCES = frozenset({"71", "81", "82"})

DEFAULT_RATIO_PERCENT = Decimal("1.50")
# Business years seeded: 2015 (levied in 2016, the calculator's first levy year) … 2027.
RATIO_YEARS = range(2015, 2028)


@dataclass(frozen=True)
class RatioSeed:
    """What ``load_reference_data`` seeds for a province's 安排比例 (ADR 0009). ``confirmed`` only when the value
    and the date were checked against the document; everything else is shown as 待核实 until an admin confirms it."""

    ratio_percent: Decimal
    source: str
    effective_from: date | None
    confirmed: bool = False


# 《残疾人就业条例》 (国务院令第488号, in force 2007-05-01) 第八条: at least 1.5 %, the province sets the exact ratio.
# The national minimum is what a province gets until its own rule has been checked.
NATIONAL_RATIO = RatioSeed(
    DEFAULT_RATIO_PERCENT,
    "《残疾人就业条例》（国务院令第488号）第八条规定的最低比例 1.5%；本省规定待核实",
    date(2007, 5, 1),
)
# Provinces whose own ratio differs from the minimum (domain.md §2). The documents are named for the admin who
# confirms them; their dates were not at hand, so the rows stay 待核实 until then.
PROVINCE_RATIOS: dict[str, RatioSeed] = {
    "11": RatioSeed(
        Decimal("1.70"),
        "北京市规定比例 1.7%（京财税〔2016〕639号《北京市残疾人就业保障金征收使用管理办法》第八条计算公式按 1.7%）",
        None,
    ),
    "31": RatioSeed(Decimal("1.60"), "上海市规定比例 1.6%（《上海市残疾人分散按比例就业办法》）", None),
}
WINDOW_YEARS = range(2024, 2027)

# Demo reference values for Beijing (110000), not an official dataset: replace them in admin for production use.
DEMO_MINIMUM_WAGES = [
    ("11", date(2023, 9, 1), Decimal("2420.00")),
    ("11", date(2025, 9, 1), Decimal("2540.00")),
]
DEMO_SOCIAL_AVERAGE_WAGES = [("11", 2024, Decimal("146000.00"))]


@dataclass(frozen=True)
class RegionRow:
    code: str
    name: str
    full_name: str
    level: str
    parent_code: str | None
    abolished: bool


@dataclass
class LoadCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        return f"新增 {self.created}，更新 {self.updated}，未变 {self.unchanged}"


def parse_loc_dat(lines: Iterable[str]) -> list[RegionRow]:
    """Parse the stdnum table into rows sorted by code (parents before children). Pure."""
    raw = {code: (r.name, r.abolished) for code, r in regiontable.parse(lines).items()}
    rows = []
    for code in sorted(raw):
        name, abolished = raw[code]
        if code.endswith("0000"):
            level, parent, full = RegionLevel.PROVINCE, None, name
        else:
            province_code, city_code = code[:2] + "0000", code[:4] + "00"
            province_name = raw.get(province_code, ("", False))[0]
            if code.endswith("00"):
                level, parent, full = RegionLevel.CITY, province_code, province_name + name
            else:
                level = RegionLevel.COUNTY
                parent = city_code if city_code in raw else province_code
                city_name = raw[city_code][0] if city_code in raw else ""
                city_part = "" if city_name in GENERIC_CITY_NAMES else city_name
                full = province_name + city_part + name
        rows.append(RegionRow(code, name, full[:200], level, parent, abolished))
    return rows


def stdnum_region_lines() -> Iterator[str]:
    return regiontable.stdnum_lines()


def load_regions(rows: Iterable[RegionRow] | None = None) -> LoadCounts:
    """Upsert the regions with bulk operations (one read, one bulk insert, one bulk update)."""
    rows = list(rows if rows is not None else parse_loc_dat(stdnum_region_lines()))
    existing = {r.code: r for r in Region.objects.all()}
    counts = LoadCounts()
    to_create, to_update = [], []
    for row in rows:
        values = {
            "name": row.name,
            "full_name": row.full_name,
            "level": row.level,
            "parent_id": row.parent_code,
            "abolished": row.abolished,
        }
        current = existing.get(row.code)
        if current is None:
            to_create.append(Region(code=row.code, **values))
        elif any(getattr(current, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(current, k, v)
            to_update.append(current)
        else:
            counts.unchanged += 1
    Region.objects.bulk_create(to_create, batch_size=1000)
    Region.objects.bulk_update(to_update, ["name", "full_name", "level", "parent", "abolished"], batch_size=500)
    counts.created, counts.updated = len(to_create), len(to_update)
    return counts


def filing_provinces() -> list[str]:
    codes = Region.objects.filter(level=RegionLevel.PROVINCE).values_list("code", flat=True)
    return sorted(c[:2] for c in codes if c[:2] not in NON_FILING_PROVINCES)


def _create_missing(model, key_fields: tuple[str, ...], wanted: list[dict]) -> LoadCounts:
    """Insert the rows of ``wanted`` whose key is not there yet; never touch existing rows."""
    existing = set(model.objects.values_list(*key_fields))
    new = [model(**row) for row in wanted if tuple(row[k] for k in key_fields) not in existing]
    model.objects.bulk_create(new, batch_size=1000)
    return LoadCounts(created=len(new), unchanged=len(wanted) - len(new))


RATIO_SEED_FIELDS = ("ratio_percent", "source", "effective_from", "confirmed")


def ratio_seed(province_code: str) -> RatioSeed:
    return PROVINCE_RATIOS.get(province_code, NATIONAL_RATIO)


def load_employment_ratios(provinces: list[str]) -> LoadCounts:
    """Create the missing rows and bring the seeded ones up to date; a row changed in admin (``admin_edited``) is
    never touched. One read, one bulk insert, one bulk update."""
    existing = {(r.province_code, r.year): r for r in EmploymentRatio.objects.filter(province_code__in=provinces)}
    counts = LoadCounts()
    to_create, to_update = [], []
    for province in provinces:
        seed = ratio_seed(province)
        values = {name: getattr(seed, name) for name in RATIO_SEED_FIELDS}
        for year in RATIO_YEARS:
            row = existing.get((province, year))
            if row is None:
                to_create.append(EmploymentRatio(province_code=province, year=year, **values))
            elif row.admin_edited or all(getattr(row, k) == v for k, v in values.items()):
                counts.unchanged += 1
            else:
                for k, v in values.items():
                    setattr(row, k, v)
                to_update.append(row)
    EmploymentRatio.objects.bulk_create(to_create, batch_size=1000)
    EmploymentRatio.objects.bulk_update(to_update, list(RATIO_SEED_FIELDS), batch_size=500)
    counts.created, counts.updated = len(to_create), len(to_update)
    return counts


def load_filing_windows(provinces: list[str]) -> LoadCounts:
    wanted = [
        {
            "province_code": p,
            "business_year": y,
            "opens_on": date(y + 1, 3, 1),
            "closes_on": date(y + 1, 10, 31),
        }
        for p in provinces
        for y in WINDOW_YEARS
    ]
    return _create_missing(FilingWindow, ("province_code", "business_year"), wanted)


def load_wages() -> tuple[LoadCounts, LoadCounts]:
    minimum = _create_missing(
        MinimumWage,
        ("region_code", "effective_from"),
        [{"region_code": r, "effective_from": d, "amount": a} for r, d, a in DEMO_MINIMUM_WAGES],
    )
    social = _create_missing(
        SocialAverageWage,
        ("province_code", "year"),
        [{"province_code": p, "year": y, "annual_amount": a} for p, y, a in DEMO_SOCIAL_AVERAGE_WAGES],
    )
    return minimum, social


def load_all() -> dict[str, LoadCounts]:
    """Everything ``load_reference_data`` seeds. The working-calendar table stays empty: chinese-calendar answers
    2004–2026 and later years are loaded with ``load_calendar`` (or entered in admin) when the State Council
    publishes them."""
    results = {"行政区划": load_regions()}
    provinces = filing_provinces()
    results["安排比例"] = load_employment_ratios(provinces)
    results["申报期"] = load_filing_windows(provinces)
    results["月最低工资标准"], results["社会平均工资"] = load_wages()
    return results


# --- the working calendar of the coming year (manage.py load_calendar) ------------------------------------------


@dataclass
class ScheduleCounts:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    default: int = 0  # rows saying what the day is anyway (not stored)
    years: tuple[int, ...] = ()

    def __str__(self) -> str:
        years = "、".join(str(y) for y in self.years) or "无"
        return (
            f"年度 {years}：新增 {self.created} 天，更新 {self.updated} 天，删除 {self.deleted} 天，"
            f"未变 {self.unchanged} 天，与周一至周五（或内置日历）相同无需录入 {self.default} 天"
        )


ACTION_LABELS = {"create": "新增", "update": "更新", "delete": "删除"}


@transaction.atomic
def load_schedule(schedule: workdays.ParsedSchedule, *, by, dry_run: bool = False) -> ScheduleCounts:
    """Store the days of a parsed schedule (``core.calendar.parse_schedule``, without errors) in the admin table.

    A day that differs from what the calendar says without the table (the package, else Monday–Friday) is stored
    as 法定节假日（休息） or 调休上班日; a day the file confirms as ordinary needs no row (one that had a row loses it).
    Rows of the table the file does not mention are kept. Idempotent: the same file twice changes nothing. Every
    change is audited (``calendar.load``)."""
    if schedule.errors:
        raise ValueError("the schedule has errors")
    existing = {row.date: row for row in CalendarDay.objects.filter(date__in=[r.date for r in schedule.rows])}
    counts = ScheduleCounts(years=schedule.years)
    changes: list[tuple[str, CalendarDay, dict]] = []
    for row in schedule.rows:
        current = existing.get(row.date)
        kind = CalendarDayKind.WORKDAY if row.working else CalendarDayKind.HOLIDAY
        if row.working == workdays.default_working(row.date):
            if current is None:
                counts.default += 1
            else:
                changes.append(("delete", current, {"kind": {"before": current.kind, "after": None}}))
                counts.deleted += 1
        elif current is None:
            day = CalendarDay(date=row.date, kind=kind, name=row.name)
            changes.append(("create", day, {"kind": {"before": None, "after": kind}}))
            counts.created += 1
        elif current.kind != kind or (row.name and current.name != row.name):
            diff = audit.diff(
                {"kind": current.kind, "name": current.name}, {"kind": kind, "name": row.name or current.name}
            )
            current.kind, current.name = kind, row.name or current.name
            changes.append(("update", current, diff))
            counts.updated += 1
        else:
            counts.unchanged += 1
    if dry_run:
        return counts
    for action, day, diff in changes:
        if action == "delete":
            audit.record(
                actor=by,
                action="calendar.load",
                obj=day,
                reason=f"load_calendar：{ACTION_LABELS[action]}",
                changes=diff,
            )
            day.delete()
            continue
        day.save()
        audit.record(
            actor=by, action="calendar.load", obj=day, reason=f"load_calendar：{ACTION_LABELS[action]}", changes=diff
        )
    return counts
