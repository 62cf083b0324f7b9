"""Reads of the declarations app for views, other apps (placements, the home page) and admin. Bounded queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone

from core import filing
from core.months import YearMonth
from core.selectors import available_from_working_day
from declarations.constants import CERTIFICATE_WORKING_DAYS, WithdrawalState
from declarations.models import Declaration, Submission, SubmissionPerson, Withdrawal
from declarations.months import compress_months
from declarations.transitions import FILLING, LOCKED_STATUSES, State
from employers.models import Employer
from placements.models import Placement, PlacementMonth

DONE, CURRENT, NOT_STARTED = "done", "current", "not_started"
STEP_LABELS = {DONE: "已完成", CURRENT: "进行中", NOT_STARTED: "未开始"}


def year_locked(employer: Employer | int, year: int, *, for_update: bool = False) -> bool:
    """True when the year's declaration is 已完成申报 / 已发送税务 / 撤回申请中: the year's placements may then not
    be added, edited, re-registered or deleted (domain.md §7). One query.

    ``for_update=True`` (inside a transaction) first locks the unit's row, the lock ``declaration_declare`` takes
    too, so a placement written in that transaction cannot slip in beside a concurrent 完成申报.
    """
    employer_id = employer if isinstance(employer, int) else employer.pk
    if for_update:
        list(Employer.objects.select_for_update().filter(pk=employer_id).values_list("pk"))
    return Declaration.objects.filter(employer_id=employer_id, year=year, status__in=LOCKED_STATUSES).exists()


def declaration_for(employer: Employer, year: int) -> Declaration | None:
    """The unit's declaration of ``year`` with its current submission (one query), or None."""
    return Declaration.objects.select_related("current").filter(employer=employer, year=year).first()


def state_of(declaration: Declaration | None) -> State:
    return declaration.state if declaration is not None else State(FILLING)


def declaration_snapshot(employer: Employer, year: int) -> tuple[list[dict], dict[str, int]]:
    """Per-person rows (the persons with confirmed months) and totals of the year as they stand now: what 完成申报
    freezes into the Submission and what the 承诺书 page previews. Two queries whatever the number of persons.

    The placements and months are those counted in the year (placements.counting); ``persons`` is 安置确认人数
    (the persons with at least one confirmed month), the same figure as 首页's 安置确认 (人)."""
    names = ("registered", "confirmed", "approved")
    placements = list(
        Placement.objects.of(employer, year)
        .counted()
        .with_counts(*names)
        .annotate(last_cert=Max("months__cert_no"))
        .order_by("id")
        .values("pk", "name", "id_number", "last_cert", *(f"n_{name}" for name in names))
    )
    months: dict[int, list[tuple[int, int]]] = defaultdict(list)
    confirmed = PlacementMonth.objects.counted().confirmed().filter(placement__employer=employer, placement__year=year)
    for pk, month, weight in confirmed.values_list("placement_id", "month", "weight"):
        months[pk].append((YearMonth.from_key(month).month, weight))
    totals = dict.fromkeys(names, 0)
    people = []
    for row in placements:
        for name in names:
            totals[name] += row[f"n_{name}"]
        if not row["n_confirmed"]:
            continue  # nothing of this person is declared (all months rejected)
        weights = sorted({w for _, w in months[row["pk"]]})
        people.append(
            {
                "placement_id": row["pk"],
                "name": row["name"],
                "id_number": row["id_number"],
                "cert_no": row["last_cert"] or "",
                "registered_months": row["n_registered"],
                "confirmed_months": row["n_confirmed"],
                "approved_months": row["n_approved"],
                "months": compress_months([m for m, _ in months[row["pk"]]]),
                "weight": "/".join(str(w) for w in weights),
            }
        )
    totals["persons"] = len(people)
    return people, totals


# --- the home page ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProgressStep:
    label: str
    state: str  # DONE / CURRENT / NOT_STARTED

    @property
    def state_label(self) -> str:
        return STEP_LABELS[self.state]


@dataclass(frozen=True)
class Progress:
    year: int
    status: str
    status_label: str
    steps: tuple[ProgressStep, ...]
    withdrawal_pending: bool = False


def declaration_progress(employer: Employer, year: int) -> Progress:
    """按比例安置登记 → 完成申报 → 发送税务部门, each 已完成 / 进行中 / 未开始, from the real state. ≤ 2 queries.

    - nothing registered yet: all 未开始;
    - placements exist, not declared: 安置登记 进行中;
    - declared, not yet exported: the first two 已完成, 发送税务部门 进行中 (queued for the tax office);
    - exported (已发送税务): all 已完成.
    A pending withdrawal keeps the steps of the state it came from and sets ``withdrawal_pending``.
    """
    declaration = Declaration.objects.filter(employer=employer, year=year).only("status", "previous_status").first()
    state = state_of(declaration)
    if state.sent:
        states = (DONE, DONE, DONE)
    elif state.locked:
        states = (DONE, DONE, CURRENT)
    elif Placement.objects.filter(employer=employer, year=year).exists():
        states = (CURRENT, NOT_STARTED, NOT_STARTED)
    else:
        states = (NOT_STARTED, NOT_STARTED, NOT_STARTED)
    labels = ("按比例安置登记", "完成申报", "发送税务部门")
    return Progress(
        year=year,
        status=state.status,
        status_label=state.label,
        steps=tuple(ProgressStep(label, s) for label, s in zip(labels, states, strict=True)),
        withdrawal_pending=state.status == "withdrawing",
    )


