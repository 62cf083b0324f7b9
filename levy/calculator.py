"""The levy (残疾人就业保障金) calculator: pure Python, no ORM (domain.md §8, ADR 0004).

``calculate(LevyInput(...))`` starts from the seed's base formula and applies the policies in force for the levy
year (``levy.rules``): the wage cap (3 × or 2 × the local 社会平均工资), the 50 % / 90 % tiers and the
small-enterprise exemption. Every step is kept with a Chinese label and explanation so the page can show why the
unit owes what it owes.

Arithmetic: inputs are ``Decimal`` (or ``int``); intermediate values are exact fractions, so nothing is rounded
before the end. Money is rounded once, ROUND_HALF_UP to 2 decimals; headcounts and ratios are not rounded.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from math import ceil

from core.errors import DomainError
from levy.rules import (
    EXEMPT_UNIT_KIND,
    EXEMPTION_MAX_STAFF,
    MAX_LEVY_YEAR,
    MIN_LEVY_YEAR,
    RULES,
    TIER_RATE_AT_OR_ABOVE_THRESHOLD,
    TIER_RATE_BELOW_THRESHOLD,
    TIER_THRESHOLD_PERCENT,
    PolicyRule,
    RuleKind,
    other_regimes,
    rules_in_force,
)

SEVERE_WEIGHT = 2  # 残疾人证 1–2 级 / 残疾军人证 1–3 级
OTHER_WEIGHT = 1  # 残疾人证 3–4 级 / 残疾军人证 4–8 级
SEVERE_LABEL = "1-2级（含残疾军人证1-3级）"
OTHER_LABEL = "3-4级（含残疾军人证4-8级）"

_ZERO = Fraction(0)
_ONE = Fraction(1)


class LevyInputError(DomainError):
    """Bad calculator input, said to the user. ``errors`` maps each input field to a Chinese message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("；".join(errors.values()), code="input")
        self.errors = errors


@dataclass(frozen=True, slots=True)
class LevyInput:
    staff_count: Decimal  # 单位员工人数 (annual average; may be fractional)
    ratio_percent: Decimal  # 残疾人安置比例, e.g. Decimal("1.5")
    avg_monthly_wage: Decimal  # 单位月平均工资
    disabled_monthly_wage: Decimal  # 残疾员工月薪
    severe_person_months: int  # 1–2 级 (含残疾军人证 1–3 级) 安置人月数
    other_person_months: int  # 3–4 级 (含残疾军人证 4–8 级) 安置人月数
    unit_kind: str  # 单位性质: "企业", "机关", "事业单位", …
    social_avg_annual_wage: Decimal | None  # the province's 社会平均工资; None = no cap known
    year: int  # the levy year the rules are taken from


@dataclass(frozen=True, slots=True)
class LevyStep:
    key: str  # base / wage_cap / tier / exemption / payable
    label: str
    amount: Decimal
    explanation: str


@dataclass(frozen=True, slots=True)
class WhatIf:
    """How many more person-months of one grade bring the payable to a goal."""

    goal: str  # "next_tier" or "zero"
    goal_label: str
    grade_label: str
    weight: int
    months: int  # additional person-months, the smallest that achieves the goal
    persons_full_year: int  # at least this many persons employed the whole year
    payable_after: Decimal

    @property
    def text(self) -> str:
        return (
            f"再安置{self.grade_label}残疾人 {self.months} 个人月（约 {self.persons_full_year} 人全年在岗），"
            f"{self.goal_label}，预计缴纳 {_fmt_money(self.payable_after)} 元"
        )


