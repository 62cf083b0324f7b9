"""The GB/T 2260 table parser (core.regiontable): pure, no database."""

import pytest

from core import regiontable
from core.regiontable import NamePeriod

SAMPLE = """# comment
11 province="北京市"
  0000 county="北京市"
  0103 county="[-2010]崇文区"
  0111 county="[1986-]房山区"
12 province="天津市"
  0110 county="[-1991]东郊区,[1992-]东丽区"
  0204 county="[1983-1994]东矿区"
"""
TABLE = regiontable.parse(SAMPLE.splitlines())


def test_parse():
    assert list(TABLE) == ["110000", "110103", "110111", "120000", "120110", "120204"]
    assert TABLE["110103"].names == (NamePeriod("崇文区", None, 2010),)
    assert TABLE["120110"].names == (NamePeriod("东郊区", None, 1991), NamePeriod("东丽区", 1992, None))
    assert (TABLE["120110"].name, TABLE["120110"].province) == ("东丽区", "天津市")
    assert TABLE["120000"].name == "天津市"  # from the province line alone
    assert [c for c, r in TABLE.items() if r.abolished] == ["110103", "120204"]


@pytest.mark.parametrize(
    ("code", "year", "valid_in", "valid_in_or_after"),
    [
        ("110000", 1950, True, True),
        ("110103", 2010, True, True),
        ("110103", 2011, False, False),
        ("110111", 1985, False, True),  # created later: not in force that year, but afterwards
        ("110111", 1986, True, True),
        ("120110", 1991, True, True),
        ("120110", 1992, True, True),
        ("120204", 1982, False, True),
        ("120204", 1994, True, True),
        ("120204", 1995, False, False),
    ],
)
def test_years_in_force(code, year, valid_in, valid_in_or_after):
    region = TABLE[code]
    assert (region.valid_in(year), region.valid_in_or_after(year)) == (valid_in, valid_in_or_after)


def test_the_shipped_table_is_parsed_once():
    table = regiontable.stdnum_table()
    assert table is regiontable.stdnum_table()
    assert len(table) > 6000
    assert table["330106"].names == (NamePeriod("西湖区", 1983, None),)
