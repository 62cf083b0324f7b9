"""Field checkers and row validators (pure, no database)."""

from datetime import date
from decimal import Decimal

import pytest
from stdnum.cn import ric, uscc

from feeds.parsing import (
    KINDS,
    Bounds,
    RegionIndex,
    check_id_number,
    check_uscc,
    id_birth_date,
    id_gender,
    is_valid_id_number,
    is_valid_uscc,
    make_row_validator,
    normalize_id_number,
    parse_date,
    parse_money,
    parse_month,
    parse_year,
)
from tests.feeds.factories import bad_check_digit, person_id, unit_uscc

BOUNDS = Bounds.for_today(date(2026, 3, 1))
REGIONS = RegionIndex.from_stdnum()
ID = person_id(date(1985, 6, 15))
ID_F = person_id(date(1990, 2, 3), male=False)
UNIT = unit_uscc()


def positions(kind):
    return {c: i for i, c in enumerate(KINDS[kind].columns)}


def validate(kind, row):
    return make_row_validator(kind, positions(kind), bounds=BOUNDS, regions=REGIONS)(row)


# --- identifiers -------------------------------------------------------------------------------------------------


def test_generated_ids_are_valid_for_stdnum():
    assert ric.is_valid(ID) and ric.is_valid(ID_F)
    assert uscc.is_valid(UNIT)


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        (ID, None),
        (f"  {ID}  ", None),
        ("", "身份证号为空"),
        (ID[:17], "应为18位"),
        ("A" + ID[1:], "格式错误"),
        (bad_check_digit(ID), "校验位错误"),
        # a valid check digit but an impossible birth date / an unknown region
        ("110105198502300000", "出生日期无效"),
        ("999999198506150000", "地区码无效"),
        ("110111198001010000", "地区码无效"),  # 房山区 has this code since 1986 only
    ],
)
def test_check_id_number(raw, error):
    if error and raw[:17].isdigit() and len(raw) == 18 and error != "校验位错误":
        raw = raw[:17] + ric.calc_check_digit(raw[:17] + "0")
    normalized, found = check_id_number(raw)
    assert normalized == raw.strip().upper()
    if error is None:
        assert found is None
    else:
        assert error in found
    assert is_valid_id_number(raw) is (error is None)


def test_check_id_number_agrees_with_stdnum_on_many_numbers():
    import random

    from feeds.generator import id_number
    from feeds.parsing import stdnum_regions

    rng = random.Random(5)
    codes = list(stdnum_regions())
    for _ in range(3000):
        birth = date(rng.randint(1940, 2020), rng.randint(1, 12), rng.randint(1, 28))
        number = id_number(rng.choice(codes), birth, rng.randrange(1000))
        assert is_valid_id_number(number) is ric.is_valid(number), number


def test_lower_case_x_is_normalized():
    with_x = next(n for n in (person_id() for _ in range(400)) if n.endswith("X"))
    assert check_id_number(with_x.lower()) == (with_x, None)
    assert normalize_id_number(with_x.lower()) == with_x


def test_gender_and_birth_date_from_id():
    assert id_gender(ID) == "男"
    assert id_gender(ID_F) == "女"
    assert id_birth_date(ID) == date(1985, 6, 15)


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


# --- row validators ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["pension", "medical", "wages"])
def test_monthly_row_valid(kind):
    assert validate(kind, [ID.lower(), UNIT, "202503", "5200.5"]) == (ID, UNIT, 202503, Decimal("5200.50"))


@pytest.mark.parametrize(
    ("row", "fragments"),
    [
        (["", UNIT, "202503", "1"], ["身份证号为空"]),
        ([ID, "", "202503", "1"], ["统一社会信用代码为空"]),
        ([ID, UNIT, "", "1"], ["月份为空"]),
        ([ID, UNIT, "202503", ""], ["为空"]),
        ([bad_check_digit(ID), UNIT, "202503", "1"], ["身份证号校验位错误"]),
        ([ID, bad_check_digit(UNIT), "202503", "1"], ["单位统一社会信用代码校验位错误"]),
        ([ID, UNIT, "199901", "1"], ["超出范围"]),
        ([ID, UNIT, "202503", "-5"], ["不能为负数"]),
        ([ID, UNIT, "202503", "x"], ["不是有效的数字"]),
        ([bad_check_digit(ID), UNIT, "202513", "-1"], ["校验位错误", "YYYYMM", "负数"]),
    ],
)
def test_monthly_row_rejected(row, fragments):
    reason = validate("pension", row)
    assert isinstance(reason, str)
    for fragment in fragments:
        assert fragment in reason


def test_persons_row():
    row = [ID, " 张  伟 ", "男", "110105", "北京市朝阳区建国路1号", "13800138000", "本科"]
    assert validate("persons", row) == (ID, "张 伟", "男", "110105", "北京市朝阳区建国路1号", "13800138000", "本科")
    assert validate("persons", [ID, "张伟", "男", "110105", "", "", ""])[4:] == ("", "", "")


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({1: ""}, "姓名为空"),
        ({1: "名" * 51}, "姓名超过50"),
        ({2: ""}, "性别为空"),
        ({2: "M"}, "应为男或女"),
        ({2: "女"}, "性别与身份证号不符"),
        ({3: ""}, "区划代码为空"),
        ({3: "999999"}, "未知"),
        ({3: "1101"}, "应为6位"),
        ({4: "路" * 201}, "户籍地址超过200"),
        ({0: bad_check_digit(ID)}, "校验位错误"),
    ],
)
def test_persons_row_rejected(change, fragment):
    row = [ID, "张伟", "男", "110105", "", "", ""]
    for i, v in change.items():
        row[i] = v
    reason = validate("persons", row)
    assert isinstance(reason, str) and fragment in reason


