"""未申报单位: the units of a reviewer's region that have not declared a business year, and the 申报提醒 sent to them.

Reads: :func:`unfiled_units` annotates the region's units with whether they have started (any placement of the
year), their own extended closing day and the last reminder, leaving out the units whose year is declared (the
state copy ``employers.DeclarationState``: 已完成申报 / 已发送税务 / 撤回申请中 count as declared). The province's
window comes from ``core.filing`` once per province (:func:`deadline_of`).

Writes: :func:`filing_reminders_send` sends each unit at most one reminder a day (a ``FilingReminder`` row per
reminder, the unique (unit, day) constraint as the last guard), a 通知公告 through ``notices.services``, audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import DateField, Exists, Max, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Substr
from django.utils import timezone

from core import audit, filing
from core.actors import Actor
from core.models import FilingExtension, FilingWindow
from declarations.models import FilingReminder
from employers.access import ensure_reviewer_scope
from employers.declaration_states import LOCKED_STATUSES
from employers.models import DeclarationState
from notices.constants import NoticeKind
from notices.services import notice_send_to_unit
from placements.models import Placement

NOT_STARTED = "not_started"
FILLING = "filling"
STAGE_LABELS = {NOT_STARTED: "未开始", FILLING: "填报中（未完成申报）"}


def unfiled_units(base: QuerySet, year: int) -> QuerySet:
    """``base`` (a scoped UnfiledUnit/Employer queryset) without the units that declared ``year``, annotated with
    ``started`` (bool), ``province_closes_on`` (the province's window, else the default closing day — the rule of
    ``core.filing.filing_window`` in SQL), ``extended_to`` (date or None) and ``last_reminded`` (datetime or
    None). Nothing is computed per row in Python but the difference of two dates (:func:`deadline_of`)."""
    declared = DeclarationState.objects.filter(employer=OuterRef("pk"), year=year, status__in=LOCKED_STATUSES)
    started = Placement.objects.filter(employer=OuterRef("pk"), year=year)
    extension = FilingExtension.objects.filter(employer=OuterRef("pk"), year=year).values("closes_on")[:1]
    reminded = (
        FilingReminder.objects.filter(employer=OuterRef("pk"), year=year)
        .values("employer")
        .annotate(last=Max("sent_at"))
        .values("last")
    )
    window = FilingWindow.objects.filter(
        province_code=Substr(OuterRef("federation_region_id"), 1, 2), business_year=year
    ).values("closes_on")[:1]
    default_closes = filing.default_window("11", year).closes_on  # the same date for every province
    return base.annotate(
        started=Exists(started),
        province_closes_on=Coalesce(Subquery(window), Value(default_closes), output_field=DateField()),
        extended_to=Subquery(extension),
        last_reminded=Subquery(reminded),
    ).filter(~Exists(declared))


def stage_q(stage: str) -> Q:
    return Q(started=stage == FILLING)


@dataclass(frozen=True)
class Deadline:
    closes_on: date
    days_left: int  # negative: closed that many days ago
    extended: bool

    @property
    def label(self) -> str:
        if self.days_left > 0:
            return f"剩余 {self.days_left} 天"
        if self.days_left == 0:
            return "今天截止"
        return f"已截止 {-self.days_left} 天"


def deadline_of(unit, *, today: date) -> Deadline:
    """The unit's 申报截止日 (annotated by :func:`unfiled_units`): its province's closing day, or the later one a
    reviewer granted it (``core.filing.extend``'s rule)."""
    closes_on, extended = unit.province_closes_on, False
    if unit.extended_to is not None and unit.extended_to > closes_on:
        closes_on, extended = unit.extended_to, True
    return Deadline(closes_on, (closes_on - today).days, extended)


def reminder_text(year: int, deadline: Deadline) -> tuple[str, str]:
    title = f"关于尽快完成{year}年度按比例安排残疾人就业年审申报的提醒"
    body = (
        f"您单位尚未完成{year}年度按比例安排残疾人就业年审申报。本年度申报截止日为"
        f"{deadline.closes_on:%Y年%m月%d日}，请在截止日前登录网报系统完成残疾人安置登记并点击「完成申报」。\n\n"
        "如已安排残疾人就业但无法按期申报，请与残联主管部门联系。"
    )
    return title, body


@dataclass(frozen=True)
class ReminderResult:
    sent: int
    already_today: int


def filing_reminders_send(*, units, year: int, by: Actor, today: date | None = None) -> ReminderResult:
    """Send the 申报提醒 of ``year`` to each unit (rows of :func:`unfiled_units` of that year; in the reviewer's scope,
    checked per unit), at most once a unit per day; one transaction per unit (a unit reminded concurrently by
    another reviewer is counted as already reminded, not an error)."""
    today = today or timezone.localdate()
    sent = skipped = 0
    for unit in units:
        ensure_reviewer_scope(by=by, employer=unit)
        if FilingReminder.objects.filter(employer=unit, sent_on=today).exists():
            skipped += 1
            continue
        deadline = deadline_of(unit, today=today)
        title, body = reminder_text(year, deadline)
        try:
            with transaction.atomic():
                reminder = FilingReminder.objects.create(
                    employer=unit, year=year, sent_on=today, sent_at=timezone.now(), sent_by=by
                )
                reminder.notice = notice_send_to_unit(
                    employer=unit, title=title, body=body, kind=NoticeKind.SYSTEM, by=by
                )
                reminder.save(update_fields=["notice"])
                audit.record(
                    actor=by,
                    action="declaration.filing_reminder",
                    obj=reminder,
                    changes={"employer": unit.pk, "year": year, "closes_on": deadline.closes_on.isoformat()},
                )
        except IntegrityError:  # the same unit reminded a moment ago (the unique (unit, day) constraint)
            skipped += 1
            continue
        sent += 1
    return ReminderResult(sent, skipped)
