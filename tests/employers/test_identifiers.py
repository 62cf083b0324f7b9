"""USCC / resident ID / organisation code / phone checks (pure, no database)."""

import re
from datetime import date

import pytest
from stdnum.cn import ric

from employers import identifiers
from tests.factories import make_uscc, valid_id_number


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("91110105700000001E", "91110105700000001E"),
        ("91110105 7000 0000 1E", "91110105700000001E"),
        ("91110105700000001e", "91110105700000001E"),  # lower case accepted, stored upper
        ("91110108MA01R8KX4E", "91110108MA01R8KX4E"),
    ],
)
def test_uscc_valid(value, expected):
    assert identifiers.clean_uscc(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("91110105700000001F", "校验位不正确"),
        ("9111010570000001E", "应为 18 位（当前 17 位）"),
        ("911101057000000001E", "应为 18 位（当前 19 位）"),
        ("9111010S700000001E", "格式不正确"),
        ("91110105I00000001E", "格式不正确"),  # I is not in the alphabet
        ("", "应为 18 位（当前 0 位）"),
    ],
)
def test_uscc_invalid(value, message):
    with pytest.raises(ValueError, match=message):
        identifiers.clean_uscc(value)


def test_factory_usccs_are_valid():
    for n in range(1, 30):
        assert identifiers.clean_uscc(make_uscc(n))


def id_number(body: str) -> str:
    """17 digits + python-stdnum's check digit (it expects the check position present)."""
    return body + ric.calc_check_digit(body + "0")


ID_X = next(n for n in (id_number(f"11010519491231{k:03d}") for k in range(1000)) if n.endswith("X"))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (ID_X, ID_X),
        (ID_X.lower(), ID_X),  # lower-case x accepted, stored upper-case
        (f" {ID_X[:6]} {ID_X[6:14]} {ID_X[14:].lower()} ", ID_X),
        (f"{ID_X[:6]}-{ID_X[6:14]}-{ID_X[14:]}", ID_X),
        (id_number("11010519750302123"), id_number("11010519750302123")),
        # 杭州市西湖区 has code 330106 since 1983: a person born 1965 got it when the number was issued
        (id_number("33010619650412001"), id_number("33010619650412001")),
    ],
)
def test_resident_id_valid(value, expected):
    assert identifiers.clean_resident_id(value, today=date(2026, 3, 1)) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (ID_X[:17] + "1", "身份证号码校验位不正确"),
        (ID_X[:17], "身份证号码应为 18 位（当前长度为 17 位）"),
        ("110105491231002", "应为 18 位（当前长度为 15 位）"),  # old 15-digit numbers are not accepted
        ("", "请输入身份证号码"),
        ("1101051949123100AX", "格式不正确"),
        (id_number("11010519491331002"), "出生日期"),  # month 13 (check digit right for the digits)
        (id_number("11010520260302001"), "出生日期 2026-03-02 晚于今天"),
        (id_number("99999919850615001"), "地区代码（前 6 位 999999）"),
        (id_number("11011019900101001"), "地区代码 110110（燕山区）只使用到 1986 年"),
    ],
)
def test_resident_id_invalid(value, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        identifiers.clean_resident_id(value, today=date(2026, 3, 1))


def test_generated_ids_are_valid():
    for n in range(1, 30):
        number = valid_id_number(seq=n)
        assert identifiers.clean_resident_id(number) == number


@pytest.mark.parametrize("value", ["E12345678", "h1234567801", "P-1234567", "K12345678"])
def test_other_document_accepts_passport_like_numbers(value):
    assert identifiers.clean_other_document(value) == value.upper()


@pytest.mark.parametrize("value", ["", "ab", "护照123456", "A" * 40])
def test_other_document_invalid(value):
    with pytest.raises(ValueError, match="证件号码格式不正确"):
        identifiers.clean_other_document(value)


@pytest.mark.parametrize("value", ["700000001", "70000000-1", "MA01R8KX4"])
def test_organization_code_valid(value):
    assert identifiers.clean_organization_code(value) == value.replace("-", "")


@pytest.mark.parametrize(("value", "message"), [("700000002", "校验码不正确"), ("7000001", "应为 9 位")])
def test_organization_code_invalid(value, message):
    with pytest.raises(ValueError, match=message):
        identifiers.clean_organization_code(value)


@pytest.mark.parametrize(
    "value", ["13800138000", "010-65001234", "0755-12345678-801", "(010)65001234", "+8613800138000"]
)
def test_phone_valid(value):
    assert identifiers.clean_phone(value) == value


@pytest.mark.parametrize("value", ["123", "1380013800", "abc-defg", "138001380001234567890"])
def test_phone_invalid(value):
    with pytest.raises(ValueError):
        identifiers.clean_phone(value)


@pytest.mark.parametrize("value", ["91110105700000001E", "110105491231002", "12345678901234567890"])
def test_tax_registration_no(value):
    assert identifiers.clean_tax_registration_no(value) == value
