"""Working-day arithmetic (pure, no database) and the wrapper that reads the admin table."""

from datetime import date

import pytest

from core import calendar as wd
from core import selectors
from core.models import CalendarDay, CalendarDayKind

D = date.fromisoformat


@pytest.mark.parametrize(
    ("day", "working", "confirmed"),
    [
        ("2026-09-30", True, True),  # Wednesday before National Day
        ("2026-10-01", False, True),  # National Day
        ("2026-10-07", False, True),
        ("2026-10-08", True, True),
        ("2026-10-10", True, True),  # Saturday, adjusted working day (调休上班)
        ("2026-10-11", False, True),  # Sunday
        ("2026-11-23", True, True),
        ("2027-01-04", True, False),  # Monday in 2027: chinese-calendar has no data → Mon–Fri guess
        ("2027-01-09", False, False),  # Saturday in 2027, guessed
        ("2003-06-02", True, False),  # before the package's range
    ],
)
def test_is_working_day_from_package_or_guess(day, working, confirmed):
    assert wd.is_working_day(D(day)) == (working, confirmed)


@pytest.mark.parametrize(
    ("declared", "expected"),
    [
        ("2026-11-23", "2026-11-26"),  # Monday → Thursday (domain.md §7)
        ("2026-09-30", "2026-10-10"),  # → Saturday 10-10, an adjusted working day after the holiday
        ("2026-09-25", "2026-09-30"),  # Friday; the weekend (Mid-Autumn on Saturday) is skipped
        ("2026-10-01", "2026-10-10"),  # declared during the holiday: 10-08, 10-09, 10-10
    ],
)
def test_available_from_third_working_day(declared, expected):
    result = wd.available_from_working_day(D(declared))
    assert result.date == D(expected)
    assert result.confirmed is True


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        ("2026-11-23", 0, "2026-11-23"),
        ("2026-11-27", 1, "2026-11-30"),  # Friday → Monday
        ("2026-10-10", -1, "2026-10-09"),
        ("2026-10-08", -1, "2026-09-30"),  # back across the holiday
        ("2026-09-30", 5, "2026-10-13"),  # 10-08, 10-09, 10-10, 10-12, 10-13
    ],
)
def test_add_working_days_both_directions(start, n, expected):
    assert wd.add_working_days(D(start), n).date == D(expected)


def test_into_2027_falls_back_to_monday_friday_and_says_so():
    # 2026-12-30 (Wed) + 3: 12-31 (Thu, confirmed), 2027-01-01 (Fri, guessed working), 2027-01-04 (Mon)
    result = wd.add_working_days(D("2026-12-30"), 3)
    assert result.date == D("2027-01-04")
    assert result.confirmed is False
    assert D("2027-01-01") in result.unconfirmed_days


def test_into_2027_with_admin_rows_is_confirmed():
    data = wd.CalendarData(
        overrides={D("2027-01-01"): False, D("2027-01-02"): False, D("2027-01-03"): False},
        published_years=frozenset({2027}),
    )
    result = wd.add_working_days(D("2026-12-30"), 3, data)
    assert result.date == D("2027-01-05")  # 12-31, 01-04, 01-05
    assert result.confirmed is True


def test_override_wins_over_package():
    data = wd.CalendarData(overrides={D("2026-11-24"): False}, published_years=frozenset({2026}))
    assert wd.is_working_day(D("2026-11-24"), data) == (False, True)
    assert wd.available_from_working_day(D("2026-11-23"), data=data).date == D("2026-11-27")


def test_adjusted_workday_row_in_unpublished_gap():
    data = wd.CalendarData(overrides={D("2027-02-06"): True})  # a Saturday declared a working day
    assert wd.is_working_day(D("2027-02-06"), data) == (True, True)
    assert wd.is_working_day(D("2027-02-08"), data) == (True, False)  # no notice for 2027 entered as a whole


def test_count_working_days_across_national_day():
    count, result = wd.count_working_days(D("2026-09-30"), D("2026-10-12"))
    assert count == 4  # 10-08, 10-09, 10-10, 10-12
    assert result.confirmed is True
    assert wd.count_working_days(D("2026-10-12"), D("2026-10-12"))[0] == 0


@pytest.mark.django_db
def test_selector_reads_admin_table_in_one_query(django_assert_num_queries):
    CalendarDay.objects.create(date=D("2027-01-01"), kind=CalendarDayKind.HOLIDAY, name="元旦")
    CalendarDay.objects.create(date=D("2027-01-02"), kind=CalendarDayKind.HOLIDAY, name="元旦")
    CalendarDay.objects.create(date=D("2027-01-03"), kind=CalendarDayKind.HOLIDAY, name="元旦")
    with django_assert_num_queries(1):
        result = selectors.add_working_days(D("2026-12-30"), 3)
    assert (result.date, result.confirmed) == (D("2027-01-05"), True)


@pytest.mark.django_db
def test_selector_without_rows_is_unconfirmed_in_2027():
    result = selectors.available_from_working_day(D("2027-03-05"))  # Friday
    assert (result.date, result.confirmed) == (D("2027-03-10"), False)
    assert selectors.is_working_day(D("2027-03-06")) == (False, False)
