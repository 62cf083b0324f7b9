"""The check of a whole file (placements.bulk.checking): the wizard's rules at each cell, duplicates in the file and
against existing placements, related units, working age; registry data wins. Nothing is written by a check."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from employers.declaration_states import DECLARED, State
from employers.services import declaration_state_record
from placements.bulk.checking import check_workbook
from placements.bulk.package import NotAWorkbook, inspect
from placements.models import Placement
from tests.factories import related_unit
from tests.factories.placements import placement
from tests.placements.bulk.conftest import contract, person, person_id

pytestmark = pytest.mark.django_db


def _check(employer, year, data):
    return check_workbook(package=inspect(data), employer=employer, year=year)


def _reasons(result) -> dict[tuple[str, int, str], str]:
    return {(p.sheet, p.row, p.column): p.reason for p in result.problems}


def test_a_clean_file_has_no_problem(employer, year, make_file):
    numbers = [person_id(i) for i in range(1, 4)]
    woman = person_id(4, birth=date(1980, 2, 1), male=False)
    rows = [person(n) for n in numbers] + [person(woman, retirement_baseline="女干部（原55周岁）")]
    result = _check(employer, year, make_file(rows, [contract(n) for n in [*numbers, woman]]))
    assert result.problems == [] and result.counts()["new"] == 4
    assert result.persons[woman].data["retirement_baseline"] == "cadre55"
    assert not Placement.objects.exists()


def test_each_cell_rule_at_its_cell(employer, year, make_file):
    a, b, c, d = (person_id(i) for i in range(1, 5))
    woman = person_id(5, male=False)
    data = make_file(
        [
            person(a, phone="12345", education="大专"),  # bad phone, a label not in the list
            person(b, is_graduate="是"),  # graduate without 学历
            person(c, household_region="110000"),  # a province, not a county
            person(woman),  # no retirement baseline
            person(d, household_region="999999"),
        ],
        [
            contract(a),
            contract(b, is_dispatched="是"),  # dispatched without a dispatch unit
            contract(c, contract_type="固定期限"),  # fixed term without an end
            contract(woman, pension_unit="不存在的公司"),  # related unit not registered
            contract(d, start="2025-06-01", end="2025-01-01", monthly_salary="五千"),
        ],
    )
    reasons = _reasons(_check(employer, year, data))
    assert reasons[("人员信息", 2, "联系电话")] == "电话号码格式不正确，例如 13800138000 或 010-65001234。"
    assert reasons[("人员信息", 2, "文化程度")].startswith("“文化程度”只能选择：研究生、大学本科")
    assert reasons[("人员信息", 3, "毕业院校")] == "请填写毕业院校。"
    assert reasons[("人员信息", 3, "学历")] == "请选择学历。"
    assert reasons[("人员信息", 4, "户籍地区划代码")] == "请填写到区县一级的行政区划代码。"
    assert reasons[("人员信息", 5, "退休年龄基准（女性）")] == "女性请选择退休年龄基准（女职工或女干部）。"
    assert reasons[("人员信息", 6, "户籍地区划代码")] == "行政区划代码不存在，请核对。"
    assert reasons[("合同信息", 3, "劳务派遣单位")].startswith("劳务派遣人员请选择劳务派遣单位")
    assert reasons[("合同信息", 4, "合同结束日期")] == "固定期限合同请填写合同结束日期。"
    assert "关联单位“不存在的公司”未在“单位信息维护管理”中登记" in reasons[("合同信息", 5, "社保参保单位")]
    assert reasons[("合同信息", 6, "合同月薪（元）")] == "请填写金额（元），如 5000 或 5000.50。"


def test_contract_rules_of_the_wizard(employer, year, make_file):
    firm = related_unit(employer, relation="dispatch_firm", name="北京人力派遣有限公司")
    parent = related_unit(employer, relation="parent_subsidiary", name="北京集团总公司")
    a, b, c = (person_id(i) for i in range(1, 4))
    data = make_file(
        [person(a), person(b), person(c)],
        [
            contract(a, is_dispatched="是", contract_type="劳务派遣协议", dispatch_unit=firm.name),  # fine
            contract(b, dispatch_unit=parent.name, is_dispatched="是"),  # not a dispatch firm
            contract(c, relation="上下级", pension_unit=parent.name, medical_unit=parent.name, wage_unit=parent.uscc),
            contract(a, contract_type="无固定期限", start="2025-01-01", end="2025-12-31"),
        ],
    )
    result = _check(employer, year, data)
    reasons = _reasons(result)
    assert reasons[("合同信息", 3, "劳务派遣单位")] == "劳务派遣单位须为关系为“劳务派遣单位”的关联单位。"
    assert "至少有一个须为本单位" in reasons[("合同信息", 4, "工资发放单位")]
    assert reasons[("合同信息", 5, "合同结束日期")] == "无固定期限合同不填写合同结束日期。"
    assert ("合同信息", 2, "劳务派遣单位") not in reasons


def test_duplicates_in_the_file_and_against_existing_placements(employer, year, make_file):
    a, b = person_id(1), person_id(2)
    placement(employer, id_number=b, year=year, name="王芳")
    data = make_file([person(a), person(a), person(b)], [contract(a), contract(b), contract(person_id(3))])
    result = _check(employer, year, data)
    reasons = _reasons(result)
    assert reasons[("人员信息", 3, "身份证号")].startswith("与第 2 行的身份证号重复")
    assert reasons[("人员信息", 2, "身份证号")] == "与第 3 行的身份证号重复。"
    assert reasons[("人员信息", 4, "身份证号")] == f"该人员（王芳）已在{year}年度安置名单中，不能重复添加。"
    assert reasons[("合同信息", 4, "身份证号")].startswith("“人员信息”表中没有该身份证号的人员")
    assert result.counts()["new"] == 0


def test_outside_working_age_all_year(employer, year, make_file):
    old = person_id(1, birth=date(1950, 1, 1))
    young = person_id(2, birth=date(year - 10, 1, 1))
    nearly = person_id(3, birth=date(year - 16, 6, 15))  # 16 during the year: a note, not a problem
    data = make_file([person(old), person(young), person(nearly)], [contract(old), contract(young), contract(nearly)])
    result = _check(employer, year, data)
    reasons = _reasons(result)
    assert "已达到法定退休年龄" in reasons[("人员信息", 2, "身份证号")]
    assert "未满16周岁" in reasons[("人员信息", 3, "身份证号")]
    assert ("人员信息", 4, "身份证号") not in reasons
    assert any(n["row"] == 4 and "年满16周岁" in n["text"] for n in result.notes)


def test_a_person_without_contract(employer, year, make_file):
    a = person_id(1)
    reasons = _reasons(_check(employer, year, make_file([person(a)], [])))
    assert reasons[("人员信息", 2, "身份证号")] == "该人员在“合同信息”表中没有合同：每人至少填写一份合同。"


def test_a_declared_year_is_refused(employer, year, make_file):
    declaration_state_record(employer_id=employer.pk, year=year, state=State(DECLARED), declared_at=timezone.now())
    with pytest.raises(NotAWorkbook, match="已完成申报"):
        _check(employer, year, make_file([person(person_id(1))], [contract(person_id(1))]))


def test_the_household_region_is_judged_by_the_wizards_region_picker(monkeypatch, employer, year, make_file):
    """户籍地 follows core.forms.RegionPickerField (no copy of its rule), asked once per distinct code."""
    from core.forms import RegionPickerField
    from tests.factories import region

    region("110102").__class__.objects.filter(code="110102").update(abolished=True)
    asked: list = []
    clean = RegionPickerField.clean
    monkeypatch.setattr(RegionPickerField, "clean", lambda self, value: asked.append(value) or clean(self, value))
    numbers = [person_id(i) for i in range(1, 5)]
    codes = ["110101", "110101", "110102", "110100"]
    rows = [person(n, household_region=code) for n, code in zip(numbers, codes, strict=True)]
    result = _check(employer, year, make_file(rows, [contract(n) for n in numbers]))
    reasons = _reasons(result)
    assert reasons[("人员信息", 4, "户籍地区划代码")] == "该行政区划已撤销，请填写现行的行政区划代码。"
    assert reasons[("人员信息", 5, "户籍地区划代码")] == "请填写到区县一级的行政区划代码。"
    assert ("人员信息", 2, "户籍地区划代码") not in reasons and ("人员信息", 3, "户籍地区划代码") not in reasons
    assert sorted(v[-1] or v[1] for v in asked) == ["110100", "110101", "110102"]  # once per code