@dataclass(frozen=True, slots=True)
class LevyResult:
    input: LevyInput
    weighted_person_months: int  # 一二级人月 × 2 + 三四级人月 (安置核定月数)
    placed_persons: Decimal  # 实际安排人数 = weighted / 12, not rounded
    required_persons: Decimal  # 员工人数 × 比例
    actual_ratio_percent: Decimal  # 实际安排人数 / 员工人数 × 100, not rounded
    annual_wage: Decimal  # 单位月平均工资 × 12
    wage_cap_factor: Decimal | None  # 3 or 2 (× 社会平均工资) when a cap rule is in force
    wage_cap: Decimal | None  # factor × 社会平均工资 when the cap rule is in force and the wage is known
    capped_wage: Decimal  # the annual wage the levy is computed with (after the cap)
    base_amount: Decimal  # the seed's formula, floored at 0
    capped_amount: Decimal  # after the wage cap
    tier_rate: Decimal  # 1, 0.5 or 0.9
    tiered_amount: Decimal  # after the tier
    exempt: bool  # small-enterprise exemption applied
    payable: Decimal  # what the unit owes
    payable_without_placements: Decimal  # the same rules with no placements at all
    savings: Decimal  # 预计可节约 (seed formula)
    placement_cost_severe: Decimal
    placement_cost_other: Decimal
    placement_cost: Decimal
    steps: tuple[LevyStep, ...]
    what_if: tuple[WhatIf, ...]
    rules: tuple[PolicyRule, ...]  # the rules in force for the year
    formula: str  # the seed formula with the numbers filled in
    savings_formula: str

    @property
    def levy_reduction(self) -> Decimal:
        """How much less the placements make the unit pay under the current rules."""
        return self.payable_without_placements - self.payable


# ---------------------------------------------------------------------------------------------------------------
# helpers


def _money(value: Fraction) -> Decimal:
    """Exact ROUND_HALF_UP (half away from zero) to 2 decimals."""
    cents = abs(value) * 100
    rounded = (2 * cents.numerator + cents.denominator) // (2 * cents.denominator)
    return Decimal(-rounded if value < 0 else rounded).scaleb(-2)


def _dec(value: Fraction) -> Decimal:
    """A non-money quantity as a Decimal (28 significant digits; exact when it terminates)."""
    return Decimal(value.numerator) / Decimal(value.denominator)


def _fmt_money(value: Decimal) -> str:
    return f"{value:,.2f}"


def _fmt_num(value: Fraction | Decimal | int, places: int = 4) -> str:
    """A headcount / ratio for an explanation: up to ``places`` decimals, no trailing zeros."""
    d = _dec(value) if isinstance(value, Fraction) else Decimal(value)
    text = f"{d:.{places}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def format_percent(value: Fraction | Decimal | int, places: int = 2) -> str:
    """A ratio in percent as every page shows it: ``places`` decimals (half up) and the sign, ``0.81%``."""
    d = _dec(value) if isinstance(value, Fraction) else Decimal(value)
    return f"{d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)}%"


def _is_number(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, Decimal) and value.is_finite()


def _validate(data: LevyInput) -> None:
    errors: dict[str, str] = {}
    if not _is_number(data.staff_count):
        errors["staff_count"] = "单位员工人数必须是数字"
    elif data.staff_count <= 0:
        errors["staff_count"] = "单位员工人数必须大于 0"
    if not _is_number(data.ratio_percent):
        errors["ratio_percent"] = "残疾人安置比例必须是数字"
    elif not 0 <= data.ratio_percent <= 100:
        errors["ratio_percent"] = "残疾人安置比例应在 0 到 100 之间"
    for name, label in (("avg_monthly_wage", "单位月平均工资"), ("disabled_monthly_wage", "残疾员工月薪")):
        value = getattr(data, name)
        if not _is_number(value):
            errors[name] = f"{label}必须是数字"
        elif value < 0:
            errors[name] = f"{label}不能为负数"
    for name, label in (("severe_person_months", "1-2级安置人月数"), ("other_person_months", "3-4级安置人月数")):
        value = getattr(data, name)
        if isinstance(value, bool) or not isinstance(value, int):
            errors[name] = f"{label}必须是整数"
        elif value < 0:
            errors[name] = f"{label}不能为负数"
    if data.social_avg_annual_wage is not None:
        if not _is_number(data.social_avg_annual_wage):
            errors["social_avg_annual_wage"] = "社会平均工资必须是数字"
        elif data.social_avg_annual_wage <= 0:
            errors["social_avg_annual_wage"] = "社会平均工资必须大于 0"
    if not isinstance(data.unit_kind, str) or not data.unit_kind.strip():
        errors["unit_kind"] = "请选择单位性质"
    if isinstance(data.year, bool) or not isinstance(data.year, int):
        errors["year"] = "年度必须是整数"
    elif not MIN_LEVY_YEAR <= data.year <= MAX_LEVY_YEAR:
        errors["year"] = f"缴费年度应在 {MIN_LEVY_YEAR} 到 {MAX_LEVY_YEAR} 之间（即业务年度 {MIN_LEVY_YEAR - 1} 年起）"
    if errors:
        raise LevyInputError(errors)


