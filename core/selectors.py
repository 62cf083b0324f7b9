"""Reads of reference data for views and services (bounded queries)."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from django.db.models import Q

from core import calendar as workdays
from core.models import CalendarDay, CalendarDayKind, EmploymentRatio, Region, RegionLevel
from core.prepared import PreparedQuery
from core.reference import NON_FILING_PROVINCES


def calendar_data(start: date, end: date) -> workdays.CalendarData:
    """The admin calendar table for the whole years spanning ``start``…``end``, in one query.

    Whole years, because a year with any row counts as published (its other weekdays are then confirmed too).
    """
    lo, hi = min(start, end), max(start, end)
    rows = _calendar_prepared(date(lo.year, 1, 1), date(hi.year, 12, 31))
    overrides = {d: kind == CalendarDayKind.WORKDAY for d, kind in rows}
    return workdays.CalendarData(overrides=overrides, published_years=frozenset(d.year for d in overrides))


def _calendar_rows(first: date, last: date):
    return CalendarDay.objects.filter(date__gte=first, date__lte=last).values_list("date", "kind")


# Every page that counts working days reads it (the review queue on every view): compiled once (core.prepared).
_calendar_prepared = PreparedQuery(
    _calendar_rows, ((date(1901, 2, 3), date(1902, 3, 4)), (date(1903, 4, 5), date(1904, 5, 6)))
)


def add_working_days(start: date, n: int) -> workdays.WorkingDayResult:
    """:func:`core.calendar.add_working_days` with the admin table loaded (one query)."""
    lo, hi = workdays.span_for(start, n)
    data = calendar_data(lo, hi)
    result = workdays.add_working_days(start, n, data)
    if not lo <= result.date <= hi:  # never in practice; stays correct if the admin declares very long holidays
        data = calendar_data(min(lo, result.date), max(hi, result.date))
        result = workdays.add_working_days(start, n, data)
    return result


def available_from_working_day(declared_on: date, n: int = 3) -> workdays.WorkingDayResult:
    """The day a document becomes available: the ``n``-th working day after ``declared_on`` (domain.md §7)."""
    return add_working_days(declared_on, n)


def count_working_days(start: date, end: date) -> tuple[int, workdays.WorkingDayResult]:
    return workdays.count_working_days(start, end, calendar_data(start, end))


def is_working_day(d: date) -> tuple[bool, bool]:
    return workdays.is_working_day(d, calendar_data(d, d))


# --- 安排比例 (read by the calculator, the home page, 缓减免 and the declaration page) ---------------------------

DEFAULT_RATIO_PERCENT = Decimal("1.5")
NATIONAL_MINIMUM_SOURCE = "《残疾人就业条例》（国务院令第488号）第八条规定的最低比例 1.5%"


@dataclass(frozen=True)
class RatioSetting:
    ratio_percent: Decimal
    year: int | None  # the year of the row used; None = the national default
    note: str
    source: str = NATIONAL_MINIMUM_SOURCE  # the document the ratio comes from
    effective_from: date | None = None
    confirmed: bool = False  # checked against the document; False = 待核实

    @property
    def percent(self) -> str:
        """``1.5`` / ``1.7`` / ``1.55``: the ratio without trailing zeros, for text."""
        return f"{self.ratio_percent.normalize():f}"

    @property
    def basis(self) -> str:
        """「依据：…（yyyy-mm-dd 施行）」, plus 「待核实」 unless the row was confirmed."""
        text = f"依据：{self.source or '未填写'}"
        if self.effective_from is not None:
            text += f"（{self.effective_from:%Y-%m-%d} 施行）"
        return text if self.confirmed else f"{text}；待核实"


def _ratio_row(province_code: str, year: int):
    """The province's ratio row in force for ``year`` (at most one: the latest year not after it)."""
    return (
        EmploymentRatio.objects.filter(province_code=province_code, year__lte=year)
        .order_by("-year")
        .values("year", "ratio_percent", "source", "effective_from", "confirmed")[:1]
    )


# Compiled once per connection (core.prepared; issue 16: read on 首页, the calculator and the statistics).
_ratio_prepared = PreparedQuery(_ratio_row, (("~a", 32041), ("~b", 32042)))


