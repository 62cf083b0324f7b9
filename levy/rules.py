"""The levy policies on top of the seed's base formula, each with the period it is in force (ADR 0004).

Pure Python, no ORM. A rule applies to a levy year when the year's 1 January lies inside its period: the levy for
business year Y is assessed and paid in year Y + 1, and the announcements date their periods by when the levy is
collected, so one day decides the whole year.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum


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

    def in_force_on(self, day: date) -> bool:
        return self.in_force_from <= day and (self.in_force_to is None or day <= self.in_force_to)


# Parameters of the rules (the same in every period so far).
WAGE_CAP_FACTOR = Decimal(2)  # annual average wage capped at 2 × the local 社会平均工资
TIER_THRESHOLD_PERCENT = Decimal(1)  # actual ratio ≥ 1 % (and below the required one) → 50 %
TIER_RATE_AT_OR_ABOVE_THRESHOLD = Decimal("0.5")
TIER_RATE_BELOW_THRESHOLD = Decimal("0.9")
EXEMPTION_MAX_STAFF = Decimal(30)  # enterprises with ≤ 30 staff pay nothing
EXEMPT_UNIT_KIND = "企业"

RULES: tuple[PolicyRule, ...] = (
    PolicyRule(
        RuleKind.WAGE_CAP,
        "在职职工年平均工资按不超过当地社会平均工资 2 倍计算",
        "财税〔2017〕18号 第三条（上限由 3 倍降至 2 倍）",
        date(2017, 4, 1),
        date(2019, 12, 31),
    ),
    PolicyRule(
        RuleKind.WAGE_CAP,
        "在职职工年平均工资按不超过当地社会平均工资 2 倍计算",
        "财政部公告2019年第98号 第三条",
        date(2020, 1, 1),
        None,
    ),
    PolicyRule(
        RuleKind.TIERS,
        "分档减缴：安排比例 1%（含）以上按应缴额 50%，1% 以下按 90% 缴纳",
        "财政部公告2019年第98号 第一条",
        date(2020, 1, 1),
        date(2022, 12, 31),
    ),
    PolicyRule(
        RuleKind.TIERS,
        "分档减缴：安排比例 1%（含）以上按应缴额 50%，1% 以下按 90% 缴纳",
        "财政部公告2023年第8号 第一条、第三条",
        date(2023, 1, 1),
        date(2027, 12, 31),
    ),
    PolicyRule(
        RuleKind.SMALL_ENTERPRISE_EXEMPTION,
        "在职职工 30 人（含）以下的企业免征",
        "财政部公告2019年第98号 第二条",
        date(2020, 1, 1),
        date(2022, 12, 31),
    ),
    PolicyRule(
        RuleKind.SMALL_ENTERPRISE_EXEMPTION,
        "在职职工 30 人（含）以下的企业免征",
        "财政部公告2023年第8号 第二条、第三条",
        date(2023, 1, 1),
        date(2027, 12, 31),
    ),
)

# Levy years the calculator answers for: from the first year whose 1 January lies under the 2 × cap (before it a
# 3 × cap applied, which is not modelled) to a generous horizon.
MIN_LEVY_YEAR = 2018
MAX_LEVY_YEAR = 2100


def rule_day(year: int) -> date:
    """The day that decides which rules apply to a levy year."""
    return date(year, 1, 1)


def rules_in_force(year: int, rules: tuple[PolicyRule, ...] = RULES) -> dict[RuleKind, PolicyRule]:
    """The rule of each kind in force for the levy ``year`` (a kind absent from the dict does not apply)."""
    day = rule_day(year)
    found: dict[RuleKind, PolicyRule] = {}
    for rule in rules:
        if rule.in_force_on(day):
            found[rule.kind] = rule
    return found