# ---------------------------------------------------------------------------------------------------------------
# the calculation


@dataclass(frozen=True, slots=True)
class _Core:
    """Exact intermediate values of one calculation (no steps, no what-if)."""

    weighted: int
    staff: Fraction
    ratio: Fraction
    placed: Fraction
    required: Fraction
    shortfall: Fraction
    actual_ratio: Fraction
    annual_wage: Fraction
    wage_cap: Fraction | None
    wage_used: Fraction
    base: Fraction
    capped: Fraction
    tier_rate: Fraction
    tiered: Fraction
    exempt: bool
    payable: Fraction
    in_force: dict[RuleKind, PolicyRule]


def _core(data: LevyInput, weighted: int, in_force: dict[RuleKind, PolicyRule]) -> _Core:
    staff = Fraction(data.staff_count)
    ratio = Fraction(data.ratio_percent)
    placed = Fraction(weighted, 12)
    required = staff * ratio / 100
    shortfall = max(required - placed, _ZERO)
    annual_wage = Fraction(data.avg_monthly_wage) * 12
    base = shortfall * annual_wage

    wage_cap = None
    wage_used = annual_wage
    cap_rule = in_force.get(RuleKind.WAGE_CAP)
    if cap_rule is not None and cap_rule.factor is not None and data.social_avg_annual_wage is not None:
        wage_cap = Fraction(data.social_avg_annual_wage) * Fraction(cap_rule.factor)
        wage_used = min(annual_wage, wage_cap)
    capped = shortfall * wage_used

    actual_ratio = placed / staff * 100
    tier_rate = _ONE
    if RuleKind.TIERS in in_force and shortfall > 0:
        if actual_ratio >= Fraction(TIER_THRESHOLD_PERCENT):
            tier_rate = Fraction(TIER_RATE_AT_OR_ABOVE_THRESHOLD)
        else:
            tier_rate = Fraction(TIER_RATE_BELOW_THRESHOLD)
    tiered = capped * tier_rate

    exempt = (
        RuleKind.SMALL_ENTERPRISE_EXEMPTION in in_force
        and data.unit_kind == EXEMPT_UNIT_KIND
        and staff <= Fraction(EXEMPTION_MAX_STAFF)
    )
    payable = _ZERO if exempt else tiered
    return _Core(
        weighted=weighted,
        staff=staff,
        ratio=ratio,
        placed=placed,
        required=required,
        shortfall=shortfall,
        actual_ratio=actual_ratio,
        annual_wage=annual_wage,
        wage_cap=wage_cap,
        wage_used=wage_used,
        base=base,
        capped=capped,
        tier_rate=tier_rate,
        tiered=tiered,
        exempt=exempt,
        payable=payable,
        in_force=in_force,
    )


def payable(data: LevyInput, *, rules: tuple[PolicyRule, ...] = RULES) -> Decimal:
    """Only ``calculate(data).payable``: the same validation, rules and arithmetic without the explanation steps and
    the what-if search (0.16 ms instead of ≈ 5 ms; 统计分析 estimates tens of thousands of units). Raises
    :class:`LevyInputError`."""
    _validate(data)
    weighted = data.severe_person_months * SEVERE_WEIGHT + data.other_person_months * OTHER_WEIGHT
    return _money(_core(data, weighted, rules_in_force(data.year, rules)).payable)


