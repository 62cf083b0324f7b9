"""Field checks for the feeds (feeds.md): identifiers, months, dates, money, region codes. Pure: no ORM.

Every checker returns the clean value or a Chinese reason (a ``str``) instead of raising: a feed file of a
million rows is validated in a tight loop, and the checkers of the values that repeat (ID numbers, USCCs, months,
amounts) are memoised, so each check runs once per distinct value, not once per row.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache

from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import ValidationError

from core import idnumbers, regiontable
from core.idnumbers import gender as id_gender  # noqa: F401 - re-exported for devdata
from core.regiontable import stdnum_table as stdnum_regions  # noqa: F401 - re-exported for devdata

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


@lru_cache(maxsize=1 << 21)
def check_id_number(raw: str) -> tuple[str, str | None]:
    """``(normalized, None)`` for a valid resident ID, else ``(normalized, reason)``; the rule is
    :func:`core.idnumbers.validate` (the birth date is bounded by the day of the first call)."""
    try:
        return idnumbers.validate(raw), None
    except idnumbers.InvalidIdNumber as error:
        return idnumbers.normalize(raw), error.reason


def is_valid_id_number(raw: str) -> bool:
    return check_id_number(raw)[1] is None


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


class RegionIndex:
    """Known region codes and their 2- and 4-digit prefixes, for the ``region_code`` checks."""

    def __init__(self, codes: Iterable[str]) -> None:
        self.codes = frozenset(c for c in codes if len(c) == 6 and c.isdigit())
        self.prefixes = frozenset(c[:n] for c in self.codes for n in (2, 4))

    @classmethod
    def from_stdnum(cls, extra: Iterable[str] = ()) -> RegionIndex:
        return cls([*regiontable.stdnum_table(), *extra])

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
