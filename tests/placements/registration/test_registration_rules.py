"""The wizard's pure rules (placements.wizard_rules): contracts, hand-added certificates, working age, list actions,
evidence. No database."""

from datetime import date

import pytest

from placements.evidence.rules import evidence_mask_of, evidence_upload_errors, month_evidence
from placements.grid.checks import CHECK_BITS
from placements.registration.rules import (
    ContractInput,
    RegistryCert,
    age_on,
    age_verdict,
    contract_errors,
    contract_still_valid,
    hand_certificate_allowed,
    may_edit,
    placement_actions,
)

UNIT = 7  # a related unit's pk


def contract(**fields) -> ContractInput:
    data = {
        "is_dispatched": False,
        "relation": "self",
        "contract_type": "open_ended",
        "start": date(2024, 1, 1),
        "end": None,
    }
    data.update(fields)
    return ContractInput(**data)


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({}, {}),
        ({"contract_type": "fixed_term", "end": date(2025, 12, 31)}, {}),
        ({"contract_type": "fixed_term", "end": None}, {"end": "固定期限合同请填写合同结束日期。"}),
        ({"contract_type": "fixed_term", "end": date(2023, 12, 31)}, {"end": "合同结束日期不能早于合同开始日期。"}),
        ({"contract_type": "task", "end": date(2023, 12, 31)}, {"end": "合同结束日期不能早于合同开始日期。"}),
        ({"contract_type": "task", "end": None}, {}),
        ({"end": date(2026, 1, 1)}, {"end": "无固定期限合同不填写合同结束日期。"}),
        ({"contract_type": "fixed_term", "end": date(2024, 1, 1)}, {}),  # one day: allowed (does not qualify)
        # 劳务派遣: a dispatch unit is required, and only then
        ({"is_dispatched": True, "contract_type": "dispatch", "end": date(2026, 1, 1)}, {"dispatch_unit": "…"}),
        ({"is_dispatched": True, "contract_type": "dispatch", "end": date(2026, 1, 1), "dispatch_unit": UNIT}, {}),
        ({"dispatch_unit": UNIT}, {"dispatch_unit": "非劳务派遣人员不选择劳务派遣单位。"}),
        # 关联单位: not dispatched + 上下级 / 其他关联单位 → one of the three paying units is this unit (None)
        (
            {"relation": "parent_subsidiary", "pension_unit": UNIT, "medical_unit": UNIT, "wage_unit": UNIT},
            {"wage_unit": "…"},
        ),
        ({"relation": "other", "pension_unit": UNIT, "medical_unit": UNIT, "wage_unit": UNIT}, {"wage_unit": "…"}),
        ({"relation": "parent_subsidiary", "pension_unit": UNIT, "medical_unit": UNIT}, {}),
        ({"relation": "other", "wage_unit": UNIT, "medical_unit": UNIT}, {}),
        ({"relation": "self", "pension_unit": UNIT, "medical_unit": UNIT, "wage_unit": UNIT}, {}),
        (
            {
                "relation": "parent_subsidiary",
                "is_dispatched": True,
                "dispatch_unit": UNIT,
                "pension_unit": UNIT,
                "medical_unit": UNIT,
                "wage_unit": UNIT,
            },
            {},
        ),
    ],
)
def test_contract_rules(fields, errors):
    found = contract_errors(contract(**fields))
    assert set(found) == set(errors)
    for name, message in errors.items():
        if message != "…":
            assert found[name] == message
    if "wage_unit" in errors:
        assert "至少有一个须为本单位" in found["wage_unit"]
    if errors.get("dispatch_unit") == "…":
        assert "请选择劳务派遣单位" in found["dispatch_unit"]


@pytest.mark.parametrize(
    ("end", "year", "valid"),
    [
        (None, 2025, True),
        (date(2025, 1, 1), 2025, True),
        (date(2024, 12, 31), 2025, False),
        (date(2026, 6, 30), 2025, True),
    ],
)
def test_contract_still_valid(end, year, valid):
    assert contract_still_valid(date(2020, 1, 1), end, year) is valid


def cert(start: date, end: date, valid: bool = True) -> RegistryCert:
    return RegistryCert(start, end, valid)


@pytest.mark.parametrize(
    ("certs", "allowed"),
    [
        ([], True),  # the registry has none
        ([cert(date(2014, 1, 1), date(2024, 12, 31))], True),  # expired before the year
        ([cert(date(2020, 1, 1), date(2030, 12, 31), valid=False)], True),  # cancelled
        ([cert(date(2020, 1, 1), date(2030, 12, 31))], False),  # covers the whole year
        ([cert(date(2025, 1, 1), date(2035, 1, 1))], False),  # issued on 1 January: covers the year
        ([cert(date(2025, 3, 20), date(2035, 3, 19))], True),  # new in the year: less than a year old
        ([cert(date(2015, 5, 1), date(2025, 4, 30)), cert(date(2025, 5, 20), date(2035, 5, 19))], True),  # renewed
        ([cert(date(2015, 6, 16), date(2025, 6, 15))], False),  # expires mid-year but was not new in it
    ],
)
def test_hand_certificate_allowed(certs, allowed):
    assert hand_certificate_allowed(certs, 2025) is allowed


