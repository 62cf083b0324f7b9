"""Working days (工作日) of the Chinese calendar.

Pure functions: the answer for a date comes from, in order,

1. the admin table (``CalendarDay`` rows, passed in as ``overrides``: date → is it a working day), which both fills
   the years the ``chinese_calendar`` package does not know and corrects it where it is wrong;
2. the ``chinese_calendar`` package (it knows 2004–2026);
3. Monday–Friday.

An answer from (1) or (2) is *confirmed*. An answer from (3) is confirmed only for a year that the admin table marks
as published (any row in the table for that year means "the State Council's holiday notice for this year has been
entered": ``published_years``); otherwise it is a guess, and callers show a warning.

Nothing here touches the database: :func:`calendar_data_for` (in ``core.selectors``) loads the table for a date range
in one query and callers pass the result in.
"""

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

import chinese_calendar

# The span (in calendar days) that n working days can take at most: long holidays are ≤ 9 days in a row, and
# every 7 days hold at least 4 working days even around Spring Festival and National Day.
MAX_CALENDAR_DAYS_PER_WORKING_DAY = 2
SLACK_DAYS = 21


@dataclass(frozen=True)
class CalendarData:
    """What the admin table says: explicit days and the years whose schedule has been entered completely."""

    overrides: Mapping[date, bool] = field(default_factory=dict)
    published_years: Collection[int] = frozenset()


EMPTY = CalendarData()


@dataclass(frozen=True)
class WorkingDayAnswer:
    working: bool
    confirmed: bool


@dataclass(frozen=True)
class WorkingDayResult:
    """The date reached by :func:`add_working_days`; ``confirmed`` is False if any day on the way was a guess."""

    date: date
    confirmed: bool
    unconfirmed_days: tuple[date, ...] = ()


def is_working_day(d: date, data: CalendarData = EMPTY) -> tuple[bool, bool]:
    """``(is it a working day, is the answer confirmed)`` for ``d``."""
    answer = _answer(d, data)
    return answer.working, answer.confirmed


def _answer(d: date, data: CalendarData) -> WorkingDayAnswer:
    if d in data.overrides:
        return WorkingDayAnswer(bool(data.overrides[d]), True)
    try:
        return WorkingDayAnswer(chinese_calendar.is_workday(d), True)
    except NotImplementedError:  # the package has no data for this year
        pass
    return WorkingDayAnswer(d.weekday() < 5, d.year in data.published_years)


def add_working_days(start: date, n: int, data: CalendarData = EMPTY) -> WorkingDayResult:
    """The date ``n`` working days after ``start`` (``start`` itself is not counted; negative ``n`` goes back).

    ``add_working_days(d, 0)`` is ``d`` itself, working day or not.
    """
    step = 1 if n >= 0 else -1
    remaining = abs(n)
    current = start
    unconfirmed: list[date] = []
    while remaining:
        current += timedelta(days=step)
        answer = _answer(current, data)
        if not answer.confirmed:
            unconfirmed.append(current)
        if answer.working:
            remaining -= 1
    return WorkingDayResult(current, not unconfirmed, tuple(unconfirmed))


def available_from_working_day(declared_on: date, n: int = 3, data: CalendarData = EMPTY) -> WorkingDayResult:
    """The first day a document is available: the ``n``-th working day after ``declared_on`` (domain.md §7).

    Declared on Monday 2026-11-23 → Thursday 2026-11-26; declared 2026-09-30 → Saturday 2026-10-10 (an adjusted
    working day after the National Day holiday).
    """
    return add_working_days(declared_on, n, data)


def count_working_days(start: date, end: date, data: CalendarData = EMPTY) -> tuple[int, WorkingDayResult]:
    """``(number of working days in (start, end], result with the confirmation flag)``.

    For "working days since submission" (e.g. a review overdue after 5 working days).
    """
    count = 0
    unconfirmed: list[date] = []
    current = start
    while current < end:
        current += timedelta(days=1)
        answer = _answer(current, data)
        if not answer.confirmed:
            unconfirmed.append(current)
        if answer.working:
            count += 1
    return count, WorkingDayResult(end, not unconfirmed, tuple(unconfirmed))


def span_for(start: date, n: int) -> tuple[date, date]:
    """A date range certainly containing the walk of :func:`add_working_days` (to load the admin table once)."""
    days = abs(n) * MAX_CALENDAR_DAYS_PER_WORKING_DAY + SLACK_DAYS
    if n >= 0:
        return start, start + timedelta(days=days)
    return start - timedelta(days=days), start
