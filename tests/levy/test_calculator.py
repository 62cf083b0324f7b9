"""The pure levy calculation (no database): seed example, each rule, boundaries, rounding, what-if, bad input."""

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal as D
from decimal import localcontext
from itertools import pairwise

import pytest

from levy.calculator import LevyInput, LevyInputError, calculate
from levy.rules import MIN_LEVY_YEAR, RULES, RuleKind, other_regimes, rule_day, rules_in_force

SEED = LevyInput(
    staff_count=D(1000),
    ratio_percent=D("1.5"),
    avg_monthly_wage=D(65000),
    disabled_monthly_wage=D(5536),
    severe_person_months=0,
    other_person_months=0,
    unit_kind="企业",
    social_avg_annual_wage=None,
    year=2019,
)


def levy(**changes):
    return calculate(replace(SEED, **changes))


def test_seed_example_base_and_formula():
    result = levy()
    assert result.base_amount == D("11700000.00")
    assert str(result.base_amount) == "11700000.00"
    assert result.formula == "(1000 × 1.5% − (0 × 2 + 0) ÷ 12) × 65000 × 12 = 11,700,000.00 元"
    assert result.savings == D("0.00")
    assert result.placement_cost == D("0.00")


@pytest.mark.parametrize(
    ("changes", "capped", "tier_rate", "exempt", "payable"),
    [
        # no rule bites: 2019 has the cap rule, but no social wage is known, and no tiers yet
        ({}, "11700000.00", "1", False, "11700000.00"),
        # the wage cap alone (2019: before the tiers; 2028: after them)
        ({"social_avg_annual_wage": D(120000)}, "3600000.00", "1", False, "3600000.00"),
        ({"social_avg_annual_wage": D(120000), "year": 2028}, "3600000.00", "1", False, "3600000.00"),
        # the tier alone: below 1 % → 90 %
        ({"year": 2026}, "11700000.00", "0.9", False, "10530000.00"),
        # the tier alone: 120 person-months of 3–4 级 → 10 persons = 1 % → 50 % of (15 − 10) × 780,000
        ({"year": 2026, "other_person_months": 120}, "3900000.00", "0.5", False, "1950000.00"),
        # the exemption alone: an enterprise with 30 staff (2026), no cap
        ({"year": 2026, "staff_count": D(30)}, "351000.00", "0.9", True, "0.00"),
        # together: cap, then 50 % tier; then a 1–2 级 mix reaching 1 % the same way
        (
            {"year": 2026, "other_person_months": 120, "social_avg_annual_wage": D(120000)},
            "1200000.00",
            "0.5",
            False,
            "600000.00",
        ),
        (
            {"year": 2026, "severe_person_months": 48, "other_person_months": 24, "social_avg_annual_wage": D(120000)},
            "1200000.00",
            "0.5",
            False,
            "600000.00",
        ),
        # together: the cap and the 90 % tier
        ({"year": 2026, "social_avg_annual_wage": D(120000)}, "3600000.00", "0.9", False, "3240000.00"),
        # together with the exemption: the exemption wins whatever the other steps say
        (
            {"year": 2026, "staff_count": D(20), "social_avg_annual_wage": D(120000)},
            "72000.00",
            "0.9",
            True,
            "0.00",
        ),
    ],
)
def test_each_rule_alone_and_together(changes, capped, tier_rate, exempt, payable):
    result = levy(**changes)
    assert result.capped_amount == D(capped)
    assert result.tier_rate == D(tier_rate)
    assert result.exempt is exempt
    assert result.payable == D(payable)


@pytest.mark.parametrize(
    ("other_months", "tier_rate"),
    [(119, "0.9"), (120, "0.5"), (121, "0.5"), (179, "0.5")],
)
def test_exactly_one_percent_is_the_fifty_percent_tier(other_months, tier_rate):
    result = levy(year=2026, other_person_months=other_months)
    assert result.tier_rate == D(tier_rate)
    if other_months == 120:
        assert result.actual_ratio_percent == D(1)


def test_exactly_one_percent_with_fractional_staff():
    # 1200.5 staff: 1 % = 12.005 persons = 144.06 weighted months → 144 is below, 145 reaches it
    assert levy(year=2026, staff_count=D("1200.5"), other_person_months=144).tier_rate == D("0.9")
    assert levy(year=2026, staff_count=D("1200.5"), other_person_months=145).tier_rate == D("0.5")


