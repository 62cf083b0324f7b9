"""The six checks, the weight and month selection (domain.md §5), without a database."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from placements.grid.checks import CHECK_BITS, TAKEN_TEXT, reason_texts, reasons_by_check
from placements.grid.rules import (
    MinWageRow,
    evaluate_year,
    minimum_wage,
    minimum_wages_for_year,
    months_mask,
)
from placements.grid.selection import MonthOption, plan_selection
from tests.factories.placement_facts import MINIMUM, MONTHS, OWN, RELATED, cert, contract, person, with_wage


def by_month(facts):
    return {r.month: r for r in evaluate_year(facts)}


def test_a_person_meeting_every_condition_is_verified_every_month():
    results = evaluate_year(person())
    assert [r.month for r in results] == MONTHS
    assert all(r.verified for r in results)
    assert {(r.cert_type, r.cert_grade, r.weight) for r in results} == {("残疾人证", 2, 2)}
    assert all(r.reasons == () for r in results)


# --- weight (§5.3) ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cert_type", "grade", "weight", "counts"),
    [
        ("残疾人证", 1, 2, True),
        ("残疾人证", 2, 2, True),
        ("残疾人证", 3, 1, True),
        ("残疾人证", 4, 1, True),
        ("残疾军人证", 1, 2, True),
        ("残疾军人证", 3, 2, True),
        ("残疾军人证", 4, 1, True),
        ("残疾军人证", 8, 1, True),
        ("残疾军人证", 9, 0, False),
        ("残疾军人证", 10, 0, False),
    ],
)
def test_weight_by_certificate_type_and_grade(cert_type, grade, weight, counts):
    result = by_month(person(certificates=[cert(cert_type=cert_type, grade=grade, cert_no="军字第001号")]))[202503]
    assert result.weight == weight
    assert result.cert_ok is counts
    assert (result.cert_type, result.cert_grade) == (cert_type, grade)


def test_military_grade_nine_does_not_count_and_says_why():
    result = by_month(person(certificates=[cert(cert_type="残疾军人证", grade=9, cert_no="军字第9号")]))[202501]
    assert not result.cert_ok
    assert reason_texts(result.reasons) == ["残疾军人证九级不计入"]


def test_the_higher_weight_wins_when_two_certificates_are_valid():
    certs = [cert(grade=3, cert_no="A"), cert(grade=2, cert_no="B", valid_from=date(2025, 6, 1))]
    results = by_month(person(certificates=certs))
    assert (results[202505].weight, results[202505].cert_no) == (1, "A")
    assert (results[202506].weight, results[202506].cert_no) == (2, "B")


def test_a_certificate_valid_from_the_twentieth_counts_for_that_month():
    results = by_month(person(certificates=[cert(valid_from=date(2025, 3, 20))]))
    assert results[202503].cert_ok
    assert not results[202502].cert_ok
    assert reason_texts(results[202502].reasons) == ["残疾证不在有效期"]


def test_a_certificate_valid_until_the_first_counts_for_that_month():
    results = by_month(person(certificates=[cert(valid_to=date(2025, 9, 1))]))
    assert results[202509].cert_ok
    assert not results[202510].cert_ok


@pytest.mark.parametrize(
    ("state", "text"),
    [("cancelled", "残疾证已注销"), ("pending", "补录残疾证待审核")],
)
def test_certificates_that_are_not_valid(state, text):
    result = by_month(person(certificates=[cert(state=state)]))[202501]
    assert not result.cert_ok
    assert reason_texts(result.reasons) == [text]


def test_no_certificate_at_all():
    result = by_month(person(certificates=[]))[202501]
    assert reason_texts(result.reasons) == ["无残疾证信息"]
    assert result.cert_type == ""


def test_a_month_after_a_second_grade_certificate_expired_weighs_two():
    """Issue 17: a reviewer confirming such a month on evidence counts the person's real grade."""
    results = by_month(person(certificates=[cert(grade=2, valid_to=date(2025, 6, 15))]))
    assert [results[m].weight for m in MONTHS] == [2] * 12
    assert all(results[m].cert_ok for m in MONTHS[:6])
    for m in MONTHS[6:]:
        assert not results[m].cert_ok
        assert reason_texts(results[m].reasons) == ["残疾证不在有效期"]
        assert (results[m].cert_grade, results[m].weight) == (2, 2)


