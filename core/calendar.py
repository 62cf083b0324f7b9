"""Working days (工作日) of the Chinese calendar.

Pure functions: the answer for a date comes from, in order,

1. the admin table (``CalendarDay`` rows, passed in as ``overrides``: date → is it a working day), which both fills
   the years the ``chinese_calendar`` package does not know and corrects it where it is wrong;
2. the ``chinese_calendar`` package (it knows 2004–2026);
3. Monday–Friday.

An answer from (1) or (2) is *confirmed*. An answer from (3) is confirmed only for a year that the admin table marks
as published (any row in the table for that year means "the State Council's holiday notice for this year has been
entered": ``published_years``); otherwise it is a guess, and callers show a warning.

Nothing here touches the database: :func:`core.selectors.calendar_data` loads the table for a date range in one
query and callers pass the result in. :func:`parse_schedule` reads the file ``manage.py load_calendar`` loads.
"""

import csv
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache

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


# --- the years' status and the schedule file ------------------------------------------------------------------


@cache
def package_knows(year: int) -> bool:
    """Whether the ``chinese_calendar`` package has the State Council's schedule of ``year`` (2004–2026 in 1.11)."""
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


def year_confirmed(year: int, published_years: Collection[int]) -> bool:
    """A year's working days are confirmed when the package knows it or the admin table has rows for it."""
    return package_knows(year) or year in published_years


def default_working(d: date) -> bool:
    """What ``d`` is without the admin table: the package's answer, else Monday–Friday."""
    try:
        return chinese_calendar.is_workday(d)
    except NotImplementedError:
        return d.weekday() < 5


WORKING_LABEL = "工作日"
REST_LABEL = "休息日"
_KINDS = {WORKING_LABEL: True, REST_LABEL: False}
_HEADER_WORDS = ("日期", "date")


@dataclass(frozen=True)
class ScheduleRow:
    line: int
    date: date
    working: bool
    name: str = ""


@dataclass(frozen=True)
class ParsedSchedule:
    rows: tuple[ScheduleRow, ...]
    errors: tuple[str, ...]  # 「第 N 行：…」, in line order

    @property
    def years(self) -> tuple[int, ...]:
        return tuple(sorted({row.date.year for row in self.rows}))


def parse_schedule(lines: Iterable[str]) -> ParsedSchedule:
    """Read a schedule file: CSV (UTF-8, a BOM is fine), one day a line ``日期,类型[,说明]``, e.g.
    ``2027-10-01,休息日,国庆节`` or ``2027-10-09,工作日,国庆节调休``. An optional header line (first cell 日期 or
    date), blank lines and lines starting with ``#`` are skipped. Every problem is reported with its line number;
    the same date twice is allowed only with the same type."""
    rows: dict[date, ScheduleRow] = {}
    errors: list[str] = []
    first = True
    reader = csv.reader(lines)
    for cells in reader:
        number = reader.line_num  # the physical line (a quoted 说明 may span lines)
        cells = [cell.strip().lstrip("\ufeff").strip() for cell in cells]
        if not any(cells) or cells[0].startswith("#"):
            continue
        header, first = first and cells[0].lower() in _HEADER_WORDS, False
        if header:
            continue
        problem, row = _parse_row(number, cells)
        if problem:
            errors.append(f"第 {number} 行：{problem}")
            continue
        earlier = rows.get(row.date)
        if earlier is not None and earlier.working != row.working:
            errors.append(
                f"第 {number} 行：{row.date:%Y-%m-%d} 在第 {earlier.line} 行已标为"
                f"「{WORKING_LABEL if earlier.working else REST_LABEL}」，两处不一致"
            )
        elif earlier is None:
            rows[row.date] = row
    return ParsedSchedule(tuple(sorted(rows.values(), key=lambda r: r.date)), tuple(errors))


def _parse_row(number: int, cells: list[str]) -> tuple[str, ScheduleRow | None]:
    if len(cells) < 2 or not cells[1]:
        return f"应有两列「日期,类型」，类型为「{WORKING_LABEL}」或「{REST_LABEL}」", None
    if len(cells) > 3:
        return "最多三列：日期,类型,说明（说明中有逗号时请加英文双引号）", None
    try:
        day = date.fromisoformat(cells[0])
        if len(cells[0]) != 10:
            raise ValueError
    except ValueError:
        return f"日期「{cells[0]}」无法识别，应为 YYYY-MM-DD，如 2027-10-01", None
    if cells[1] not in _KINDS:
        return f"类型「{cells[1]}」无法识别，应为「{WORKING_LABEL}」或「{REST_LABEL}」", None
    name = cells[2] if len(cells) == 3 else ""
    if len(name) > 64:
        return "说明最多 64 个字", None
    return "", ScheduleRow(number, day, _KINDS[cells[1]], name)