@pytest.mark.parametrize(
    ("birth", "gender", "baseline", "refuse", "note"),
    [
        (date(1985, 6, 15), "男", "", False, ""),
        (date(2010, 3, 1), "男", "", True, "未满16周岁"),  # 16 only in 2026
        (date(2009, 6, 15), "女", "worker50", False, "2025年6月起年满16周岁"),  # 16 in June
        (date(1962, 1, 10), "男", "", True, "已达到法定退休年龄"),  # 60 in January 2022 (before the reform)
        (date(1965, 3, 10), "男", "", False, "2025年4月达到法定退休年龄"),  # 60 years 1 month: April 2025
        (date(1970, 6, 1), "女", "worker50", True, "女干部"),  # 50 baseline: retired in 2020 → hint
        (date(1970, 6, 1), "女", "cadre55", False, "2025年8月达到法定退休年龄"),  # 55 + 2 months
        (None, "", "", True, "无法从身份证号识别出生日期"),
    ],
)
def test_age_verdict(birth, gender, baseline, refuse, note):
    verdict = age_verdict(birth, gender, baseline, 2025)
    assert verdict.refuse is refuse
    assert note in verdict.message
    if not note:
        assert verdict.message == ""


def test_age_on():
    assert age_on(date(1985, 6, 15), date(2025, 6, 14)) == 39
    assert age_on(date(1985, 6, 15), date(2025, 6, 15)) == 40
    assert age_on(None, date(2025, 1, 1)) is None


@pytest.mark.parametrize(
    ("status", "completed", "locked", "expected"),
    [
        ("incomplete", False, False, (True, True, False, False, True)),
        ("incomplete", True, False, (True, False, True, True, True)),  # finished, evidence missing after a recompute
        ("pending", True, False, (True, False, True, True, True)),
        ("approved_system", True, False, (True, False, False, True, True)),
        ("approved_manual", True, False, (True, False, False, True, True)),
        ("partially_rejected", True, False, (True, False, True, True, True)),
        ("rejected", True, False, (True, False, True, True, True)),
        ("approved_system", True, True, (True, False, False, False, False)),  # after 完成申报: only 查看
        ("incomplete", False, True, (True, False, False, False, False)),
    ],
)
def test_placement_actions(status, completed, locked, expected):
    a = placement_actions(status, completed, locked)
    assert (a.view, a.resume, a.edit, a.reregister, a.delete) == expected
    assert may_edit(status, completed) is (not (completed and status.startswith("approved")))


def test_month_evidence_lists_what_is_missing():
    wage, pension, age = CHECK_BITS["wage"], CHECK_BITS["pension"], CHECK_BITS["age"]
    m = month_evidence(202503, wage | pension, wage)
    assert m.failing == ("wage", "pension")
    assert m.needed == ("pension",)
    assert m.needed_labels == ["社保参保证明"]
    assert m.provided_labels == ["工资证明"]
    assert not m.complete
    assert month_evidence(202503, wage | pension, wage | pension).complete
    # the age check cannot be proven: it is never "needed" evidence (such months are not selectable)
    assert month_evidence(202503, age, 0).needed == ()


def test_evidence_mask_of_uploads():
    uploads = [("wage", [202503, 202504]), ("pension", [202504])]
    assert evidence_mask_of(uploads, 202503) == CHECK_BITS["wage"]
    assert evidence_mask_of(uploads, 202504) == CHECK_BITS["wage"] | CHECK_BITS["pension"]
    assert evidence_mask_of(uploads, 202505) == 0


@pytest.mark.parametrize(
    ("check", "months", "error"),
    [
        ("wage", [202503, 202504], None),  # one upload, several months
        ("wage", [], "请至少选择一个适用月份"),
        ("age", [202503], "材料类型无效"),
        ("wage", [202505], "不是已勾选的未通过月份"),
        ("pension", [202503], "社保参保状态已通过核验"),
    ],
)
def test_evidence_upload_errors(check, months, error):
    masks = {202503: CHECK_BITS["wage"], 202504: CHECK_BITS["wage"] | CHECK_BITS["pension"]}
    errors = evidence_upload_errors(check, months, masks)
    if error is None:
        assert errors == []
    else:
        assert any(error in e for e in errors), errors


def test_the_person_rules_the_wizard_and_the_bulk_import_share():
    """One copy of each rule (registration.rules), called by PersonForm, GraduateForm, _validate_contract and
    placements.bulk.checking."""
    from placements.registration.rules import (
        baseline_error,
        dispatch_unit_error,
        graduate_missing,
        graduation_date_error,
    )

    assert baseline_error("女", "") == "女性请选择退休年龄基准（女职工或女干部）。"
    assert baseline_error("女", "worker50") is None and baseline_error("男", "") is None
    assert graduate_missing("北京大学", "", None) == {"degree": "请选择学历。", "graduation_date": "请填写毕业时间。"}
    assert graduate_missing("北京大学", "bachelor", date(2010, 7, 1)) == {}
    assert graduation_date_error(date(2031, 7, 1), date(2030, 1, 1)) == "毕业时间不能晚于今天。"
    assert graduation_date_error(date(2030, 1, 1), date(2030, 1, 1)) is None
    assert dispatch_unit_error(is_dispatch_firm=False) == "劳务派遣单位须为关系为“劳务派遣单位”的关联单位。"
    assert dispatch_unit_error(is_dispatch_firm=True) is None