def employment_ratio(province_code: str, year: int) -> RatioSetting:
    """The province's 安排比例 for ``year``: that year's row, else the latest earlier one, else 1.5 % (one query)."""
    found = _ratio_prepared(province_code, year)
    if not found:
        return RatioSetting(DEFAULT_RATIO_PERCENT, None, "本省未设置安排比例，按默认 1.5% 计算")
    row = found[0]
    note = f"本省 {row['year']} 年规定比例"
    if row["year"] != year:
        note += f"（{year} 年未设置，沿用最近一年）"
    return RatioSetting(row["ratio_percent"], row["year"], note, row["source"], row["effective_from"], row["confirmed"])


def unconfirmed_calendar_years(today: date) -> list[int]:
    """This year and next year, unless chinese-calendar knows them or the admin table has rows for them (≤ 1
    query): dates in those years are computed Monday–Friday and shown as provisional."""
    years = [y for y in (today.year, today.year + 1) if not workdays.package_knows(y)]
    if not years:
        return []
    loaded = set(
        CalendarDay.objects.filter(date__gte=date(years[0], 1, 1), date__lte=date(years[-1], 12, 31))
        .values_list("date__year", flat=True)
        .distinct()
    )
    return [y for y in years if y not in loaded]


@dataclass(frozen=True)
class UnconfirmedRatios:
    years: tuple[int, ...]
    provinces: tuple[str, ...]  # names, in code order


def unconfirmed_ratios(today: date) -> UnconfirmedRatios:
    """The provinces whose 安排比例 of the current filing year (last year) or this year is missing or not confirmed
    (2 queries)."""
    years = (today.year - 1, today.year)
    confirmed = set(EmploymentRatio.objects.filter(year__in=years, confirmed=True).values_list("province_code", "year"))
    provinces = (
        Region.objects.filter(level=RegionLevel.PROVINCE, abolished=False)
        .exclude(code__in=[c + "0000" for c in NON_FILING_PROVINCES])
        .order_by("code")
        .values_list("code", "name")
    )
    names = tuple(name for code, name in provinces if any((code[:2], y) not in confirmed for y in years))
    return UnconfirmedRatios(years, names)


@dataclass(frozen=True)
class ReferenceWarnings:
    """What the admin warns about: reference data the system is using unconfirmed (ADR 0009)."""

    calendar_years: tuple[int, ...]
    ratios: UnconfirmedRatios

    def __bool__(self) -> bool:
        return bool(self.calendar_years or self.ratios.provinces)


def reference_warnings(today: date) -> ReferenceWarnings:
    """For the admin banners (≤ 3 queries)."""
    return ReferenceWarnings(tuple(unconfirmed_calendar_years(today)), unconfirmed_ratios(today))


# --- regions -------------------------------------------------------------------------------------------------------

# County-level "市辖区" codes (e.g. 440101) are statistical placeholders, not districts: kept, never offered.
PLACEHOLDER_COUNTY_NAMES = ("市辖区",)


def pickable_regions():
    """Regions a picker may offer: current ones, without the county-level placeholders."""
    return Region.objects.filter(abolished=False).exclude(level=RegionLevel.COUNTY, name__in=PLACEHOLDER_COUNTY_NAMES)


class RegionOption(NamedTuple):
    """A region as a picker offers it (a tuple, not a model: ~70 of them on every page with a picker)."""

    code: str
    name: str


def region_options(parent_codes: Iterable[str]) -> dict[str | None, list[RegionOption]]:
    """Current (not abolished) provinces and the current children of ``parent_codes``, in one query.

    Returns ``{None: provinces, parent_code: children, ...}`` for the cascading province → city → county pickers.
    """
    parents = sorted({c for c in parent_codes if c})
    q = Q(level=RegionLevel.PROVINCE)
    if parents:
        q |= Q(parent_id__in=parents)
    out: dict[str | None, list[RegionOption]] = {None: []}
    for code in parents:
        out[code] = []
    rows = pickable_regions().filter(q).order_by("code").values_list("code", "name", "level", "parent_id")
    for code, name, level, parent_id in rows:
        if level == RegionLevel.PROVINCE:
            out[None].append(RegionOption(code, name))
        elif parent_id in out:
            out[parent_id].append(RegionOption(code, name))
    return out
