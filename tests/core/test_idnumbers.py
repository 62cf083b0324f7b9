"""Resident ID numbers (core.idnumbers): the one rule, pure tables, no database.

Check digits come from python-stdnum's ``calc_check_digit`` (never typed by hand); region codes and their years are
real rows of python-stdnum's GB/T 2260 table (``stdnum/cn/loc.dat``).
"""

import random
from datetime import date

import pytest
from stdnum.cn import ric

from core import idnumbers
from core.idnumbers import InvalidIdNumber

TODAY = date(2026, 3, 1)


def make(area: str, birth: date | str, order: int = 1) -> str:
    """A number with a correct check digit (stdnum's ``calc_check_digit`` wants the check position present)."""
    born = birth if isinstance(birth, str) else f"{birth:%Y%m%d}"
    body = f"{area}{born}{order:03d}"
    return body + ric.calc_check_digit(body + "0")


def problem(raw: str, today: date = TODAY) -> InvalidIdNumber:
    with pytest.raises(InvalidIdNumber) as info:
        idnumbers.validate(raw, today=today)
    return info.value


# --- the area code: in force at some time from the birth year on -----------------------------------------------------


@pytest.mark.parametrize(
    ("area", "created", "birth"),
    [
        ("330106", 1983, date(1965, 4, 12)),  # 杭州市西湖区 [1983-]
        ("320106", 1983, date(1950, 1, 1)),  # 南京市鼓楼区 [1983-]
        ("110111", 1986, date(1958, 11, 30)),  # 北京市房山区 [1986-]
        ("441900", 1988, date(1972, 2, 29)),  # 东莞市 [1988-]
        ("460100", 1988, date(1979, 8, 8)),  # 海口市 [1988-]
        ("500000", 1997, date(1961, 6, 1)),  # 重庆市 [1997-]
        ("110112", 1997, date(1970, 10, 1)),  # 北京市通州区 [1997-]
        ("110118", 2015, date(1982, 12, 31)),  # 北京市密云区 [2015-]
    ],
)
def test_code_created_after_the_birth_year_is_accepted(area, created, birth):
    number = make(area, birth)
    assert birth.year < created
    assert idnumbers.validate(number, today=TODAY) == number
    assert not ric.is_valid(number)  # python-stdnum's birth-place rule would refuse this real number


@pytest.mark.parametrize(
    ("area", "birth", "valid"),
    [
        ("110110", date(1980, 5, 1), True),  # 北京市燕山区 [-1986]: abolished after the birth year
        ("110110", date(1986, 12, 31), True),  # born in its last year
        ("110110", date(1987, 1, 1), False),  # abolished before the birth year
        ("110110", date(1990, 7, 15), False),
        ("110103", date(1965, 3, 3), True),  # 北京市崇文区 [-2010]
        ("110103", date(2010, 6, 1), True),
        ("110103", date(2011, 1, 1), False),
        ("132101", date(1960, 1, 1), True),  # 邯郸市 (old code) [-1983]
        ("132101", date(1984, 1, 1), False),
        ("120110", date(1995, 1, 1), True),  # [-1991]东郊区,[1992-]东丽区: still in force
        ("500101", date(1960, 1, 1), True),  # [1997-1997]万县区,[1998-]万州区
    ],
)
def test_code_abolished_before_the_birth_year_is_refused(area, birth, valid):
    number = make(area, birth)
    assert idnumbers.is_valid(number, today=TODAY) is valid
    if not valid:
        error = problem(number)
        assert error.code == "area_code"
        assert "地区代码" in error.message and area in error.message and str(birth.year) in error.message
        assert "地区代码" in error.reason


@pytest.mark.parametrize("area", ["999999", "110199", "000000"])
def test_unknown_area_code(area):
    error = problem(make(area, date(1985, 6, 15)))
    assert error.code == "area_code"
    assert "地区代码" in error.message and area in error.message


