"""Working-day arithmetic (pure, no database) and the wrapper that reads the admin table."""

from datetime import date
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from core import calendar as wd
from core import selectors
from core.models import AuditEvent, CalendarDay, CalendarDayKind

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


# --- the status of a year, the schedule file, load_calendar (ADR 0009) ------------------------------------------


@pytest.mark.parametrize(("year", "known"), [(2004, True), (2026, True), (2027, False), (2003, False)])
def test_package_knows_2004_to_2026(year, known):
    assert wd.package_knows(year) is known
    assert wd.year_confirmed(year, published_years=()) is known
    assert wd.year_confirmed(year, published_years={year}) is True


def test_parse_schedule_reads_header_comments_names_and_a_bom():
    parsed = wd.parse_schedule(
        ["\ufeff日期,类型,说明", "# 国庆节", "2027-10-01,休息日,国庆节", "", '2027-10-09,工作日,"国庆节调休, 上班"']
    )
    assert parsed.errors == ()
    assert [(r.line, r.date, r.working, r.name) for r in parsed.rows] == [
        (3, D("2027-10-01"), False, "国庆节"),
        (5, D("2027-10-09"), True, "国庆节调休, 上班"),
    ]
    assert parsed.years == (2027,)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("2027/10/01,休息日", "第 2 行：日期「2027/10/01」无法识别，应为 YYYY-MM-DD"),
        ("2027-02-30,休息日", "第 2 行：日期「2027-02-30」无法识别"),
        ("20271001,休息日", "第 2 行：日期「20271001」无法识别"),
        ("2027-10-01,放假", "第 2 行：类型「放假」无法识别，应为「工作日」或「休息日」"),
        ("2027-10-01", "第 2 行：应有两列「日期,类型」"),
        ("2027-10-01,休息日,国庆节,多余", "第 2 行：最多三列"),
        ("2027-10-01,工作日", "第 2 行：2027-10-01 在第 1 行已标为「休息日」，两处不一致"),
    ],
)
def test_parse_schedule_names_the_bad_line(line, message):
    parsed = wd.parse_schedule(["2027-10-01,休息日", line])
    assert len(parsed.errors) == 1 and parsed.errors[0].startswith(message)


# A 2027 National Day schedule in the shape of the State Council's notices (Oct 1 is a Friday in 2027; the 2026
# notice gave 10-01 … 10-07 off, with Sunday 09-20 and Saturday 10-10 as 调休上班). The 2027 notice itself is not in
# this repository: the test pins the arithmetic on a loaded schedule, whatever the published dates turn out to be.
NATIONAL_DAY_2027 = """日期,类型,说明
2027-09-26,工作日,国庆节调休上班
2027-10-01,休息日,国庆节
2027-10-02,休息日,国庆节
2027-10-03,休息日,国庆节
2027-10-04,休息日,国庆节调休
2027-10-05,休息日,国庆节调休
2027-10-06,休息日,国庆节调休
2027-10-07,休息日,国庆节调休
2027-10-09,工作日,国庆节调休上班
"""


