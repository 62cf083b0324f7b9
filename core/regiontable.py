"""The GB/T 2260 region table python-stdnum ships (``stdnum/cn/loc.dat``): the project's one parser of it. Pure.

The format::

    11 province="北京市"
      0000 county="北京市"
      0103 county="[-2010]崇文区"
      0111 county="[1986-]房山区"
      0110 county="[-1991]东郊区,[1992-]东丽区"

A province line, then indented four-digit suffixes. A name may carry the years it was in force: ``[1986-]`` created
in 1986, ``[-2010]`` abolished after 2010 (2010 is its last year), ``[1983-1994]`` both; a name without brackets has
been in force since the table begins (1980) and still is. A code may have had several names over time
(comma-separated, oldest first, the last one is the latest). A code whose latest name has an end year is abolished.

Used by the resident ID check (:mod:`core.idnumbers`), the feeds' region checks and the seeding of ``Region``
(:func:`core.reference.parse_loc_dat`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from types import MappingProxyType

_PROVINCE_LINE = re.compile(r'^(\d{2}) province="([^"]*)"\s*$')
_CODE_LINE = re.compile(r'^\s+(\d{4}) county="([^"]*)"\s*$')
_NAME = re.compile(r"^(?:\[(\d{4})?-(\d{4})?\])?(.+)$")


@dataclass(frozen=True, slots=True)
class NamePeriod:
    """One name of a code and the years it was in force (``None``: open on that side)."""

    name: str
    first_year: int | None = None
    last_year: int | None = None


@dataclass(frozen=True, slots=True)
class TableRegion:
    code: str  # six digits
    province: str  # the name on the province line
    names: tuple[NamePeriod, ...]  # oldest first

    @property
    def name(self) -> str:
        """The latest name."""
        return self.names[-1].name

    @property
    def abolished(self) -> bool:
        return self.names[-1].last_year is not None

    def valid_in(self, year: int) -> bool:
        """Whether the code was in force in ``year``."""
        return any(
            (p.first_year is None or p.first_year <= year) and (p.last_year is None or year <= p.last_year)
            for p in self.names
        )

    def valid_in_or_after(self, year: int) -> bool:
        """Whether the code was in force at some time in ``year`` or later (it may have been created later)."""
        return any(p.last_year is None or p.last_year >= year for p in self.names)


def _names(value: str) -> tuple[NamePeriod, ...]:
    periods = []
    for part in value.split(","):
        match = _NAME.match(part.strip())
        if match is None:  # pragma: no cover - every name of the table matches
            continue
        first, last, name = match.groups()
        periods.append(NamePeriod(name.strip(), int(first) if first else None, int(last) if last else None))
    return tuple(periods)


def parse(lines: Iterable[str]) -> dict[str, TableRegion]:
    """``{code: TableRegion}`` in code order. A province line alone also yields the province's ``xx0000`` code (its
    ``0000`` line, when there is one, wins)."""
    out: dict[str, TableRegion] = {}
    province_code = province = None
    for line in lines:
        if not line.strip() or line.startswith("#"):
            continue
        if m := _PROVINCE_LINE.match(line):
            province_code, province = m.group(1), m.group(2)
            own = province_code + "0000"
            out.setdefault(own, TableRegion(own, province, (NamePeriod(province),)))
        elif (m := _CODE_LINE.match(line)) and province_code is not None:
            code = province_code + m.group(1)
            out[code] = TableRegion(code, province, _names(m.group(2)))
    return dict(sorted(out.items()))


def stdnum_lines() -> Iterator[str]:
    with resources.files("stdnum.cn").joinpath("loc.dat").open(encoding="utf-8") as handle:
        yield from handle


@lru_cache(maxsize=1)
def stdnum_table() -> Mapping[str, TableRegion]:
    """The table python-stdnum ships, parsed once per process (abolished codes included)."""
    return MappingProxyType(parse(stdnum_lines()))