# --- the buttons of a year (placements list page, the year page) -------------------------------------------------


@dataclass(frozen=True)
class YearActions:
    """What a year's declaration allows now; the context of ``declarations/includes/actions.html``."""

    year: int
    status: str
    status_label: str
    locked: bool
    sent: bool
    declaration: Declaration | None
    submission: Submission | None
    window: filing.Window
    window_open: bool
    can_declare: bool
    can_withdraw: bool
    withdrawal_pending: bool
    certificate_available: bool
    certificate_available_on: date | None
    certificate_date_confirmed: bool = True
    urls: dict[str, str] = field(default_factory=dict)


def year_actions(employer: Employer, year: int, *, today: date | None = None) -> YearActions:
    """The declaration buttons and status of ``year`` for ``employer``. ≤ 4 queries (declaration, filing window and
    the unit's extension, calendar — the last only once declared)."""
    today = today or timezone.localdate()
    declaration = declaration_for(employer, year)
    state = state_of(declaration)
    submission = declaration.current if declaration is not None and state.locked else None
    window = filing.unit_filing_window(employer, year)
    window_open = window.contains(today)
    available_on, confirmed = None, True
    if submission is not None:
        result = certificate_available_from(submission)
        available_on, confirmed = result.date, result.confirmed
    urls = {
        name: reverse(f"declarations:{name}", kwargs={"year": year})
        for name in ("year", "declare", "commitment", "certificate", "withdraw")
    }
    return YearActions(
        year=year,
        status=state.status,
        status_label=state.label,
        locked=state.locked,
        sent=state.sent,
        declaration=declaration,
        submission=submission,
        window=window,
        window_open=window_open,
        can_declare=not state.locked and window_open,
        can_withdraw=state.status in ("declared", "sent"),
        withdrawal_pending=state.status == "withdrawing",
        certificate_available=available_on is not None and today >= available_on,
        certificate_available_on=available_on,
        certificate_date_confirmed=confirmed,
        urls=urls,
    )


def certificate_available_from(submission: Submission):
    """The first day the 审核认定书 may be downloaded: the 3rd working day after the day of 完成申报 (one query)."""
    declared_on = timezone.localdate(submission.declared_at)
    return available_from_working_day(declared_on, CERTIFICATE_WORKING_DAYS)


def submission_people(submission: Submission) -> list[SubmissionPerson]:
    return list(SubmissionPerson.objects.filter(submission=submission).order_by("position"))


def withdrawals_of(declaration: Declaration | None) -> list[Withdrawal]:
    if declaration is None:
        return []
    return list(Withdrawal.objects.filter(declaration=declaration).select_related("submission").order_by("-id")[:20])


def pending_withdrawal(declaration: Declaration) -> Withdrawal | None:
    return Withdrawal.objects.filter(declaration=declaration, state=WithdrawalState.PENDING).first()


# --- the public verification page ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    """What the public page may show: nothing personal."""

    unit_name: str
    year: int
    certificate_no: str
    actual_employed: object
    declared_on: date
    valid: bool
    voided_on: date | None


def verify_code(code: str) -> Verification | None:
    """The certificate with this verification code, or None (one query)."""
    if not code:
        return None
    row = (
        Submission.objects.filter(verification_code=code)
        .select_related("declaration")
        .only("unit_name", "certificate_no", "approved_months", "declared_at", "voided_at", "declaration__year")
        .first()
    )
    if row is None:
        return None
    return Verification(
        unit_name=row.unit_name,
        year=row.declaration.year,
        certificate_no=row.certificate_no,
        actual_employed=row.actual_employed_2dp,
        declared_on=timezone.localdate(row.declared_at),
        valid=row.voided_at is None,
        voided_on=timezone.localdate(row.voided_at) if row.voided_at else None,
    )


def sent_to_tax_ever(employer: Employer) -> bool:
    """True once any declaration result of the unit has been exported to the tax office (the USCC is then fixed)."""
    return Declaration.objects.filter(employer=employer, sent_to_tax_at__isnull=False).exists()


def declared_years(employer: Employer) -> list[Declaration]:
    return list(
        Declaration.objects.filter(employer=employer)
        .filter(~Q(status=FILLING))
        .select_related("current")
        .order_by("-year")
    )