def test_a_month_after_a_third_grade_certificate_expired_weighs_one():
    results = by_month(person(certificates=[cert(grade=3, valid_to=date(2025, 6, 15))]))
    assert [results[m].weight for m in MONTHS[6:]] == [1] * 6


def test_the_best_expired_certificate_gives_the_weight():
    certs = [
        cert(grade=1, cert_no="A", valid_to=date(2024, 12, 31)),
        cert(grade=3, cert_no="B", valid_from=date(2025, 1, 1), valid_to=date(2025, 3, 31)),
    ]
    results = by_month(person(certificates=certs))
    assert (results[202503].cert_ok, results[202503].weight) == (True, 1)
    assert (results[202504].cert_ok, results[202504].weight) == (False, 2)


@pytest.mark.parametrize(("state", "grade", "weight"), [("pending", 1, 2), ("pending", 4, 1), ("cancelled", 2, 2)])
def test_a_pending_or_cancelled_certificate_gives_its_grade_weight(state, grade, weight):
    result = by_month(person(certificates=[cert(state=state, grade=grade)]))[202501]
    assert not result.cert_ok
    assert (result.cert_grade, result.weight) == (grade, weight)


@pytest.mark.parametrize("grade", [9, 10])
def test_military_grade_nine_or_ten_weighs_nothing_even_expired(grade):
    certs = [cert(cert_type="残疾军人证", grade=grade, cert_no="军字第9号", valid_to=date(2025, 6, 15))]
    results = by_month(person(certificates=certs))
    assert results[202501].weight == 0
    assert results[202507].weight == 0


def test_with_no_certificate_known_the_base_weight_is_one():
    assert {r.weight for r in evaluate_year(person(certificates=[]))} == {1}


def test_an_approved_hand_added_certificate_counts_a_rejected_one_does_not():
    approved = by_month(person(certificates=[cert(state="valid", cert_no="hand")]))[202501]
    rejected = by_month(person(certificates=[cert(state="rejected", cert_no="hand")]))[202501]
    assert approved.cert_ok and not rejected.cert_ok
    assert reason_texts(rejected.reasons) == ["无残疾证信息"]


# --- 工资信息 -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "ok"),
    [(MINIMUM, True), (MINIMUM - Decimal("0.01"), False), (MINIMUM + Decimal("0.01"), True)],
)
def test_wage_equal_to_the_minimum_passes_one_cent_less_fails(amount, ok):
    result = by_month(with_wage(person(), 202504, str(amount)))[202504]
    assert result.wage_ok is ok
    assert reason_texts(result.reasons) == ([] if ok else ["工资低于最低工资标准"])


def test_no_wage_record():
    facts = person()
    wages = dict(facts.wages)
    del wages[202507]
    result = by_month(replace(facts, wages=wages))[202507]
    assert reason_texts(result.reasons) == ["无工资发放记录"]


def test_the_wage_must_come_from_the_contracts_wage_unit():
    # The contract says the related unit pays the wage: a wage from the employer itself does not count.
    facts = person(contracts=[contract(wage_unit=RELATED)])
    assert reason_texts(by_month(facts)[202501].reasons) == ["非合同约定的工资发放单位发放"]
    paid_by_related = with_wage(facts, 202501, "3000", unit=RELATED)
    assert by_month(paid_by_related)[202501].verified


def test_without_a_minimum_wage_any_positive_wage_passes():
    facts = person(min_wages={})
    assert by_month(facts)[202501].wage_ok
    assert not by_month(with_wage(facts, 202501, "0"))[202501].wage_ok


# --- 社保 / 医保 --------------------------------------------------------------------------------------------------


def test_insurance_paid_by_the_related_unit_the_contract_names():
    facts = person(
        contracts=[contract(pension_unit=RELATED, medical_unit=RELATED)],
        pension={RELATED: months_mask(MONTHS)},
        medical={OWN: months_mask(MONTHS)},
    )
    result = by_month(facts)[202501]
    assert result.pension_ok
    assert not result.medical_ok
    assert reasons_by_check(result.reasons) == {"medical": "非本单位参保"}


def test_not_insured():
    result = by_month(person(pension={}, medical={}))[202501]
    assert reason_texts(result.reasons) == ["未参保", "未参保"]
    assert reasons_by_check(result.reasons) == {"pension": "未参保", "medical": "未参保"}


# --- 是否就业年龄段 -----------------------------------------------------------------------------------------------


