"""The registration wizard's rules (domain.md §4): contract input, hand-added certificates, the working-age
verdict, which actions a placement offers. Pure: imports no Django."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from core.months import YearMonth, month_label
from placements.grid.retirement import retirement_date, sixteenth_birthday

# constants.ContractRelation / ContractType / PlacementStatus values (this module imports no Django).
SELF, PARENT_SUBSIDIARY, OTHER = "self", "parent_subsidiary", "other"
FIXED_TERM, OPEN_ENDED, TASK, DISPATCH = "fixed_term", "open_ended", "task", "dispatch"
INCOMPLETE, PENDING = "incomplete", "pending"
APPROVED_SYSTEM, APPROVED_MANUAL = "approved_system", "approved_manual"
PARTIALLY_REJECTED, REJECTED = "partially_rejected", "rejected"
APPROVED = (APPROVED_SYSTEM, APPROVED_MANUAL)

# --- contracts (§4 合同管理) -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ContractInput:
    """A contract as the clerk entered it. A paying unit is ``None`` when it is this unit itself."""

    is_dispatched: bool
    relation: str
    contract_type: str
    start: date | None
    end: date | None
    dispatch_unit: int | None = None
    pension_unit: int | None = None
    medical_unit: int | None = None
    wage_unit: int | None = None


def contract_errors(c: ContractInput) -> dict[str, str]:
    """{field: Chinese message} of every rule the contract breaks; empty when it is acceptable.

    - 合同结束日期 not before 合同开始日期; none for 无固定期限; required for 固定期限.
    - 劳务派遣: a dispatched contract names its 劳务派遣单位 (a related unit).
    - 关联单位: not dispatched and the relation is 上下级 or 其他关联单位 → at least one of 社保参保单位 /
      医保参保单位 / 工资发放单位 is this unit itself.
    """
    errors: dict[str, str] = {}
    if c.contract_type == OPEN_ENDED and c.end is not None:
        errors["end"] = "无固定期限合同不填写合同结束日期。"
    elif c.contract_type == FIXED_TERM and c.end is None:
        errors["end"] = "固定期限合同请填写合同结束日期。"
    elif c.start is not None and c.end is not None and c.end < c.start:
        errors["end"] = "合同结束日期不能早于合同开始日期。"
    if c.is_dispatched and c.dispatch_unit is None:
        errors["dispatch_unit"] = (
            "劳务派遣人员请选择劳务派遣单位（在“单位信息维护管理”中添加关联单位，关系选“劳务派遣单位”）。"
        )
    if not c.is_dispatched and c.dispatch_unit is not None:
        errors["dispatch_unit"] = "非劳务派遣人员不选择劳务派遣单位。"
    paid_elsewhere = None not in (c.pension_unit, c.medical_unit, c.wage_unit)
    if not c.is_dispatched and c.relation in (PARENT_SUBSIDIARY, OTHER) and paid_elsewhere:
        errors["wage_unit"] = (
            "关联单位关系为“上下级”或“其他关联单位”的非劳务派遣人员，社保参保单位、医保参保单位、"
            "工资发放单位中至少有一个须为本单位。"
        )
    return errors


DISPATCH_FIRM_REQUIRED = "劳务派遣单位须为关系为“劳务派遣单位”的关联单位。"


def dispatch_unit_error(*, is_dispatch_firm: bool) -> str | None:
    """The 劳务派遣单位 a contract names is a related unit whose relation is 劳务派遣单位 (employers.Relation)."""
    return None if is_dispatch_firm else DISPATCH_FIRM_REQUIRED


def contract_still_valid(start: date, end: date | None, year: int) -> bool:
    """Whether a contract of last year still runs in business ``year`` (导入上一年申报名单 copies those)."""
    return end is None or end >= date(year, 1, 1)


# --- the person (§4 基本信息) ------------------------------------------------------------------------------------


def baseline_error(gender: str, baseline: str) -> str | None:
    """A woman's 退休年龄基准 (女职工 / 女干部) decides her retirement month (§5.5): required for women."""
    if gender == "女" and not baseline:
        return "女性请选择退休年龄基准（女职工或女干部）。"
    return None


