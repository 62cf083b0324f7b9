"""retirement_date against the first and last rows of the official tables (2025 reform, domain.md §5.5)."""

from datetime import date

import pytest

from placements.grid.retirement import add_months, retirement_age, retirement_date, sixteenth_birthday

MAN, WOMAN = "男", "女"


@pytest.mark.parametrize(
    ("born", "gender", "baseline", "age"),
    [
        # 男职工: 60 → 63, +1 month per 4 birth months from 1965-01.
        (date(1964, 12, 31), MAN, "", (60, 0)),
        (date(1965, 1, 1), MAN, "", (60, 1)),
        (date(1965, 4, 30), MAN, "", (60, 1)),
        (date(1965, 5, 1), MAN, "", (60, 2)),
        (date(1976, 8, 31), MAN, "", (62, 11)),
        (date(1976, 9, 1), MAN, "", (63, 0)),
        (date(1976, 12, 31), MAN, "", (63, 0)),
        (date(1990, 1, 1), MAN, "", (63, 0)),
        # 女干部 (原55周岁): 55 → 58, +1 month per 4 birth months from 1970-01.
        (date(1969, 12, 31), WOMAN, "cadre55", (55, 0)),
        (date(1970, 1, 1), WOMAN, "cadre55", (55, 1)),
        (date(1970, 5, 1), WOMAN, "cadre55", (55, 2)),
        (date(1981, 8, 31), WOMAN, "cadre55", (57, 11)),
        (date(1981, 9, 1), WOMAN, "cadre55", (58, 0)),
        (date(1995, 6, 1), WOMAN, "cadre55", (58, 0)),
        # 女职工 (原50周岁): 50 → 55, +1 month per 2 birth months from 1975-01.
        (date(1974, 12, 31), WOMAN, "worker50", (50, 0)),
        (date(1975, 1, 1), WOMAN, "worker50", (50, 1)),
        (date(1975, 2, 28), WOMAN, "worker50", (50, 1)),
        (date(1975, 3, 1), WOMAN, "worker50", (50, 2)),
        (date(1984, 10, 31), WOMAN, "worker50", (54, 11)),
        (date(1984, 11, 1), WOMAN, "worker50", (55, 0)),
        (date(1984, 12, 1), WOMAN, "worker50", (55, 0)),
        (date(1999, 1, 1), WOMAN, "worker50", (55, 0)),
        # A woman whose baseline is not stated is taken as 女职工 (the earlier age).
        (date(1975, 1, 1), WOMAN, "", (50, 1)),
    ],
)
def test_retirement_age_official_rows(born, gender, baseline, age):
    assert retirement_age(born, gender, baseline) == age


@pytest.mark.parametrize(
    ("born", "gender", "baseline", "reached"),
    [
        (date(1965, 1, 10), MAN, "", date(2025, 2, 10)),  # official table: 1965-01 → retires 2025-02
        (date(1965, 5, 10), MAN, "", date(2025, 7, 10)),  # 60 years 2 months
        (date(1965, 1, 31), MAN, "", date(2025, 2, 28)),  # no 31 February: the month's last day
        (date(1964, 6, 15), MAN, "", date(2024, 6, 15)),  # before the reform: 60
        (date(1972, 2, 29), WOMAN, "worker50", date(2022, 2, 28)),
        (date(1976, 9, 1), MAN, "", date(2039, 9, 1)),
        (date(1981, 9, 1), WOMAN, "cadre55", date(2039, 9, 1)),
        (date(1984, 12, 1), WOMAN, "worker50", date(2039, 12, 1)),
    ],
)
def test_retirement_date_is_birth_plus_age(born, gender, baseline, reached):
    assert retirement_date(born, gender, baseline) == reached


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2025, 12, 15), 1, date(2026, 1, 15)),
        (date(2025, 3, 1), -3, date(2024, 12, 1)),
    ],
)
def test_add_months(start, months, expected):
    assert add_months(start, months) == expected


def test_sixteenth_birthday_of_a_leap_day_child():
    assert sixteenth_birthday(date(2009, 2, 28)) == date(2025, 2, 28)
    assert sixteenth_birthday(date(2008, 2, 29)) == date(2024, 2, 29)