@pytest.mark.parametrize(
    ("staff", "kind", "exempt"),
    [
        (D(30), "企业", True),
        (D("29.5"), "企业", True),
        (D("30.01"), "企业", False),
        (D(31), "企业", False),
        (D(30), "机关", False),
        (D(30), "事业单位", False),
        (D(10), "民办非企业单位", False),
    ],
)
def test_exactly_thirty_staff_and_only_enterprises(staff, kind, exempt):
    result = levy(year=2026, staff_count=staff, unit_kind=kind)
    assert result.exempt is exempt
    assert (result.payable == 0) is exempt


@pytest.mark.parametrize(
    ("monthly_wage", "capped_wage", "capped_amount"),
    [
        (D(20000), "240000.00", "3600000.00"),  # exactly at the cap: unchanged
        (D("19999.99"), "239999.88", "3599998.20"),  # just below: unchanged
        (D("20000.01"), "240000.00", "3600000.00"),  # just above: capped
        (D(65000), "240000.00", "3600000.00"),
    ],
)
def test_exactly_at_the_cap(monthly_wage, capped_wage, capped_amount):
    result = levy(avg_monthly_wage=monthly_wage, social_avg_annual_wage=D(120000))
    assert result.wage_cap == D("240000.00")
    assert result.capped_wage == D(capped_wage)
    assert result.capped_amount == D(capped_amount)
    assert result.base_amount == (D(15) * monthly_wage * 12).quantize(D("0.01"))


# The wage cap by levy year: (levy year, multiple, document). First and last levy year of each period; 2017 is the
# year 18号 took effect (2017-04-01), answered with 18号's 2 × (in force for most of the year, ADR 0004).
CAP_PERIODS = [
    (2016, 3, "18号 第三条所述原上限"),  # first supported levy year (business year 2015); the only one under 3 ×
    (2017, 2, "财税〔2017〕18号"),  # first levy year of 18号
    (2019, 2, "财税〔2017〕18号"),  # last levy year of 18号's own period
    (2020, 2, "2019年第98号"),  # first of 98号 第三条 (open-ended)
    (2028, 2, "2019年第98号"),  # after the tiers ended, the cap stays
    (2100, 2, "2019年第98号"),  # last supported levy year
]


@pytest.mark.parametrize(("year", "factor", "document"), CAP_PERIODS)
def test_the_cap_of_each_levy_year(year, factor, document):
    rule = rules_in_force(year)[RuleKind.WAGE_CAP]
    assert rule.factor == factor and document in rule.source
    result = levy(year=year, social_avg_annual_wage=D(100000))
    assert result.wage_cap_factor == factor
    assert result.wage_cap == D(100000) * factor
    cap_step = {s.key: s for s in result.steps}["wage_cap"]
    assert f"社会平均工资的 {factor} 倍" in cap_step.explanation
    assert rule.source in cap_step.explanation and rule.period in cap_step.explanation


@pytest.mark.parametrize(("year", "factor", "_document"), CAP_PERIODS)
@pytest.mark.parametrize(
    ("cents_over", "capped"),
    [(-1, False), (0, False), (1, True)],  # one cent below, exactly at, one cent above the cap (per month)
)
def test_a_unit_exactly_at_each_cap(year, factor, _document, cents_over, capped):
    # A Beijing-style high-wage unit: 社会平均工资 120,000 元/年; the cap is factor × 120,000 a year, i.e.
    # factor × 10,000 a month. 300 staff × 1.5 % = 4.5 persons short (no placements), 机关 (no exemption).
    monthly = D(10000) * factor + D(cents_over) / 100
    result = levy(
        year=year, staff_count=D(300), unit_kind="机关", avg_monthly_wage=monthly, social_avg_annual_wage=D(120000)
    )
    cap = D(120000) * factor
    assert result.wage_cap == cap
    assert result.capped_wage == (cap if capped else (monthly * 12).quantize(D("0.01")))
    assert result.capped_amount == (D("4.5") * min(monthly * 12, cap)).quantize(D("0.01"))
    assert result.steps[1].explanation.startswith(f"单位年平均工资 {monthly * 12:,.2f} 元{'' if capped else '未'}超过")