def cert_row(**over):
    row = {
        "cert_no": f"{ID}42",
        "id_number": ID,
        "cert_type": "残疾人证",
        "category": "4",
        "grade": "2",
        "valid_from": "2020-05-01",
        "valid_to": "2030-04-30",
        "status": "有效",
    }
    row.update(over)
    return [row[c] for c in KINDS["certificates"].columns]


def test_certificates_row():
    assert validate("certificates", cert_row()) == (
        f"{ID}42",
        ID,
        "残疾人证",
        4,
        2,
        date(2020, 5, 1),
        date(2030, 4, 30),
        "有效",
    )
    military = cert_row(cert_no=" 军残字第0012345号 ", cert_type="残疾军人证", category="", grade="9")
    assert validate("certificates", military)[:5] == ("军残字第0012345号", ID, "残疾军人证", None, 9)
    assert validate("certificates", cert_row(valid_to="2099-12-31"))[6] == date(2099, 12, 31)
    assert validate("certificates", cert_row(cert_no=f"{ID}42B1"))[0] == f"{ID}42B1"


@pytest.mark.parametrize(
    ("over", "fragment"),
    [
        ({"cert_no": ""}, "残疾证号为空"),
        ({"cert_type": ""}, "证件类型为空"),
        ({"cert_type": "学生证"}, "应为残疾人证或残疾军人证"),
        ({"grade": ""}, "残疾等级为空"),
        ({"status": ""}, "状态为空"),
        ({"status": "过期"}, "应为有效或注销"),
        ({"valid_from": ""}, "有效期起为空"),
        ({"valid_to": "2030-13-01"}, "有效期止"),
        ({"valid_from": "1998-01-01"}, "超出范围"),
        ({"valid_to": "2019-01-01"}, "有效期止早于有效期起"),
        ({"cert_no": f"{person_id()}42"}, "身份证号不一致"),
        ({"grade": "5", "cert_no": f"{ID}45"}, "残疾人证等级应为1–4级"),
        ({"grade": "11"}, "残疾等级“11”应为1–10"),
        ({"category": "8"}, "残疾类别“8”应为1–7"),
        ({"category": "3"}, "残疾类别4）与残疾类别3不一致"),
        ({"grade": "3"}, "残疾等级2）与残疾等级3不一致"),
        ({"category": ""}, "须填写残疾类别"),
        ({"cert_no": f"{ID}4"}, "应为20位"),
        ({"cert_type": "残疾军人证", "cert_no": "军残字1号", "category": "4"}, "不填写残疾类别"),
        ({"id_number": bad_check_digit(ID)}, "校验位错误"),
    ],
)
def test_certificates_row_rejected(over, fragment):
    reason = validate("certificates", cert_row(**over))
    assert isinstance(reason, str), reason
    assert fragment in reason


def test_military_grade_out_of_range():
    reason = validate("certificates", cert_row(cert_type="残疾军人证", cert_no="军残字1号", category="", grade="11"))
    assert "应为1–10" in reason


@pytest.mark.parametrize(
    ("kind", "row", "expected"),
    [
        ("min_wages", ["11", "2025-09-01", "2540"], ("11", date(2025, 9, 1), Decimal("2540.00"))),
        ("min_wages", ["110000", "2025-09-01", "2540"], ("11", date(2025, 9, 1), Decimal("2540.00"))),
        ("min_wages", ["110105", "2025-09-01", "2540.5"], ("110105", date(2025, 9, 1), Decimal("2540.50"))),
        ("min_wages", ["99", "2025-09-01", "2540"], "未知"),
        ("min_wages", ["11", "2025-09-31", "2540"], "生效日期"),
        ("min_wages", ["11", "2025-09-01", "-1"], "负数"),
        ("min_wages", ["", "2025-09-01", "1"], "为空"),
        ("social_avg_wages", ["11", "2024", "146000"], ("11", 2024, Decimal("146000.00"))),
        ("social_avg_wages", ["1101", "2024", "146000"], "位数字"),
        ("social_avg_wages", ["11", "1999", "146000"], "超出范围"),
        ("social_avg_wages", ["11", "2024", "abc"], "不是有效的数字"),
        ("ratios", ["11", "2025", "1.7"], ("11", 2025, Decimal("1.70"))),
        ("ratios", ["11", "2025", "101"], "不能超过100"),
        ("ratios", ["11", "2025", "1.755"], "2位小数"),
        ("ratios", ["", "2025", "1.5"], "省级代码为空"),
    ],
)
def test_reference_rows(kind, row, expected):
    value = validate(kind, row)
    assert value == expected if isinstance(expected, tuple) else expected in value


def test_validator_follows_header_order():
    header = ["month", "base_amount", "unit_uscc", "id_number", "note"]
    check = make_row_validator("pension", {c: header.index(c) for c in KINDS["pension"].columns}, bounds=BOUNDS)
    assert check(["202501", "100", UNIT, ID, "x"]) == (ID, UNIT, 202501, Decimal("100.00"))
