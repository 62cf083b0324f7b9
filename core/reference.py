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

Every loader is idempotent: it creates what is missing, updates what changed (regions only — admin-edited ratios,
wages and windows are never overwritten) and reports counts.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from core import regiontable
from core.models import EmploymentRatio, FilingWindow, MinimumWage, Region, RegionLevel, SocialAverageWage

# Intermediate levels whose name is not part of a region's full name (北京市 + 市辖区 + 朝阳区 → 北京市朝阳区).
GENERIC_CITY_NAMES = frozenset(
    {"市辖区", "县", "省直辖县级行政单位", "省直辖行政单位", "自治区直辖县级行政单位", "省直辖县级行政区划"}
)
# Mainland provinces get ratios and filing windows; 71 台湾, 81 香港, 82 澳门 stay as regions only.
NON_FILING_PROVINCES = frozenset({"71", "81", "82"})

DEFAULT_RATIO_PERCENT = Decimal("1.50")
RATIO_YEARS = range(2023, 2028)
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


def load_employment_ratios(provinces: list[str]) -> LoadCounts:
    wanted = [
        {"province_code": p, "year": y, "ratio_percent": DEFAULT_RATIO_PERCENT} for p in provinces for y in RATIO_YEARS
    ]
    return _create_missing(EmploymentRatio, ("province_code", "year"), wanted)


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
    2004–2026 and later years are entered in admin when the State Council publishes them."""
    results = {"行政区划": load_regions()}
    provinces = filing_provinces()
    results["安排比例"] = load_employment_ratios(provinces)
    results["申报期"] = load_filing_windows(provinces)
    results["月最低工资标准"], results["社会平均工资"] = load_wages()
    return results
