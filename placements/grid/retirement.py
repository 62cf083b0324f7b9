"""Statutory retirement age after the 2025 reform (domain.md §5.5). Pure: no ORM.

全国人大常委会《关于实施渐进式延迟法定退休年龄的决定》(2024-09-13, in force 2025-01-01) and its annexed tables:

=====================  ==========  ======================  =================================  ===========
who                    old age     first affected birth    step                               final age
=====================  ==========  ======================  =================================  ===========
男职工                  60          1965-01                 +1 month per 4 birth months        63 (from 1976-09)
女干部 (原55周岁)        55          1970-01                 +1 month per 4 birth months        58 (from 1981-09)
女职工 (原50周岁)        50          1975-01                 +1 month per 2 birth months        55 (from 1984-11)
=====================  ==========  ======================  =================================  ===========

The first group of births (e.g. men born 1965-01 … 1965-04) already gets +1 month; people born before the first
affected month keep the old age.

**When the age is reached.** The retirement date is the birth date plus the age in years and months, counted as
civil-law periods are (民法典 第二百零二条): the corresponding day of the target month, or that month's last day when
it has no such day (born 1965-01-31, 60 years 1 month → 2025-02-28). The person has reached the age *on* that day.
The working-age check (§5.1) passes for a month M while the retirement date is not before M's first day, so the
month in which the age is reached still counts and the next one does not.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

MALE = "男"
FEMALE = "女"
BASELINE_WORKER_50 = "worker50"  # placements.constants.RetirementBaseline values
BASELINE_CADRE_55 = "cadre55"


@dataclass(frozen=True, slots=True)
class Scheme:
    old_years: int
    first_birth: tuple[int, int]  # (year, month) of the first affected birth month
    birth_months_per_step: int
    max_extra_months: int


MEN = Scheme(old_years=60, first_birth=(1965, 1), birth_months_per_step=4, max_extra_months=36)
WOMEN_55 = Scheme(old_years=55, first_birth=(1970, 1), birth_months_per_step=4, max_extra_months=36)
WOMEN_50 = Scheme(old_years=50, first_birth=(1975, 1), birth_months_per_step=2, max_extra_months=60)


def add_months(d: date, months: int) -> date:
    """``d`` plus ``months`` calendar months; the last day of the target month when it has no such day."""
    index = d.year * 12 + (d.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    if d.day <= 28:
        return date(year, month, d.day)
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def scheme_for(gender: str, baseline: str | None) -> Scheme:
    """Men: 60 → 63. Women: 女干部 55 → 58; 女职工 (and a woman whose baseline is unknown) 50 → 55.

    An unknown baseline for a woman falls back to the earlier (50) one: the system must not verify months it cannot
    be sure of; the employer can state the 55 baseline.
    """
    if gender == MALE:
        return MEN
    if baseline == BASELINE_CADRE_55:
        return WOMEN_55
    return WOMEN_50


def retirement_age(birth_date: date, gender: str, baseline: str | None = None) -> tuple[int, int]:
    """The statutory retirement age (years, months) of a person born on ``birth_date``."""
    scheme = scheme_for(gender, baseline)
    offset = (birth_date.year - scheme.first_birth[0]) * 12 + (birth_date.month - scheme.first_birth[1])
    extra = 0 if offset < 0 else min(offset // scheme.birth_months_per_step + 1, scheme.max_extra_months)
    return scheme.old_years + extra // 12, extra % 12


def retirement_date(birth_date: date, gender: str, baseline: str | None = None) -> date:
    """The day the statutory retirement age is reached (see the module docstring)."""
    years, months = retirement_age(birth_date, gender, baseline)
    return add_months(birth_date, years * 12 + months)


def sixteenth_birthday(birth_date: date) -> date:
    return add_months(birth_date, 16 * 12)
