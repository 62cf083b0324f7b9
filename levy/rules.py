"""The levy policies on top of the seed's base formula, each with the period it is in force (ADR 0004).

Pure Python, no ORM. The levy of business year Y is declared and paid in levy year L = Y + 1, and the announcements
date their periods by when the levy is collected. A rule applies to levy year L when it is in force on
:func:`rule_day` (1 July of L), i.e. for the larger part of the year the levy is collected in. Every period starts
on 1 January or ends on 31 December except 财税〔2017〕18号's (from 2017-04-01), so only levy year 2017 depends on
that reading: it gets 18号's 2 × cap, and :func:`other_regimes` names what a levy paid before 1 April 2017 got.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache


class RuleKind(StrEnum):
    WAGE_CAP = "wage_cap"
    TIERS = "tiers"
    SMALL_ENTERPRISE_EXEMPTION = "small_enterprise_exemption"


@dataclass(frozen=True, slots=True)
class PolicyRule:
    kind: RuleKind
    title: str
    source: str
    in_force_from: date
    in_force_to: date | None  # inclusive; None = open-ended
    factor: Decimal | None = None  # WAGE_CAP: the multiple of the local 社会平均工资

    def in_force_on(self, day: date) -> bool:
        return self.in_force_from <= day and (self.in_force_to is None or day <= self.in_force_to)

    @property
    def period(self) -> str:
        """``2017-04-01 至 2019-12-31`` / ``2020-01-01 起``, for the calculator's steps and the manual."""
        if self.in_force_to is None:
            return f"{self.in_force_from.isoformat()} 起"
        return f"{self.in_force_from.isoformat()} 至 {self.in_force_to.isoformat()}"


# Parameters of the tiers and the exemption (the same in both of their periods).
TIER_THRESHOLD_PERCENT = Decimal(1)  # actual ratio ≥ 1 % (and below the required one) → 50 %
TIER_RATE_AT_OR_ABOVE_THRESHOLD = Decimal("0.5")
TIER_RATE_BELOW_THRESHOLD = Decimal("0.9")
EXEMPTION_MAX_STAFF = Decimal(30)  # enterprises with ≤ 30 staff pay nothing
EXEMPT_UNIT_KIND = "企业"

_TIERS_TITLE = "分档减缴：安排比例 1%（含）以上按应缴额 50%，1% 以下按 90% 缴纳"
_EXEMPTION_TITLE = "在职职工 30 人（含）以下的企业免征"

RULES: tuple[PolicyRule, ...] = (
    PolicyRule(
        RuleKind.WAGE_CAP,
        "在职职工年平均工资按不超过当地社会平均工资 3 倍计算",
        "财税〔2017〕18号 第三条所述原上限",
        date(2015, 10, 1),
        date(2017, 3, 31),
        Decimal(3),
    ),
    PolicyRule(
        RuleKind.WAGE_CAP,
        "在职职工年平均工资按不超过当地社会平均工资 2 倍计算（上限由 3 倍降低至 2 倍）",
        "财税〔2017〕18号 第三条",
        date(2017, 4, 1),
        date(2019, 12, 31),
        Decimal(2),
    ),
    PolicyRule(
        RuleKind.WAGE_CAP,
        "在职职工年平均工资按不超过当地社会平均工资 2 倍计算（社会平均工资按城镇非私营和私营单位加权平均）",
        "财政部公告2019年第98号 第三条",
        date(2020, 1, 1),
        None,
        Decimal(2),
    ),
    PolicyRule(RuleKind.TIERS, _TIERS_TITLE, "财政部公告2019年第98号 第一条", date(2020, 1, 1), date(2022, 12, 31)),
    PolicyRule(
        RuleKind.TIERS, _TIERS_TITLE, "财政部公告2023年第8号 第一条、第三条", date(2023, 1, 1), date(2027, 12, 31)
    ),
    PolicyRule(
        RuleKind.SMALL_ENTERPRISE_EXEMPTION,
        _EXEMPTION_TITLE,
        "财政部公告2019年第98号 第二条",
        date(2020, 1, 1),
        date(2022, 12, 31),
    ),
    PolicyRule(
        RuleKind.SMALL_ENTERPRISE_EXEMPTION,
        _EXEMPTION_TITLE,
        "财政部公告2023年第8号 第二条、第三条",
        date(2023, 1, 1),
        date(2027, 12, 31),
    ),
)

# Levy years the calculator answers for: from the first whole levy year under a known cap (2016: the 3 × cap, on
# business year 2015) to a generous horizon.
MIN_LEVY_YEAR = 2016
MAX_LEVY_YEAR = 2100


def rule_day(year: int) -> date:
    """The day that decides which rules apply to a levy year: the middle of the year the levy is collected in."""
    return date(year, 7, 1)


def rules_in_force(year: int, rules: tuple[PolicyRule, ...] = RULES) -> dict[RuleKind, PolicyRule]:
    """The rule of each kind in force for the levy ``year`` (a kind absent from the dict does not apply)."""
    day = rule_day(year)
    found: dict[RuleKind, PolicyRule] = {}
    for rule in rules:
        if rule.in_force_on(day):
            found[rule.kind] = rule
    return found


@dataclass(frozen=True, slots=True)
class Regime:
    """Part of a levy year under one rule of a kind (``rule`` None: no rule of the kind)."""

    start: date
    end: date
    rule: PolicyRule | None


@lru_cache(maxsize=256)
def other_regimes(year: int, kind: RuleKind, rules: tuple[PolicyRule, ...] = RULES) -> tuple[Regime, ...]:
    """The parts of levy ``year`` in which another rule of ``kind`` (or none) than the applied one was in force.

    Empty in every year but those in which a period starts or ends mid-year (2017 for the wage cap): the calculator
    then says what a levy paid in those parts got. Memoised: a walk over the year's days (~1.4 ms) that every levy
    figure of the home page and the calculator asked again; the answer depends on its (hashable, immutable)
    arguments alone (bounded: 256 entries).
    """
    applied = rules_in_force(year, rules).get(kind)
    first, last = date(year, 1, 1), date(year, 12, 31)
    of_kind = [r for r in rules if r.kind == kind]
    out: list[Regime] = []
    day = first
    while day <= last:
        rule = next((r for r in of_kind if r.in_force_on(day)), None)
        end = day
        while end < last and next((r for r in of_kind if r.in_force_on(end + timedelta(days=1))), None) == rule:
            end += timedelta(days=1)
        if rule != applied:
            out.append(Regime(day, end, rule))
        day = end + timedelta(days=1)
    return tuple(out)