def _write(tmp_path, text: str, name: str = "2027.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.mark.django_db
def test_a_declaration_on_2027_09_30_with_the_national_day_holiday_loaded(tmp_path):
    # Monday–Friday alone: Fri 10-01, Mon 10-04, Tue 10-05 — and says the date is provisional
    guess = selectors.available_from_working_day(D("2027-09-30"))
    assert (guess.date, guess.confirmed) == (D("2027-10-05"), False)
    out = StringIO()
    call_command("load_calendar", _write(tmp_path, NATIONAL_DAY_2027), stdout=out)
    assert "新增 7 天" in out.getvalue()  # 10-02 and 10-03 are a weekend anyway: no row needed
    result = selectors.available_from_working_day(D("2027-09-30"))
    # the 3rd working day after the holiday: Fri 10-08, Sat 10-09 (调休上班), Mon 10-11
    assert (result.date, result.confirmed) == (D("2027-10-11"), True)


# The published 2026 National Day schedule (国务院办公厅关于2026年部分节假日安排的通知), as chinese-calendar 1.11
# has it.
NATIONAL_DAY_2026 = (
    "2026-09-20,工作日\n" + "".join(f"2026-10-0{d},休息日,国庆节\n" for d in range(1, 8)) + "2026-10-10,工作日\n"
)


@pytest.mark.django_db
def test_loading_a_schedule_the_package_already_has_changes_nothing(tmp_path):
    out = StringIO()
    call_command("load_calendar", _write(tmp_path, NATIONAL_DAY_2026, "2026.csv"), stdout=out)
    assert "新增 0 天" in out.getvalue() and "相同无需录入 9 天" in out.getvalue()
    assert not CalendarDay.objects.exists()


@pytest.mark.django_db
def test_load_calendar_is_idempotent_skips_ordinary_days_and_audits(tmp_path):
    text = NATIONAL_DAY_2027 + "2027-10-08,工作日,国庆节后上班\n2027-10-10,休息日\n"  # a Friday, a Sunday: ordinary
    path = _write(tmp_path, text)
    out = StringIO()
    call_command("load_calendar", path, stdout=out)
    line = out.getvalue().strip()
    assert line == (
        "工作日历已加载（年度 2027：新增 7 天，更新 0 天，删除 0 天，未变 0 天，"
        "与周一至周五（或内置日历）相同无需录入 4 天）。"
    )
    assert CalendarDay.objects.count() == 7
    assert CalendarDay.objects.get(date=D("2027-10-09")).kind == CalendarDayKind.WORKDAY
    assert CalendarDay.objects.get(date=D("2027-10-01")).name == "国庆节"
    assert AuditEvent.objects.filter(action="calendar.load").count() == 7
    out = StringIO()
    call_command("load_calendar", path, stdout=out)
    assert "新增 0 天，更新 0 天，删除 0 天，未变 7 天" in out.getvalue()
    assert AuditEvent.objects.filter(action="calendar.load").count() == 7


@pytest.mark.django_db
def test_load_calendar_updates_a_changed_day_and_drops_a_row_the_file_makes_ordinary(tmp_path):
    CalendarDay.objects.create(date=D("2027-10-08"), kind=CalendarDayKind.HOLIDAY, name="录错")
    CalendarDay.objects.create(date=D("2027-10-09"), kind=CalendarDayKind.HOLIDAY, name="录错")
    CalendarDay.objects.create(date=D("2027-05-01"), kind=CalendarDayKind.HOLIDAY, name="劳动节")
    out = StringIO()
    call_command("load_calendar", _write(tmp_path, NATIONAL_DAY_2027 + "2027-10-08,工作日\n"), stdout=out)
    assert "新增 6 天，更新 1 天，删除 1 天" in out.getvalue()
    assert CalendarDay.objects.get(date=D("2027-10-09")).kind == CalendarDayKind.WORKDAY
    assert not CalendarDay.objects.filter(date=D("2027-10-08")).exists()
    assert CalendarDay.objects.filter(date=D("2027-05-01")).exists()  # not in the file: kept


@pytest.mark.django_db
def test_load_calendar_dry_run_writes_nothing(tmp_path):
    out = StringIO()
    call_command("load_calendar", _write(tmp_path, NATIONAL_DAY_2027), "--dry-run", stdout=out)
    assert out.getvalue().startswith("（试运行，未保存）工作日历已加载（年度 2027：新增 7 天")
    assert not CalendarDay.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("日期,类型\n2027-10-01,休息日\n2027-10-32,休息日\n2027-10-03,放假\n", "文件有 2 行无法导入，未做任何修改"),
        ("日期,类型\n", "文件中没有日期"),
    ],
)
def test_load_calendar_refuses_a_bad_file_in_chinese_naming_the_lines(tmp_path, text, message):
    with pytest.raises(CommandError) as info:
        call_command("load_calendar", _write(tmp_path, text), stdout=StringIO())
    assert message in str(info.value)
    if "2 行" in message:
        assert "第 3 行：日期「2027-10-32」无法识别" in str(info.value)
        assert "第 4 行：类型「放假」无法识别" in str(info.value)
    assert not CalendarDay.objects.exists()


@pytest.mark.django_db
def test_load_calendar_missing_or_not_utf8_file(tmp_path):
    with pytest.raises(CommandError, match="找不到文件"):
        call_command("load_calendar", str(tmp_path / "none.csv"))
    path = tmp_path / "gbk.csv"
    path.write_bytes("2027-10-01,休息日\n".encode("gbk"))
    with pytest.raises(CommandError, match="不是 UTF-8 编码"):
        call_command("load_calendar", str(path))


@pytest.mark.django_db
def test_unconfirmed_calendar_years(django_assert_max_num_queries):
    with django_assert_max_num_queries(0):
        assert selectors.unconfirmed_calendar_years(D("2025-06-01")) == []  # 2025, 2026: in the package
    with django_assert_max_num_queries(1):
        assert selectors.unconfirmed_calendar_years(D("2026-12-06")) == [2027]
    assert selectors.unconfirmed_calendar_years(D("2027-03-01")) == [2027, 2028]
    CalendarDay.objects.create(date=D("2027-10-01"), kind=CalendarDayKind.HOLIDAY, name="国庆节")
    assert selectors.unconfirmed_calendar_years(D("2026-12-06")) == []
    assert selectors.unconfirmed_calendar_years(D("2027-03-01")) == [2028]


@pytest.mark.django_db
def test_admin_warns_while_next_years_calendar_is_not_loaded(admin_client, settings, tmp_path):
    settings.ADMIN_REQUIRE_OTP = False
    with time_machine.travel("2026-12-06 10:00 +0800", tick=False):
        page = admin_client.get("/admin/").content.decode()
        assert 'data-warning="calendar"' in page and "工作日历未确认：2027 年" in page
        listing = admin_client.get("/admin/core/calendarday/").content.decode()
        assert 'data-warning="calendar"' in listing and 'data-warning="ratios"' not in listing
        call_command("load_calendar", _write(tmp_path, NATIONAL_DAY_2027), stdout=StringIO())
        assert 'data-warning="calendar"' not in admin_client.get("/admin/").content.decode()
    with time_machine.travel("2025-12-06 10:00 +0800", tick=False):  # 2025 and 2026: chinese-calendar knows them
        assert 'data-warning="calendar"' not in admin_client.get("/admin/").content.decode()
