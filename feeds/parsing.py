"""Field checks for the feeds (feeds.md): identifiers, months, dates, money, region codes. Pure: no ORM.

Every checker returns the clean value or a Chinese reason (a ``str``) instead of raising: a feed file of a
million rows is validated in a tight loop, and the checkers of the values that repeat (ID numbers, USCCs, months,
amounts) are memoised, so python-stdnum runs once per distinct value, not once per row.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from importlib import resources

from stdnum.cn import ric
from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import ValidationError

FIRST_YEAR = 2000


# --- bounds ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Bounds:
    """The accepted range of months, dates and years: 2000-01 … December of next year (feeds.md)."""

    first_year: int
    last_year: int

    @classmethod
    def for_today(cls, today: date) -> Bounds:
        return cls(first_year=FIRST_YEAR, last_year=today.year + 1)

    @property
    def first_month(self) -> int:
        return self.first_year * 100 + 1

    @property
    def last_month(self) -> int:
        return self.last_year * 100 + 12

    @property
    def first_date(self) -> date:
        return date(self.first_year, 1, 1)

    @property
    def last_date(self) -> date:
        return date(self.last_year, 12, 31)


# --- identifiers ---------------------------------------------------------------------------------------------------


def normalize_id_number(raw: str) -> str:
    """Trim and upper-case (the last character may be ``x``)."""
    return (raw or "").strip().upper()


@lru_cache(maxsize=1 << 21)
def check_id_number(raw: str) -> tuple[str, str | None]:
    """``(normalized, None)`` for a valid GB 11643 resident ID, else ``(normalized, reason)``.

    Checks length, digits, the check digit, the birth date (a real date, not in the future, not before 1900) and
    the birth place (a region code python-stdnum knows for the birth year).
    """
    number = normalize_id_number(raw)
    if not number:
        return number, "身份证号为空"
    if len(number) != 18:
        return number, f"身份证号应为18位，实际为{len(number)}位"
    if not number.isascii() or not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        return number, "身份证号格式错误"
    if number[17] != ric.calc_check_digit(number):
        return number, "身份证号校验位错误"
    try:  # (ric.get_birth_date would run python-stdnum's slow clean() again)
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return number, "身份证号中的出生日期无效"
    if birth.year < 1900 or (birth.year >= 2000 and birth > date.today()):
        return number, "身份证号中的出生日期无效"
    if not id_birth_place_valid(number, birth.year):
        return number, "身份证号中的地区码无效"
    return number, None


def is_valid_id_number(raw: str) -> bool:
    return check_id_number(raw)[1] is None


def id_gender(id_number: str) -> str:
    """男 for an odd order code (17th character), 女 for an even one."""
    return "男" if int(id_number[16]) % 2 else "女"


def id_birth_date(id_number: str) -> date:
    return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


@lru_cache(maxsize=1 << 20)
def check_uscc(raw: str) -> tuple[str, str | None]:
    """``(normalized, None)`` for a valid GB 32100 unified social credit code, else ``(normalized, reason)``."""
    number = (raw or "").strip().upper()
    if not number:
        return number, "统一社会信用代码为空"
    if len(number) != 18:
        return number, f"统一社会信用代码应为18位，实际为{len(number)}位"
    try:
        stdnum_uscc.validate(number)
    except ValidationError as exc:
        if exc.__class__.__name__ == "InvalidChecksum":
            return number, "统一社会信用代码校验位错误"
        return number, "统一社会信用代码格式错误"
    return number, None


def is_valid_uscc(raw: str) -> bool:
    return check_uscc(raw)[1] is None


# --- months, dates, years, money ---------------------------------------------------------------------------------

_MONEY = re.compile(r"^(-?)([0-9]+)(?:\.([0-9]*))?$")
_DATE = re.compile(r"^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})$")


@lru_cache(maxsize=4096)
def parse_month(raw: str, bounds: Bounds) -> int | str:
    """``YYYYMM`` → the int ``YYYYMM``, or a reason."""
    text = raw.strip()
    if not text:
        return "月份为空"
    if len(text) != 6 or not text.isascii() or not text.isdigit() or not 1 <= int(text[4:]) <= 12:
        return f"月份“{text}”不是有效的YYYYMM"
    value = int(text)
    if not bounds.first_month <= value <= bounds.last_month:
        return f"月份{text}超出范围（{bounds.first_month}至{bounds.last_month}）"
    return value


@lru_cache(maxsize=1 << 14)
def parse_date(raw: str, first: date, last: date, label: str = "日期") -> date | str:
    """``YYYY-MM-DD`` between ``first`` and ``last`` → a date, or a reason."""
    text = raw.strip()
    if not text:
        return f"{label}为空"
    match = _DATE.match(text)
    try:
        if not match:
            raise ValueError
        value = date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return f"{label}“{text}”不是有效的日期（YYYY-MM-DD）"
    if not first <= value <= last:
        return f"{label}{text}超出范围（{first}至{last}）"
    return value


@lru_cache(maxsize=1024)
def parse_year(raw: str, bounds: Bounds) -> int | str:
    text = raw.strip()
    if not text:
        return "年度为空"
    if len(text) != 4 or not text.isascii() or not text.isdigit():
        return f"年度“{text}”不是有效的年份"
    value = int(text)
    if not bounds.first_year <= value <= bounds.last_year:
        return f"年度{text}超出范围（{bounds.first_year}至{bounds.last_year}）"
    return value


@lru_cache(maxsize=1 << 17)
def parse_money(raw: str, label: str = "金额", max_integer_digits: int = 10) -> Decimal | str:
    """Yuan with at most 2 decimals, not negative → ``Decimal`` with 2 places, or a reason."""
    text = raw.strip()
    if not text:
        return f"{label}为空"
    match = _MONEY.match(text)
    if not match:
        return f"{label}“{text}”不是有效的数字"
    sign, integer, fraction = match.groups()
    if sign:
        return f"{label}不能为负数"
    if fraction is not None and len(fraction) > 2:
        return f"{label}最多保留2位小数"
    if len(integer.lstrip("0")) > max_integer_digits:
        return f"{label}超出允许的范围"
    return Decimal(text).quantize(Decimal("0.01"))


# --- regions -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StdnumRegion:
    code: str
    province: str
    name: str
    periods: tuple[tuple[int, int], ...] | None  # years the code was in use (``[1983-2010]名称``); None: always

    def valid_in(self, year: int) -> bool:
        return self.periods is None or any(start <= year <= end for start, end in self.periods)


@lru_cache(maxsize=1)
def stdnum_regions() -> dict[str, StdnumRegion]:
    """The GB/T 2260 codes python-stdnum ships (``stdnum/cn/loc.dat``), including abolished ones."""
    text = resources.files("stdnum").joinpath("cn/loc.dat").read_text(encoding="utf-8")
    out: dict[str, StdnumRegion] = {}
    province_code = province = ""
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        code, _, attrs = line.strip().partition(" ")
        value = attrs.split("=", 1)[1].strip('"') if "=" in attrs else ""
        if not line.startswith(" "):
            province_code, province = code, value
            continue
        names = value.split(",")
        periods: list[tuple[int, int]] | None = []
        for name in names:
            match = re.match(r"^\[(\d*)-(\d*)\]", name)
            if not match:
                periods = None
                break
            periods.append((int(match[1] or 0), int(match[2] or 9999)))
        name = re.sub(r"^\[[^\]]*\]", "", names[-1])
        out[province_code + code] = StdnumRegion(province_code + code, province, name, periods and tuple(periods))
    return out


def id_birth_place_valid(id_number: str, birth_year: int) -> bool:
    """python-stdnum's rule (``ric.get_birth_place``), table-driven: the code existed in the birth year."""
    region = stdnum_regions().get(id_number[:6])
    return region is not None and region.valid_in(birth_year)


