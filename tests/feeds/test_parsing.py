"""Field checkers and row validators (pure, no database)."""

from datetime import date
from decimal import Decimal

import pytest
from stdnum.cn import ric, uscc

from core import idnumbers
from feeds.parsing import (
    Bounds,
    RegionIndex,
    check_id_number,
    check_uscc,
    is_valid_id_number,
    is_valid_uscc,
    parse_date,
    parse_money,
    parse_month,
    parse_year,
)
from tests.factories.feeds import bad_check_digit, person_id, unit_uscc

BOUNDS = Bounds.for_today(date(2026, 3, 1))
REGIONS = RegionIndex.from_stdnum()
ID = person_id(date(1985, 6, 15))
UNIT = unit_uscc()


def with_check_digit(body: str) -> str:
    return body[:17] + ric.calc_check_digit(body[:17] + "0")


# --- identifiers -------------------------------------------------------------------------------------------------


def test_generated_ids_are_valid_for_stdnum():
    assert ric.is_valid(ID)
    assert uscc.is_valid(UNIT)


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        (ID, None),
        (f"  {ID}  ", None),
        (ID.lower(), None),
        ("", "身份证号为空"),
        (ID[:17], "长度应为18位，实际为17位"),
        ("A" + ID[1:], "格式错误"),
        (bad_check_digit(ID), "校验位错误"),
        # a valid check digit but an impossible birth date / an unknown or too old region
        (with_check_digit("11010519850230000"), "出生日期无效"),
        (with_check_digit("11010520990101000"), "出生日期无效（晚于今天）"),
        (with_check_digit("99999919850615000"), "地区代码999999无效"),
        (with_check_digit("11011019900101000"), "地区代码110110只使用到1986年"),  # 燕山区 [-1986]
        # 房山区 has this code since 1986 only: a person born 1980 got it when the number was issued later
        (with_check_digit("11011119800101000"), None),
        (with_check_digit("33010619650412001"), None),  # 杭州市西湖区 [1983-]
    ],
)
def test_check_id_number(raw, error):
    normalized, found = check_id_number(raw)
    assert normalized == raw.strip().upper()
    if error is None:
        assert found is None
    else:
        assert error in found
    assert is_valid_id_number(raw) is (error is None)


def test_check_id_number_is_the_core_rule():
    """The feeds' check is :func:`core.idnumbers.validate` with the feed report's short reasons."""
    for raw in (ID, bad_check_digit(ID), with_check_digit("11011119800101000"), "x"):
        normalized, reason = check_id_number(raw)
        try:
            assert idnumbers.validate(raw) == normalized and reason is None
        except idnumbers.InvalidIdNumber as error:
            assert reason == error.reason


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        (UNIT, None),
        (UNIT.lower(), None),
        ("", "为空"),
        (UNIT[:10], "应为18位"),
        (bad_check_digit(UNIT), "校验位错误"),
        ("A" + UNIT[1:], "格式错误"),
    ],
)
def test_check_uscc(raw, error):
    found = check_uscc(raw)[1]
    assert (found is None) if error is None else (error in found)
    assert is_valid_uscc(raw) is (error is None)


# --- months, dates, years, money ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("202501", 202501),
        (" 202512 ", 202512),
        ("200001", 200001),
        ("202712", 202712),  # December of next year (today 2026-03-01)
        ("199912", "超出范围"),
        ("202801", "超出范围"),
        ("202513", "不是有效的YYYYMM"),
        ("202500", "不是有效的YYYYMM"),
        ("2025-01", "不是有效的YYYYMM"),
        ("", "为空"),
    ],
)
def test_parse_month(raw, expected):
    value = parse_month(raw, BOUNDS)
    assert value == expected if isinstance(expected, int) else expected in value


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2025-03-20", date(2025, 3, 20)),
        ("2025-3-2", date(2025, 3, 2)),
        ("2025-02-30", "不是有效的日期"),
        ("20250320", "不是有效的日期"),
        ("1999-12-31", "超出范围"),
        ("2028-01-01", "超出范围"),
        ("", "为空"),
    ],
)
def test_parse_date(raw, expected):
    value = parse_date(raw, BOUNDS.first_date, BOUNDS.last_date, "日期")
    assert value == expected if isinstance(expected, date) else expected in value


@pytest.mark.parametrize(
    ("raw", "expected"), [("2025", 2025), ("1999", "超出范围"), ("2028", "超出范围"), ("25", "不是有效"), ("", "为空")]
)
def test_parse_year(raw, expected):
    value = parse_year(raw, BOUNDS)
    assert value == expected if isinstance(expected, int) else expected in value


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("5000", Decimal("5000.00")),
        ("5000.5", Decimal("5000.50")),
        ("0", Decimal("0.00")),
        ("0.01", Decimal("0.01")),
        ("-1", "不能为负数"),
        ("-0.5", "不能为负数"),
        ("12.345", "最多保留2位小数"),
        ("abc", "不是有效的数字"),
        ("1e3", "不是有效的数字"),
        ("1,000", "不是有效的数字"),
        ("12345678901", "超出允许的范围"),
        ("", "为空"),
    ],
)
def test_parse_money(raw, expected):
    value = parse_money(raw, "金额")
    assert value == expected if isinstance(expected, Decimal) else expected in value


# --- regions -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "lengths", "expected"),
    [
        ("11", (2, 4, 6), "11"),
        ("1101", (2, 4, 6), "1101"),
        ("110105", (2, 4, 6), "110105"),
        ("110000", (2, 4, 6), "11"),
        ("110100", (2, 4, 6), "1101"),
        ("99", (2, 4, 6), "未知"),
        ("119999", (2, 4, 6), "未知"),
        ("1", (2, 4, 6), "位数字"),
        ("1101", (2,), "位数字"),
        ("", (2,), "为空"),
    ],
)
def test_region_prefix(raw, lengths, expected):
    value = REGIONS.check_prefix(raw, lengths)
    assert value == (expected,) if expected.isdigit() else expected in value


def test_region_index_accepts_extra_codes():
    index = RegionIndex.from_stdnum(["990101"])
    assert index.check_county("990101") == ("990101",)
    assert "未知" in REGIONS.check_county("990101")
