"""Pure rules of the reviewers' workplace (domain.md §6): how long a submission has waited (in working days) and the
text of the notice a unit receives. The standard reasons and what a decision needs are ``core.review``'s. No ORM.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from core import calendar as workdays
from core.masking import mask_number
from core.months import month_label

# A submission waits at most this many working days before it is overdue (已超期).
OVERDUE_AFTER_WORKING_DAYS = 5
OVERDUE_TEXT = "已超期"


def months_text(months: Iterable[int]) -> str:
    return "、".join(month_label(m) for m in sorted(months))


# --- waiting time ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Waiting:
    """How long a submission has waited: working days after the day it was submitted, up to and including today."""

    working_days: int
    confirmed: bool = True  # False when a day on the way is a Mon–Fri guess (calendar not published)

    @property
    def overdue(self) -> bool:
        return self.working_days > OVERDUE_AFTER_WORKING_DAYS

    @property
    def text(self) -> str:
        days = f"{self.working_days} 个工作日"
        if not self.confirmed:
            days += "（日历未确认）"
        return f"{OVERDUE_TEXT}（{days}）" if self.overdue else days


@lru_cache(maxsize=16384)
def _package_answer(d: date) -> tuple[bool, bool]:
    return workdays.is_working_day(d)


def working_day(d: date, data: workdays.CalendarData = workdays.EMPTY) -> tuple[bool, bool]:
    """:func:`core.calendar.is_working_day`, with the answers that do not depend on the admin table memoised (the
    ``chinese_calendar`` package takes a fifth of a millisecond per call; a queue page asks for hundreds of days)."""
    if d in data.overrides:
        return bool(data.overrides[d]), True
    working, confirmed = _package_answer(d)
    return working, confirmed or d.year in data.published_years


def waiting_many(
    submitted: Iterable[date], today: date, is_working: Callable[[date], tuple[bool, bool]]
) -> dict[date, Waiting]:
    """:func:`waiting` for many submission days at once: one walk back from ``today`` to the earliest of them."""
    days = sorted(set(submitted), reverse=True)
    out: dict[date, Waiting] = {}
    count, confirmed, day = 0, True, today
    for start in days:
        while day > start:
            working, sure = is_working(day)
            count += working
            confirmed = confirmed and sure
            day -= timedelta(days=1)
        out[start] = Waiting(count, confirmed) if start < today else Waiting(0)
    return out


def waiting(submitted_on: date, today: date, is_working: Callable[[date], tuple[bool, bool]]) -> Waiting:
    """Working days in (submitted_on, today]; ``is_working(d)`` answers (working day?, answer confirmed?)."""
    count, confirmed = 0, True
    day = submitted_on
    while day < today:
        day += timedelta(days=1)
        working, sure = is_working(day)
        confirmed = confirmed and sure
        count += working
    return Waiting(count, confirmed)


def last_overdue_day(today: date, is_working: Callable[[date], tuple[bool, bool]]) -> date:
    """The latest submission day that is overdue today: submitted on it or before, more than
    :data:`OVERDUE_AFTER_WORKING_DAYS` working days have passed (the queue's age filter)."""
    count, day = 0, today
    while count <= OVERDUE_AFTER_WORKING_DAYS:
        count += is_working(day)[0]
        day -= timedelta(days=1)
    return day


# --- the notice to the unit ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DecidedItem:
    """One line of the notice: what was decided (a month or a document), and why when rejected."""

    label: str
    approved: bool
    reason: str = ""


def notice_title(person_name: str) -> str:
    return f'安置人员"{person_name}"资料审核完成通知'


def notice_body(
    *,
    unit_name: str,
    year: int,
    person_name: str,
    id_number: str,
    items: Sequence[DecidedItem],
    reviewer_org: str = "",
) -> str:
    """Plain text (the notices service turns lines into paragraphs): what was approved, what was rejected and why."""
    approved = [i.label for i in items if i.approved]
    rejected = [i for i in items if not i.approved]
    lines = [
        f"{unit_name}：",
        "",
        f"贵单位{year}年度安置人员 {person_name}（身份证号 {mask_number(id_number)}）提交的资料已审核完成，结果如下：",
        "",
    ]
    if approved:
        lines.append(f"审核通过：{'、'.join(approved)}。")
    if rejected:
        lines.append("审核不通过：")
        lines.extend(f"· {i.label}：{i.reason or '未说明原因'}" for i in rejected)
    lines.append("")
    if rejected:
        lines.append("对审核不通过的内容，贵单位可在完成申报前重新登记并补充材料后再次提交审核。")
    lines.append("审核结果已计入安置人员列表，请登录系统查看。")
    if reviewer_org:
        lines.extend(["", reviewer_org])
    return "\n".join(lines)


def proof_notice_title(unit_name: str) -> str:
    return f'关联单位"{unit_name}"证明材料审核完成通知'


def proof_notice_body(*, unit_name: str, related_name: str, kind_label: str, approved: bool, reason: str) -> str:
    result = "审核通过" if approved else f"审核不通过（{reason or '未说明原因'}）"
    lines = [
        f"{unit_name}：",
        "",
        f"贵单位关联单位「{related_name}」的{kind_label}{result}。",
    ]
    if not approved:
        lines.append("请在“单位信息维护—关联单位”中重新上传证明材料。")
    return "\n".join(lines)