def test_2017_takes_the_2x_cap_and_says_what_a_payment_before_april_got():
    assert rule_day(2017) == date(2017, 7, 1)
    regimes = other_regimes(2017, RuleKind.WAGE_CAP)
    assert [(r.start, r.end, r.rule.factor) for r in regimes] == [(date(2017, 1, 1), date(2017, 3, 31), 3)]
    explanation = levy(year=2017, social_avg_annual_wage=D(100000)).steps[1].explanation
    assert "2017-04-01 至 2019-12-31" in explanation
    assert "01-01 至 03-31 缴纳的以当地社会平均工资的 3 倍为上限" in explanation


@pytest.mark.parametrize("year", [2016, 2018, 2019, 2020, 2026, 2027, 2028])
def test_no_mid_year_change_in_other_years(year):
    for kind in RuleKind:
        assert other_regimes(year, kind) == ()
    assert "年中政策调整" not in levy(year=year, social_avg_annual_wage=D(100000)).steps[1].explanation


def test_the_cap_periods_follow_each_other_without_a_gap_from_2015_10_01():
    caps = sorted((r for r in RULES if r.kind == RuleKind.WAGE_CAP), key=lambda r: r.in_force_from)
    assert caps[0].in_force_from == date(2015, 10, 1)
    assert [r.factor for r in caps] == [3, 2, 2]
    for before, after in pairwise(caps):
        assert after.in_force_from == before.in_force_to + timedelta(days=1)
    assert caps[-1].in_force_to is None


@pytest.mark.parametrize(
    ("year", "tiers", "exemption", "document"),
    [
        (2016, False, False, None),  # first supported levy year
        (2019, False, False, None),  # the year before 2019年第98号
        (2020, True, True, "2019年第98号"),  # first year of 2019年第98号
        (2022, True, True, "2019年第98号"),  # last year of 98号
        (2023, True, True, "2023年第8号"),  # first year of 2023年第8号
        (2027, True, True, "2023年第8号"),  # last year of 2023年第8号
        (2028, False, False, None),  # after it
    ],
)
def test_policy_periods_by_levy_year(year, tiers, exemption, document):
    in_force = rules_in_force(year)
    assert (RuleKind.TIERS in in_force) is tiers
    assert (RuleKind.SMALL_ENTERPRISE_EXEMPTION in in_force) is exemption
    if document:
        assert document in in_force[RuleKind.TIERS].source
        assert document in in_force[RuleKind.SMALL_ENTERPRISE_EXEMPTION].source
    assert RuleKind.WAGE_CAP in in_force  # a cap applies to every supported year
    result = levy(year=year, staff_count=D(30))
    assert result.exempt is exemption
    assert result.tier_rate == (D("0.9") if tiers else D(1))


@pytest.mark.parametrize(
    ("kind", "day", "factor"),
    [
        (RuleKind.TIERS, date(2019, 12, 31), None),
        (RuleKind.TIERS, date(2020, 1, 1), 1),
        (RuleKind.TIERS, date(2022, 12, 31), 1),
        (RuleKind.TIERS, date(2023, 1, 1), 1),
        (RuleKind.TIERS, date(2027, 12, 31), 1),
        (RuleKind.TIERS, date(2028, 1, 1), None),
        (RuleKind.SMALL_ENTERPRISE_EXEMPTION, date(2019, 12, 31), None),
        (RuleKind.SMALL_ENTERPRISE_EXEMPTION, date(2020, 1, 1), 1),
        (RuleKind.SMALL_ENTERPRISE_EXEMPTION, date(2027, 12, 31), 1),
        (RuleKind.SMALL_ENTERPRISE_EXEMPTION, date(2028, 1, 1), None),
        (RuleKind.WAGE_CAP, date(2015, 9, 30), None),
        (RuleKind.WAGE_CAP, date(2015, 10, 1), 3),
        (RuleKind.WAGE_CAP, date(2017, 3, 31), 3),
        (RuleKind.WAGE_CAP, date(2017, 4, 1), 2),
        (RuleKind.WAGE_CAP, date(2019, 12, 31), 2),
        (RuleKind.WAGE_CAP, date(2020, 1, 1), 2),
        (RuleKind.WAGE_CAP, date(2099, 12, 31), 2),
    ],
)
def test_first_and_last_day_of_each_period(kind, day, factor):
    found = [rule for rule in RULES if rule.kind == kind and rule.in_force_on(day)]
    assert len(found) == (factor is not None)
    if found and kind == RuleKind.WAGE_CAP:
        assert found[0].factor == factor


def test_rule_periods_of_one_kind_do_not_overlap():
    for kind in RuleKind:
        periods = sorted((r.in_force_from, r.in_force_to or date.max) for r in RULES if r.kind == kind)
        for (_, end), (start, _) in pairwise(periods):
            assert end < start