def test_a_man_born_1965_05_retires_at_60_years_2_months():
    results = by_month(person(birth_date=date(1965, 5, 10), id_number="110101196505100019"))
    assert results[202507].age_ok  # reaches 60y2m on 2025-07-10: July still counts
    assert not results[202508].age_ok
    assert reason_texts(results[202508].reasons) == ["已达法定退休年龄"]


def test_a_woman_cadre_works_longer_than_a_woman_worker():
    born = date(1970, 3, 10)  # 女干部 55y1m → 2025-04-10; 女职工 50 → 2020
    cadre = by_month(person(gender="女", baseline="cadre55", birth_date=born))
    worker = by_month(person(gender="女", baseline="worker50", birth_date=born))
    assert cadre[202504].age_ok and not cadre[202505].age_ok
    assert not worker[202501].age_ok


def test_under_sixteen_until_the_birthday_month():
    results = by_month(person(birth_date=date(2009, 7, 20)))
    assert not results[202506].age_ok
    assert reason_texts(results[202506].reasons) == ["未满16周岁"]
    assert results[202507].age_ok


# --- 合同状态 -----------------------------------------------------------------------------------------------------


SHORT = "合同期限不足一年"


@pytest.mark.parametrize(
    ("fields", "ok", "text"),
    [
        (
            {"contract_type": "fixed_term", "start": date(2025, 1, 1), "end": date(2025, 11, 30)},
            False,
            "合同期限不足一年",
        ),
        (
            {"contract_type": "fixed_term", "start": date(2025, 1, 1), "end": date(2025, 12, 30)},
            False,
            "合同期限不足一年",
        ),
        ({"contract_type": "fixed_term", "start": date(2025, 1, 1), "end": date(2025, 12, 31)}, True, None),
        ({"contract_type": "fixed_term", "start": date(2024, 7, 1), "end": date(2026, 6, 30)}, True, None),
        ({"contract_type": "task", "start": date(2025, 1, 1), "end": date(2025, 6, 30)}, False, "合同期限不足一年"),
        ({"contract_type": "fixed_term", "start": date(2025, 1, 1), "end": None}, False, "合同结束日期缺失"),
        ({"contract_type": "open_ended", "start": date(2025, 1, 1), "end": None}, True, None),
        ({"contract_type": "dispatch", "start": date(2025, 1, 1), "end": date(2025, 3, 31)}, True, None),
        ({"contract_type": "dispatch", "start": date(2025, 1, 1), "rejected": True}, False, "劳务派遣协议审核不通过"),
    ],
)
def test_contract_type_and_term(fields, ok, text):
    result = by_month(person(contracts=[contract(**fields)]))[202501]
    assert result.contract_ok is ok
    assert reasons_by_check(result.reasons).get("contract") == text


def test_an_eleven_month_contract_fails_every_month_it_covers_and_months_outside_have_none():
    results = by_month(
        person(contracts=[contract(contract_type="fixed_term", start=date(2025, 2, 1), end=date(2025, 12, 31))])
    )
    assert reason_texts(results[202501].reasons) == ["无有效合同"]
    assert all(reasons_by_check(results[m].reasons) == {"contract": "合同期限不足一年"} for m in MONTHS[1:])


def test_a_contract_covering_one_day_of_the_month_counts():
    results = by_month(person(contracts=[contract(start=date(2025, 4, 30))]))
    assert results[202504].contract_ok and not results[202503].contract_ok


def test_without_any_contract_the_employer_itself_is_the_paying_unit():
    results = by_month(person(contracts=[]))
    assert results[202501].wage_ok and results[202501].pension_ok
    assert reason_texts(results[202501].reasons) == ["无有效合同"]


def test_dispatched_months_are_marked():
    results = by_month(person(contracts=[contract(is_dispatched=True, contract_type="dispatch")]))
    assert all(r.dispatched and r.verified for r in results.values())


# --- cross-employer --------------------------------------------------------------------------------------------


def test_a_month_held_by_another_unit_is_not_verified():
    results = by_month(person(taken_months=frozenset({202503})))
    assert not results[202503].verified
    assert results[202503].taken_elsewhere
    assert reason_texts(results[202503].reasons) == [TAKEN_TEXT]
    assert results[202504].verified


# --- minimum wage resolver -------------------------------------------------------------------------------------

ROWS = [
    MinWageRow("11", date(2024, 9, 1), Decimal("2420")),
    MinWageRow("11", date(2025, 9, 1), Decimal("2540")),
    MinWageRow("110105", date(2025, 4, 1), Decimal("2500")),
    MinWageRow("1101", date(2025, 7, 15), Decimal("2480")),
    MinWageRow("310000", date(2025, 1, 1), Decimal("2690")),  # a province written with six digits
]


