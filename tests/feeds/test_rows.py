"""Row validators of every feed kind (pure, no database)."""

from datetime import date
from decimal import Decimal

import pytest
from stdnum.cn import ric

from feeds.parsing import Bounds, RegionIndex
from feeds.rows import KINDS, make_row_validator
from tests.factories.feeds import bad_check_digit, person_id, unit_uscc

BOUNDS = Bounds.for_today(date(2026, 3, 1))
REGIONS = RegionIndex.from_stdnum()
ID = person_id(date(1985, 6, 15))
UNIT = unit_uscc()


def positions(kind):
    return {c: i for i, c in enumerate(KINDS[kind].columns)}


def validate(kind, row):
    return make_row_validator(kind, positions(kind), bounds=BOUNDS, regions=REGIONS)(row)


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


@pytest.mark.parametrize(
    ("area", "birth", "reason"),
    [
        ("330106", date(1965, 4, 12), None),  # 杭州市西湖区 [1983-]: created after the birth year, accepted
        ("110111", date(1958, 1, 1), None),  # 北京市房山区 [1986-]
        ("110103", date(1975, 1, 1), None),  # 北京市崇文区 [-2010]: abolished after the birth year
        ("110110", date(1990, 1, 1), "身份证号中的地区代码110110只使用到1986年，早于出生年份1990年"),  # 燕山区
    ],
)
def test_id_area_code_in_force_from_the_birth_year_on(area, birth, reason):
    body = f"{area}{birth:%Y%m%d}001"
    number = body + ric.calc_check_digit(body + "0")
    result = validate("persons", [number, "张伟", "男", area, "", "", ""])
    assert result == reason if reason else result[0] == number
    monthly = validate("wages", [number, UNIT, "202503", "5200"])
    assert monthly == reason if reason else monthly[0] == number


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
