"""Reads of reference data for views and services (bounded queries)."""

from collections.abc import Iterable
from datetime import date

from django.db.models import Q

from core import calendar as workdays
from core.models import CalendarDay, CalendarDayKind, Region, RegionLevel


def calendar_data(start: date, end: date) -> workdays.CalendarData:
    """The admin calendar table for the whole years spanning ``start``…``end``, in one query.

    Whole years, because a year with any row counts as published (its other weekdays are then confirmed too).
    """
    lo, hi = min(start, end), max(start, end)
    rows = CalendarDay.objects.filter(date__gte=date(lo.year, 1, 1), date__lte=date(hi.year, 12, 31)).values_list(
        "date", "kind"
    )
    overrides = {d: kind == CalendarDayKind.WORKDAY for d, kind in rows}
    return workdays.CalendarData(overrides=overrides, published_years=frozenset(d.year for d in overrides))


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


# --- regions -------------------------------------------------------------------------------------------------------

# County-level "市辖区" codes (e.g. 440101) are statistical placeholders, not districts: kept, never offered.
PLACEHOLDER_COUNTY_NAMES = ("市辖区",)


def pickable_regions():
    """Regions a picker may offer: current ones, without the county-level placeholders."""
    return Region.objects.filter(abolished=False).exclude(level=RegionLevel.COUNTY, name__in=PLACEHOLDER_COUNTY_NAMES)


def region_options(parent_codes: Iterable[str]) -> dict[str | None, list[Region]]:
    """Current (not abolished) provinces and the current children of ``parent_codes``, in one query.

    Returns ``{None: provinces, parent_code: children, ...}`` for the cascading province → city → county pickers.
    """
    parents = sorted({c for c in parent_codes if c})
    q = Q(level=RegionLevel.PROVINCE)
    if parents:
        q |= Q(parent_id__in=parents)
    out: dict[str | None, list[Region]] = {None: []}
    for code in parents:
        out[code] = []
    for region in pickable_regions().filter(q).only("code", "name", "level", "parent_id"):
        if region.level == RegionLevel.PROVINCE:
            out[None].append(region)
        elif region.parent_id in out:
            out[region.parent_id].append(region)
    return out