@pytest.mark.parametrize(
    ("region", "day", "amount"),
    [
        ("110105", date(2025, 1, 1), "2420"),  # only the province row in force
        ("110105", date(2025, 4, 1), "2500"),  # the county row from its first day
        ("110105", date(2025, 10, 1), "2500"),  # the county still wins over a newer province row
        ("110106", date(2025, 7, 1), "2420"),  # the city row from the 15th is not in force on the 1st
        ("110106", date(2025, 8, 1), "2480"),  # the city over the province
        ("120101", date(2025, 8, 1), None),  # no row for Tianjin
        ("310101", date(2025, 2, 1), "2690"),
    ],
)
def test_minimum_wage_most_specific_region_in_force_on_the_day(region, day, amount):
    assert minimum_wage(ROWS, region, day) == (Decimal(amount) if amount else None)


def test_minimum_wage_changes_mid_year_apply_from_the_next_months_first_day():
    by = minimum_wages_for_year(ROWS, "110106", 2025)
    assert by[202507] == Decimal("2420") and by[202508] == Decimal("2480")


# --- selection (§5.2) --------------------------------------------------------------------------------------------

BAD_WAGE = CHECK_BITS["wage"]
BAD_AGE = CHECK_BITS["age"]


def options(overrides=None):
    """Twelve verified months; ``overrides`` maps a month to MonthOption fields."""
    overrides = overrides or {}
    return [MonthOption(month=m, **{"fail_mask": 0, **overrides.get(m, {})}) for m in MONTHS]


def test_auto_verified_months_of_a_non_dispatched_person_are_selected_and_locked():
    plan = plan_selection(options(), requested=[])
    assert plan.ok
    assert plan.selected == MONTHS
    assert set(plan.states.values()) == {"auto"}


def test_a_dispatched_person_chooses_among_auto_verified_months():
    opts = [MonthOption(month=m, fail_mask=0, dispatched=True) for m in MONTHS]
    plan = plan_selection(opts, requested=[202501, 202502])
    assert plan.selected == [202501, 202502]
    assert plan.states[202503] == "none"


def test_a_failing_month_may_be_ticked_and_then_waits_for_review():
    plan = plan_selection(options({202503: {"fail_mask": BAD_WAGE}}), requested=[202503])
    assert plan.ok
    assert plan.states[202503] == "pending"
    assert plan.states[202504] == "auto"


def test_a_failing_month_not_ticked_stays_unregistered():
    plan = plan_selection(options({202503: {"fail_mask": BAD_WAGE}}), requested=[])
    assert plan.states[202503] == "none"


def test_a_month_held_by_another_unit_cannot_be_ticked():
    plan = plan_selection(options({202503: {"taken_elsewhere": True}}), requested=[202503])
    assert plan.errors == {202503: TAKEN_TEXT}
    assert plan.states[202503] == "none"


def test_a_month_outside_working_age_cannot_be_ticked():
    plan = plan_selection(options({202512: {"fail_mask": BAD_AGE}}), requested=[202512])
    assert plan.errors == {202512: "不在就业年龄段的月份不能登记"}


def test_a_month_outside_the_year_is_refused():
    assert plan_selection(options(), requested=[202601]).errors == {202601: "月份不属于本业务年度"}


def test_a_reviewers_decision_stands_while_the_month_stays_selected():
    opts = options(
        {
            202503: {"fail_mask": BAD_WAGE, "selected": True, "review_state": "confirmed"},
            202504: {"fail_mask": BAD_WAGE, "selected": True, "review_state": "rejected"},
        }
    )
    plan = plan_selection(opts, requested=[202503, 202504])
    assert (plan.states[202503], plan.states[202504]) == ("confirmed", "rejected")
    assert plan_selection(opts, requested=[]).states[202503] == "none"


def test_insurance_paid_in_some_months_only():
    facts = person(pension={OWN: months_mask([202501, 202502]), RELATED: months_mask([202503])})
    results = by_month(facts)
    assert results[202502].pension_ok
    assert reasons_by_check(results[202503].reasons) == {"pension": "非本单位参保"}
    assert reasons_by_check(results[202504].reasons) == {"pension": "未参保"}


def test_months_mask():
    assert months_mask([1, 12]) == 0b1000_0000_0001
    assert months_mask([202503, 202503]) == 0b100