def test_every_number_stdnum_accepts_is_accepted():
    """The rule is wider than python-stdnum's: in force in the birth year implies in force from it on."""
    from core.regiontable import stdnum_table

    rng = random.Random(11)
    codes = list(stdnum_table())
    for _ in range(2000):
        birth = date(rng.randint(1930, 2020), rng.randint(1, 12), rng.randint(1, 28))
        number = make(rng.choice(codes), birth, rng.randrange(1000))
        if ric.is_valid(number):
            assert idnumbers.is_valid(number, today=TODAY), number
        else:  # stdnum refuses it: ours only when the code was abolished before the birth year
            region = stdnum_table()[number[:6]]
            assert idnumbers.is_valid(number, today=TODAY) is region.valid_in_or_after(birth.year), number


# --- shape, check digit, birth date --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "code", "words"),
    [
        ("", "empty", "请输入身份证号码"),
        ("   ", "empty", "请输入身份证号码"),
        ("11010519850615001", "length", "应为 18 位（当前长度为 17 位）"),
        ("110105850615001", "length", "应为 18 位（当前长度为 15 位）"),  # old 15-digit numbers are not accepted
        ("1101051985061500101", "length", "当前长度为 19 位"),
        ("1101051985061500AX", "format", "格式不正确"),
        ("11010519850615001Y", "format", "格式不正确"),
        ("１１０１０５１９８５０６１５００１X", "format", "格式不正确"),  # full-width digits
    ],
)
def test_shape(raw, code, words):
    error = problem(raw)
    assert (error.code, words in error.message) == (code, True)
    assert str(error) == error.message


def test_wrong_check_digit():
    number = make("110105", date(1985, 6, 15))
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    error = problem(wrong)
    assert error.code == "check_digit"
    assert "校验位" in error.message and "校验位" in error.reason


def test_check_digit_is_gb_11643():
    rng = random.Random(3)
    for _ in range(3000):
        body = f"{rng.randrange(10**17):017d}"
        assert idnumbers.check_digit(body) == ric.calc_check_digit(body + "0")
        assert idnumbers.check_digit(body + "0") == idnumbers.check_digit(body)


def test_lower_case_x_is_accepted_and_upper_cased():
    number = next(n for n in (make("110105", date(1985, 6, 15), k) for k in range(1000)) if n.endswith("X"))
    assert idnumbers.validate(number.lower(), today=TODAY) == number
    assert idnumbers.validate(f"  {number.lower()} ", today=TODAY) == number
    assert idnumbers.normalize(f" {number.lower()}") == number


@pytest.mark.parametrize(
    ("born", "valid"),
    [
        ("19850230", False),  # 30 February
        ("19851301", False),  # month 13
        ("19850000", False),
        ("20000229", True),  # leap day
        ("19000101", True),
        ("18991231", False),  # before 1900
        ("20260301", True),  # born today
        ("20260302", False),  # tomorrow
        ("20990101", False),
    ],
)
def test_birth_date(born, valid):
    number = make("110105", born)
    assert idnumbers.is_valid(number, today=TODAY) is valid
    if not valid:
        error = problem(number)
        assert error.code == "birth_date"
        assert "出生日期" in error.message and "出生日期" in error.reason


def test_future_birth_date_depends_on_today():
    number = make("110105", date(2026, 3, 2))
    assert not idnumbers.is_valid(number, today=date(2026, 3, 1))
    assert idnumbers.is_valid(number, today=date(2026, 3, 2))
    assert "晚于今天" in problem(number, date(2026, 3, 1)).message


@pytest.mark.parametrize(
    ("number", "code"),
    [
        (make("110105", "18991231"), "birth_date"),  # the birth date is checked before the region
        (make("999999", "19850230"), "birth_date"),
        (make("999999", "20990101")[:17] + "A", "format"),
    ],
)
def test_order_of_checks(number, code):
    assert problem(number).code == code


# --- decoding ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("order", "gender"),
    [(1, "男"), (3, "男"), (999, "男"), (0, "女"), (2, "女"), (998, "女")],
)
def test_decode(order, gender):
    number = make("330106", date(1965, 4, 12), order)
    assert idnumbers.decode(number) == (date(1965, 4, 12), gender)
    assert idnumbers.gender(number) == gender
    assert idnumbers.birth_date(number) == date(1965, 4, 12)


@pytest.mark.parametrize("value", ["", "1101", "11010519850230001X", "110105198506150", "1101051985061500AX"])
def test_decode_unreadable(value):
    assert idnumbers.decode(value) == (None, "")