class RegionIndex:
    """Known region codes and their 2- and 4-digit prefixes, for the ``region_code`` checks."""

    def __init__(self, codes: Iterable[str]) -> None:
        self.codes = frozenset(c for c in codes if len(c) == 6 and c.isdigit())
        self.prefixes = frozenset(c[:n] for c in self.codes for n in (2, 4))

    @classmethod
    def from_stdnum(cls, extra: Iterable[str] = ()) -> RegionIndex:
        return cls([*stdnum_regions(), *extra])

    def check_county(self, raw: str) -> str | tuple[str]:
        """A 6-digit code → ``(code,)`` when known, else a reason."""
        text = raw.strip()
        if not text:
            return "户籍地区划代码为空"
        if len(text) != 6 or not text.isascii() or not text.isdigit():
            return f"区划代码“{text}”应为6位数字"
        if text not in self.codes:
            return f"区划代码{text}未知"
        return (text,)

    def check_prefix(self, raw: str, lengths: Collection[int] = (2, 4, 6), label: str = "区划代码") -> str | tuple[str]:
        """A region prefix (2, 4 or 6 digits) → ``(prefix,)``; ``110000`` is read as ``11``, ``110100`` as ``1101``."""
        text = raw.strip()
        if not text:
            return f"{label}为空"
        if not text.isascii() or not text.isdigit() or len(text) not in (2, 4, 6):
            return f"{label}“{text}”应为{'、'.join(str(n) for n in sorted(lengths))}位数字"
        if len(text) == 6 and text.endswith("0000"):
            text = text[:2]
        elif len(text) == 6 and text.endswith("00"):
            text = text[:4]
        if len(text) not in lengths:
            return f"{label}“{raw.strip()}”应为{'、'.join(str(n) for n in sorted(lengths))}位数字"
        known = self.codes if len(text) == 6 else self.prefixes
        if text not in known:
            return f"{label}{raw.strip()}未知"
        return (text,)