def test_levy_years_from_2016_on_are_answered():
    assert MIN_LEVY_YEAR == 2016
    assert levy(year=2016).payable == D("11700000.00")  # the seed example: no social wage given, so no cap
    with pytest.raises(LevyInputError) as info:
        levy(year=2015)
    assert "2016" in info.value.errors["year"]


def test_the_document_changes_at_the_2023_boundary():
    assert "2019年第98号" in rules_in_force(2022)[RuleKind.TIERS].source
    assert "2023年第8号" in rules_in_force(2023)[RuleKind.TIERS].source


@pytest.mark.parametrize(
    ("severe", "other"),
    [(90, 0), (0, 180), (60, 60), (100, 100)],
)
def test_placement_at_or_above_the_required_ratio_pays_nothing(severe, other):
    result = levy(year=2026, severe_person_months=severe, other_person_months=other)
    assert result.base_amount == D("0.00")
    assert result.payable == D("0.00")
    assert result.what_if == ()
    assert "按 0 计" in result.formula or severe * 2 + other == 180


def test_awkward_values_are_rounded_once_at_the_end():
    result = levy(
        staff_count=D(333),
        ratio_percent=D("1.6"),
        avg_monthly_wage=D("7777.77"),
        severe_person_months=3,
        other_person_months=5,
        year=2026,
    )
    with localcontext() as ctx:
        ctx.prec = 60
        exact = (D(333) * D("1.6") / 100 - D(11) / 12) * D("7777.77") * 12
    assert result.base_amount == exact.quantize(D("0.01")) == D("411724.03")
    assert result.payable == (exact * D("0.9")).quantize(D("0.01")) == D("370551.63")
    assert result.placed_persons == D(11) / D(12)  # not rounded
    assert result.actual_ratio_percent > D("0.2752") and result.actual_ratio_percent < D("0.2753")


def test_half_up_not_half_even_and_no_intermediate_rounding():
    # 1 person × 1.5 % × 0.25 × 12 = 0.045 → 0.05 (half-even would give 0.04)
    result = levy(staff_count=D(1), avg_monthly_wage=D("0.25"), unit_kind="机关")
    assert result.base_amount == D("0.05")
    # 0.045 × 90 % = 0.0405 → 0.04; rounding the base first would give 0.05 × 0.9 = 0.045 → 0.05
    result = levy(staff_count=D(1), avg_monthly_wage=D("0.25"), unit_kind="机关", year=2026)
    assert result.base_amount == D("0.05")
    assert result.payable == D("0.04")


def test_savings_and_placement_cost_follow_the_seed():
    result = levy(severe_person_months=6, other_person_months=12)
    assert result.weighted_person_months == 24
    assert result.savings == D(24) * (D(65000) - D(5536))
    assert result.savings == D("1427136.00")
    assert result.placement_cost_severe == D("33216.00")
    assert result.placement_cost_other == D("66432.00")
    assert result.placement_cost == D("99648.00")
    assert result.savings_formula.endswith("= 1,427,136.00 元")


def test_savings_may_be_negative_when_disabled_staff_earn_more():
    result = levy(avg_monthly_wage=D(5000), disabled_monthly_wage=D(6000), other_person_months=12)
    assert result.savings == D("-12000.00")


def test_every_step_is_listed_in_order_with_reasons():
    result = levy(year=2026, social_avg_annual_wage=D(120000))
    assert [s.key for s in result.steps] == ["base", "wage_cap", "tier", "exemption", "payable"]
    assert [s.amount for s in result.steps] == [
        D("11700000.00"),
        D("3600000.00"),
        D("3240000.00"),
        D("3240000.00"),
        D("3240000.00"),
    ]
    base, cap, tier, exemption, payable = result.steps
    assert base.label.startswith("基数")
    assert "240,000.00" in cap.explanation and "98号" in cap.explanation
    assert "低于 1%" in tier.explanation and "90%" in tier.explanation
    assert "超过 30 人" in exemption.explanation
    assert payable.amount == result.payable
    assert result.levy_reduction == D("0.00")


def test_steps_say_why_a_rule_did_not_apply():
    result = levy(year=2028, unit_kind="机关", staff_count=D(20))
    by_key = {s.key: s for s in result.steps}
    assert "无法计算工资上限" in by_key["wage_cap"].explanation
    assert "2028 年无分档减缴政策" in by_key["tier"].explanation
    assert "无小微企业免征政策" in by_key["exemption"].explanation
    result = levy(year=2026, unit_kind="机关", staff_count=D(20))
    assert "仅适用于企业" in {s.key: s for s in result.steps}["exemption"].explanation


