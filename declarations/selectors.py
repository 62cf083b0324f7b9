"""Reads of the declarations app for its views, the home page and admin. Bounded queries.

What the apps below need of a year's declaration (locked? the buttons of the placements list) they read from
``employers.selectors`` (``year_locked``, ``year_actions``), which the services here keep up to date."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db.models import Max, Q
from django.utils import timezone

from core.months import YearMonth
from core.selectors import available_from_working_day
from declarations.constants import WithdrawalState
from declarations.models import Declaration, Submission, SubmissionPerson, Withdrawal
from declarations.months import compress_months
from employers.declaration_states import CERTIFICATE_WORKING_DAYS, FILLING, State
from employers.models import Employer
from placements.models import Placement, PlacementMonth

DONE, CURRENT, NOT_STARTED = "done", "current", "not_started"
STEP_LABELS = {DONE: "已完成", CURRENT: "进行中", NOT_STARTED: "未开始"}


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


def declared_years(employer: Employer) -> list[Declaration]:
    return list(
        Declaration.objects.filter(employer=employer)
        .filter(~Q(status=FILLING))
        .select_related("current")
        .order_by("-year")
    )