def calculate(data: LevyInput, *, rules: tuple[PolicyRule, ...] = RULES) -> LevyResult:
    """The levy for ``data`` under the rules in force in ``data.year``. Raises :class:`LevyInputError`."""
    _validate(data)
    in_force = rules_in_force(data.year, rules)
    weighted = data.severe_person_months * SEVERE_WEIGHT + data.other_person_months * OTHER_WEIGHT
    core = _core(data, weighted, in_force)
    without = _core(data, 0, in_force)
    cap_rule = in_force.get(RuleKind.WAGE_CAP)

    disabled_wage = Fraction(data.disabled_monthly_wage)
    cost_severe = data.severe_person_months * disabled_wage
    cost_other = data.other_person_months * disabled_wage
    savings = weighted * (Fraction(data.avg_monthly_wage) - disabled_wage)

    return LevyResult(
        input=data,
        weighted_person_months=weighted,
        placed_persons=_dec(core.placed),
        required_persons=_dec(core.required),
        actual_ratio_percent=_dec(core.actual_ratio),
        annual_wage=_money(core.annual_wage),
        wage_cap_factor=cap_rule.factor if cap_rule is not None else None,
        wage_cap=_money(core.wage_cap) if core.wage_cap is not None else None,
        capped_wage=_money(core.wage_used),
        base_amount=_money(core.base),
        capped_amount=_money(core.capped),
        tier_rate=_dec(core.tier_rate),
        tiered_amount=_money(core.tiered),
        exempt=core.exempt,
        payable=_money(core.payable),
        payable_without_placements=_money(without.payable),
        savings=_money(savings),
        placement_cost_severe=_money(cost_severe),
        placement_cost_other=_money(cost_other),
        placement_cost=_money(cost_severe + cost_other),
        steps=_steps(data, core),
        what_if=_what_if(data, core),
        rules=tuple(in_force.values()),
        formula=_formula(data, core),
        savings_formula=(
            f"({data.severe_person_months} × 2 + {data.other_person_months}) × "
            f"({_fmt_num(data.avg_monthly_wage, 2)} − {_fmt_num(data.disabled_monthly_wage, 2)}) "
            f"= {_fmt_money(_money(savings))} 元"
        ),
    )


def _formula(data: LevyInput, core: _Core) -> str:
    text = (
        f"({_fmt_num(data.staff_count)} × {_fmt_num(data.ratio_percent)}% − "
        f"({data.severe_person_months} × 2 + {data.other_person_months}) ÷ 12) × "
        f"{_fmt_num(data.avg_monthly_wage, 2)} × 12 = {_fmt_money(_money(core.base))} 元"
    )
    if core.required < core.placed:
        text += "（已达到规定比例，按 0 计）"
    return text


def _steps(data: LevyInput, core: _Core) -> tuple[LevyStep, ...]:
    steps = [
        LevyStep(
            "base",
            "基数",
            _money(core.base),
            f"按规定比例计算的应缴额：应安排 {_fmt_num(core.required)} 人，实际安排 {_fmt_num(core.placed)} 人"
            f"（安置核定 {core.weighted} 人月 ÷ 12），差 {_fmt_num(core.shortfall)} 人；"
            f"× 单位年平均工资 {_fmt_money(_money(core.annual_wage))} 元",
        )
    ]

    steps.append(LevyStep("wage_cap", "工资上限", _money(core.capped), _cap_text(data, core)))

    tier_rule = core.in_force.get(RuleKind.TIERS)
    ratio_text = f"实际安排比例 {format_percent(core.actual_ratio)}"
    if tier_rule is None:
        tier_text = f"{data.year} 年无分档减缴政策，按应缴额全额计算"
    elif core.shortfall == 0:
        tier_text = f"{ratio_text}，已达到规定比例 {format_percent(core.ratio)}，无需缴纳"
    elif core.tier_rate == Fraction(TIER_RATE_AT_OR_ABOVE_THRESHOLD):
        tier_text = f"{ratio_text}，达到 1%（含）但低于规定比例，按应缴额的 50% 缴纳（{tier_rule.source}）"
    else:
        tier_text = f"{ratio_text}，低于 1%，按应缴额的 90% 缴纳（{tier_rule.source}）"
    steps.append(LevyStep("tier", "分档减缴", _money(core.tiered), tier_text))

    exemption_rule = core.in_force.get(RuleKind.SMALL_ENTERPRISE_EXEMPTION)
    if exemption_rule is None:
        exemption_text = f"{data.year} 年无小微企业免征政策"
    elif core.exempt:
        exemption_text = (
            f"单位性质为企业，在职职工 {_fmt_num(core.staff)} 人，30 人（含）以下，免征（{exemption_rule.source}）"
        )
    elif data.unit_kind != EXEMPT_UNIT_KIND:
        exemption_text = f"单位性质为{data.unit_kind}，免征政策仅适用于企业"
    else:
        exemption_text = f"在职职工 {_fmt_num(core.staff)} 人，超过 30 人，不免征"
    steps.append(LevyStep("exemption", "小微企业免征", _money(core.payable), exemption_text))

    steps.append(
        LevyStep(
            "payable",
            "预计缴纳残保金",
            _money(core.payable),
            f"按 {data.year} 年施行的政策计算，四舍五入到分",
        )
    )
    return tuple(steps)


