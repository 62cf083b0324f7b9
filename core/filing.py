"""The filing window (申报期) and the current filing year (domain.md §2).

The current filing year of a province is the business year whose filing window contains today; outside every window
it is the previous calendar year (the employer can look but not declare). ``pick_filing_year`` is the pure rule
(tested without a database); ``current_filing_year`` and ``filing_window`` read ``FilingWindow`` (one query each);
``unit_filing_year`` and ``unit_filing_window`` add the unit's own extensions (``FilingExtension``).
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date

from core.models import FilingExtension, FilingWindow
from core.prepared import PreparedQuery

DEFAULT_OPENS = (3, 1)  # month, day of the year after the business year
DEFAULT_CLOSES = (10, 31)


@dataclass(frozen=True)
class Window:
    province_code: str
    business_year: int
    opens_on: date
    closes_on: date
    configured: bool  # False: no FilingWindow row, the default dates are assumed
    province_closes_on: date | None = None  # set when a reviewer extended this unit's window (closes_on is later)

    def contains(self, day: date) -> bool:
        return self.opens_on <= day <= self.closes_on

    @property
    def extended(self) -> bool:
        return self.province_closes_on is not None


def extend(window: Window, closes_on: date | None) -> Window:
    """The window of one unit: the province's, closing on ``closes_on`` instead when a reviewer extended it to a
    later day (domain.md §2: "a reviewer can extend a unit's window"). An earlier or missing date changes nothing."""
    if closes_on is None or closes_on <= window.closes_on:
        return window
    return replace(window, closes_on=closes_on, province_closes_on=window.closes_on)


def province_of(code: str) -> str:
    """``"11"`` for ``"11"``, ``"110000"`` or ``"110105"``."""
    code = (code or "").strip()
    if len(code) < 2 or not code[:2].isdigit():
        raise ValueError(f"not a region code: {code!r}")
    return code[:2]


def default_window(province_code: str, business_year: int) -> Window:
    return Window(
        province_of(province_code),
        business_year,
        date(business_year + 1, *DEFAULT_OPENS),
        date(business_year + 1, *DEFAULT_CLOSES),
        configured=False,
    )


def pick_filing_year(windows: Iterable[Window], today: date) -> int:
    """The latest business year whose window contains ``today``, else the previous calendar year."""
    open_years = [w.business_year for w in windows if w.contains(today)]
    return max(open_years) if open_years else today.year - 1


def _window_from_row(row) -> Window:
    return Window(row.province_code, row.business_year, row.opens_on, row.closes_on, configured=True)


def _open_windows(province: str, today: date):
    return FilingWindow.objects.filter(province_code=province, opens_on__lte=today, closes_on__gte=today)


# The statements of the unit pages' filing reads, compiled once per connection (core.prepared: ~0.3 ms CPU each).
_open_windows_prepared = PreparedQuery(_open_windows, (("~a", date(2001, 2, 3)), ("~b", date(2002, 3, 4))))


def current_filing_year(province_code: str, today: date, extended_years: Iterable[int] = ()) -> int:
    """The business year a unit of this province files for on ``today``. ``extended_years``: the years whose window
    a reviewer extended for this unit and which are still open today (core.models.FilingExtension)."""
    province = province_of(province_code)
    rows = _open_windows_prepared(province, today)
    windows = [_window_from_row(r) for r in rows]
    windows += [Window(province, year, today, today, configured=True) for year in extended_years]
    return pick_filing_year(windows, today)


def _extensions(employer):
    """The unit's :class:`~core.models.FilingExtension` rows."""
    return FilingExtension.objects.filter(employer=employer)


def _extended_years(employer_id: int, today: date):
    return _extensions(employer_id).filter(closes_on__gte=today).values_list("year", flat=True)


def _extended_to(employer_id: int, year: int):
    return _extensions(employer_id).filter(year=year).values_list("closes_on", flat=True)


def _window_row(province: str, year: int):
    rows = FilingWindow.objects.filter(province_code=province, business_year=year)
    return (rows if rows.ordered else rows.order_by("pk"))[:1]  # what .first() reads


_extended_years_prepared = PreparedQuery(_extended_years, ((-760001, date(2001, 2, 3)), (-760002, date(2002, 3, 4))))
_extended_to_prepared = PreparedQuery(_extended_to, ((-760011, 32021), (-760012, 32022)))
_window_row_prepared = PreparedQuery(_window_row, (("~a", 32031), ("~b", 32032)))


def unit_filing_year(employer, today: date) -> int:
    """The business year this unit files for on ``today``: the province's rule, with the unit's own extended
    windows still open counted as open (FilingExtension). Two queries, each compiled once (core.prepared)."""
    extended = _extended_years_prepared(employer.pk, today)
    return current_filing_year(employer.federation_region_id, today, extended)


def unit_filing_window(employer, year: int) -> Window:
    """The filing window of ``year`` for this unit: the province's, extended when a reviewer granted the unit a
    later closing day (FilingExtension). Two queries, each compiled once (core.prepared)."""
    extended_to = _extended_to_prepared(employer.pk, year)
    return extend(filing_window(employer.federation_region_id, year), next(iter(extended_to), None))


def filing_window(province_code: str, year: int) -> Window:
    """The window of business ``year``: the admin's row, else the default 03-01 … 10-31 of the next year."""
    province = province_of(province_code)
    found = _window_row_prepared(province, year)
    return _window_from_row(found[0]) if found else default_window(province, year)


def is_filing_open(province_code: str, year: int, today: date) -> bool:
    return filing_window(province_code, year).contains(today)