def graduate_missing(school: str, degree: str, graduation_date: date | None) -> dict[str, str]:
    """{field: Chinese message} of what a new graduate's first 学历 record lacks: school, degree and graduation date
    are required."""
    required = (
        ("school", school, "请填写毕业院校。"),
        ("degree", degree, "请选择学历。"),
        ("graduation_date", graduation_date, "请填写毕业时间。"),
    )
    return {name: message for name, value, message in required if not value}


def graduation_date_error(graduation_date: date, today: date) -> str | None:
    """A 学历 record's graduation date is not in the future (学历 · 添加)."""
    return "毕业时间不能晚于今天。" if graduation_date > today else None


# --- hand-added certificates (§4 残疾证管理) --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RegistryCert:
    valid_from: date
    valid_to: date
    valid: bool  # status 有效


def hand_certificate_allowed(registry: Iterable[RegistryCert], year: int) -> bool:
    """A historical certificate may be added by hand when the registry has no valid certificate touching business
    ``year``, or when the current one (the latest valid) was issued during the year, i.e. it is less than a year old
    and leaves the year's first months uncovered."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    covering = [c for c in registry if c.valid and c.valid_from <= last and c.valid_to >= first]
    if not covering:
        return True
    current = max(covering, key=lambda c: c.valid_from)
    return current.valid_from > first


HAND_CERT_REFUSED = (
    "残疾人基础库中已有覆盖本业务年度的有效残疾证，不需要补录。只有系统中没有本年度的残疾证，"
    "或现有残疾证为本年度新办（不足一年）时，才可补录历史残疾证。"
)


# --- working age (§5.5): can the person be registered in the year at all? ----------------------------------------


@dataclass(frozen=True, slots=True)
class AgeVerdict:
    refuse: bool  # no month of the year is in working age: the placement cannot be registered
    message: str  # "" when every month is in working age


def _ym(d: date) -> int:
    return YearMonth.from_date(d).key


def age_verdict(birth_date: date | None, gender: str, baseline: str, year: int) -> AgeVerdict:
    """Refuse a person who is outside working age in every month of ``year`` (such months can never be registered:
    no evidence cures the age check); warn when only some months are outside."""
    if birth_date is None:
        return AgeVerdict(True, "无法从身份证号识别出生日期。")
    adult = _ym(sixteenth_birthday(birth_date))  # first month in working age
    retire = _ym(retirement_date(birth_date, gender, baseline))  # last month in working age
    first, last = YearMonth(year, 1).key, YearMonth(year, 12).key
    if adult > last:
        return AgeVerdict(True, f"该人员在{year}年未满16周岁，不在法定就业年龄段，不能登记。")
    if retire < first:
        hint = ""
        if gender == "女" and baseline != "cadre55":
            hint = "如该人员为女干部（原55周岁退休），请在“退休年龄基准”中选择“女干部”。"
        return AgeVerdict(True, f"该人员在{year}年之前已达到法定退休年龄，不在法定就业年龄段，不能登记。{hint}")
    notes = []
    if adult > first:
        notes.append(f"该人员{month_label(adult)}起年满16周岁，此前的月份不在就业年龄段")
    if retire < last:
        notes.append(f"该人员于{month_label(retire)}达到法定退休年龄，此后的月份不在就业年龄段")
    return AgeVerdict(False, "；".join(notes) + ("，不能登记。" if notes else ""))


def age_on(birth_date: date | None, day: date) -> int | None:
    """Age in whole years on ``day``."""
    if birth_date is None:
        return None
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


# --- list actions -------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Actions:
    view: bool
    resume: bool  # 继续填写: the wizard is not finished
    edit: bool  # 编辑: finished, not (yet) confirmed
    reregister: bool  # 重新登记: finished
    delete: bool


def placement_actions(status: str, wizard_completed: bool, locked: bool) -> Actions:
    """操作 of a list row. After 完成申报 (``locked``) only 查看. 已审核确认 placements are re-opened by 重新登记."""
    if locked:
        return Actions(True, False, False, False, False)
    return Actions(
        view=True,
        resume=not wizard_completed,
        edit=wizard_completed and status not in APPROVED,
        reregister=wizard_completed,
        delete=True,
    )


def may_edit(status: str, wizard_completed: bool) -> bool:
    """The wizard's steps may change the placement: not while it is 已审核确认 (重新登记 re-opens it first)."""
    return not (wizard_completed and status in APPROVED)