def _cap_text(data: LevyInput, core: _Core) -> str:
    """The wage-cap step: the multiple with its source and period, and, in a year whose cap changed mid-year, what
    a levy paid in the other part of the year got (``levy.rules.other_regimes``)."""
    cap_rule = core.in_force.get(RuleKind.WAGE_CAP)
    if cap_rule is None or cap_rule.factor is None:
        text = f"{data.year} 年无工资上限政策，按单位实际工资计算"
    else:
        factor, basis = _fmt_num(cap_rule.factor), f"（{cap_rule.source}，{cap_rule.period}）"
        annual = _fmt_money(_money(core.annual_wage))
        if core.wage_cap is None:
            text = f"上限为当地社会平均工资的 {factor} 倍{basis}；未提供当地社会平均工资，无法计算工资上限，"
            text += "按单位实际工资计算"
        else:
            cap = _fmt_money(_money(core.wage_cap))
            if core.annual_wage > core.wage_cap:
                text = (
                    f"单位年平均工资 {annual} 元超过当地社会平均工资的 {factor} 倍（{cap} 元），按 {cap} 元计算{basis}"
                )
            else:
                text = f"单位年平均工资 {annual} 元未超过当地社会平均工资的 {factor} 倍（{cap} 元），不调整{basis}"
    others = []
    for regime in other_regimes(data.year, RuleKind.WAGE_CAP):
        rule = regime.rule
        got = (
            f"以当地社会平均工资的 {_fmt_num(rule.factor)} 倍为上限（{rule.source}）"
            if rule and rule.factor
            else "不设上限"
        )
        others.append(f"{regime.start:%m-%d} 至 {regime.end:%m-%d} 缴纳的{got}")
    if others:
        text += f"。{data.year} 年年中政策调整，本计算按当年多数时间施行的政策；" + "；".join(others)
    return text


def _what_if(data: LevyInput, core: _Core) -> tuple[WhatIf, ...]:
    """For each grade: the fewest more person-months that reach the next tier (if any) and a payable of 0."""
    if _money(core.payable) == 0:
        return ()
    goals: list[tuple[str, str, Fraction]] = []
    if RuleKind.TIERS in core.in_force and core.tier_rate == Fraction(TIER_RATE_BELOW_THRESHOLD):
        # weighted months at which the actual ratio reaches the threshold
        goals.append(
            ("next_tier", "可达到 1% 比例、按 50% 缴纳", core.staff * Fraction(TIER_THRESHOLD_PERCENT) * 12 / 100)
        )
    goals.append(("zero", "可达到规定比例、无需缴纳", core.required * 12))

    out = []
    for goal, goal_label, target_weighted in goals:
        for weight, grade_label in ((OTHER_WEIGHT, "3-4级"), (SEVERE_WEIGHT, "1-2级")):

            def reached(extra: int, goal: str = goal, weight: int = weight) -> _Core | None:
                trial = _core(data, core.weighted + extra * weight, core.in_force)
                if _money(trial.payable) == 0:
                    return trial
                if goal == "next_tier" and trial.tier_rate != Fraction(TIER_RATE_BELOW_THRESHOLD):
                    return trial
                return None

            # the exact bound reaches the goal; the rounded payable may reach 0 a little earlier: bisect down
            high = max(1, ceil((target_weighted - core.weighted) / weight))
            low = 1
            while low < high:
                mid = (low + high) // 2
                if reached(mid) is not None:
                    high = mid
                else:
                    low = mid + 1
            trial = reached(high)
            assert trial is not None  # the bound always reaches the goal
            out.append(
                WhatIf(
                    goal=goal,
                    goal_label=goal_label,
                    grade_label=grade_label,
                    weight=weight,
                    months=high,
                    persons_full_year=ceil(high / 12),
                    payable_after=_money(trial.payable),
                )
            )
    return tuple(out)
