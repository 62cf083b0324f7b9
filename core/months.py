"""A business month is a (year, month) value, never a datetime."""

import calendar
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, order=True, slots=True)
class YearMonth:
    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise ValueError(f"month out of range: {self.month}")

    @classmethod
    def parse(cls, text: str) -> "YearMonth":
        """Parse ``YYYYMM`` (feeds) or ``YYYY-MM``."""
        text = text.strip().replace("-", "")
        if len(text) != 6 or not text.isdigit():
            raise ValueError(f"not a YYYYMM month: {text!r}")
        return cls(int(text[:4]), int(text[4:]))

    @classmethod
    def from_key(cls, key: int) -> "YearMonth":
        """The month stored as the int ``YYYYMM`` (the database's form, :attr:`key`)."""
        year, month = divmod(int(key), 100)
        return cls(year, month)

    @classmethod
    def from_date(cls, d: date) -> "YearMonth":
        return cls(d.year, d.month)

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    @property
    def key(self) -> int:
        """``YYYYMM`` as an int, the form stored in the database."""
        return self.year * 100 + self.month

    def __str__(self) -> str:
        return f"{self.year}年{self.month}月"

    def next(self) -> "YearMonth":
        return YearMonth(self.year + (self.month == 12), self.month % 12 + 1)


def months_of_year(year: int) -> list[YearMonth]:
    return [YearMonth(year, m) for m in range(1, 13)]


def month_label(key: int) -> str:
    """``202503`` → ``2025年3月``: the one way a stored month is written for people."""
    return str(YearMonth.from_key(key))