def _what_if(result):
    return {(w.goal, w.weight): w for w in result.what_if}


def test_what_if_for_the_seed_with_current_rules():
    result = levy(year=2026, social_avg_annual_wage=D(120000))
    w = _what_if(result)
    assert w["next_tier", 1].months == 120 and w["next_tier", 1].persons_full_year == 10
    assert w["next_tier", 2].months == 60
    assert w["zero", 1].months == 180 and w["zero", 1].persons_full_year == 15
    assert w["zero", 2].months == 90 and w["zero", 2].persons_full_year == 8
    assert w["next_tier", 1].payable_after == D("600000.00")
    assert w["zero", 2].payable_after == D("0.00")
    assert "再安置3-4级残疾人 120 个人月" in w["next_tier", 1].text


@pytest.mark.parametrize(
    "changes",
    [
        {"year": 2026},
        {"year": 2026, "staff_count": D("1000.5"), "other_person_months": 7},
        {"year": 2026, "staff_count": D(333), "ratio_percent": D("1.6"), "severe_person_months": 3},
        {"year": 2019, "staff_count": D(77), "other_person_months": 5},
        {"year": 2026, "staff_count": D(100), "avg_monthly_wage": D("0.005")},
    ],
)
def test_what_if_is_the_smallest_number_of_months(changes):
    result = levy(**changes)
    assert result.what_if
    for w in result.what_if:
        field = "severe_person_months" if w.weight == 2 else "other_person_months"
        base = changes.get(field, 0)

        def reached(extra, w=w, field=field, base=base):
            after = levy(**{**changes, field: base + extra})
            return after.payable == 0 or (w.goal == "next_tier" and after.tier_rate != D("0.9"))

        assert reached(w.months)
        assert w.months == 1 or not reached(w.months - 1)


def test_what_if_when_rounding_reaches_zero_a_month_early():
    # 100 staff, 1.5 % → 18 weighted months; at 17 the payable is 1/12 × 0.06 × 50 % = 0.0025 → 0.00
    w = _what_if(levy(year=2026, staff_count=D(100), avg_monthly_wage=D("0.005")))
    assert w["zero", 1].months == 17


def test_what_if_without_tiers_only_aims_at_zero():
    result = levy(year=2019)
    assert {w.goal for w in result.what_if} == {"zero"}


def test_what_if_in_the_fifty_percent_tier_only_aims_at_zero():
    result = levy(year=2026, other_person_months=130)
    assert {(w.goal, w.months) for w in result.what_if} == {("zero", 50), ("zero", 25)}


def test_no_what_if_when_exempt():
    assert levy(year=2026, staff_count=D(25)).what_if == ()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"staff_count": D(0)}, "staff_count"),
        ({"staff_count": D(-5)}, "staff_count"),
        ({"staff_count": D("NaN")}, "staff_count"),
        ({"staff_count": 1000.0}, "staff_count"),
        ({"ratio_percent": D("100.01")}, "ratio_percent"),
        ({"ratio_percent": D("-0.1")}, "ratio_percent"),
        ({"avg_monthly_wage": D(-1)}, "avg_monthly_wage"),
        ({"disabled_monthly_wage": D("-0.01")}, "disabled_monthly_wage"),
        ({"severe_person_months": -1}, "severe_person_months"),
        ({"other_person_months": 1.5}, "other_person_months"),
        ({"other_person_months": True}, "other_person_months"),
        ({"social_avg_annual_wage": D(0)}, "social_avg_annual_wage"),
        ({"unit_kind": ""}, "unit_kind"),
        ({"year": 2015}, "year"),
        ({"year": 2101}, "year"),
        ({"year": "2026"}, "year"),
    ],
)
def test_bad_input_raises_a_domain_error(changes, field):
    with pytest.raises(LevyInputError) as info:
        levy(**changes)
    assert field in info.value.errors
    assert any("\u4e00" <= ch <= "\u9fff" for ch in info.value.errors[field])  # a Chinese message


def test_ratio_zero_and_hundred_are_allowed():
    assert levy(ratio_percent=D(0)).payable == D("0.00")
    assert levy(ratio_percent=D(100)).base_amount == D(1000) * D(780000)
