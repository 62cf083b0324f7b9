"""Reads of the employers app for views (bounded: a fixed number of queries whatever the row count)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from core import filing
from core.prepared import PreparedQuery
from core.selectors import available_from_working_day
from employers.declaration_states import (
    CERTIFICATE_WORKING_DAYS,
    DECLARED,
    FILLING,
    LOCKED_STATUSES,
    SENT,
    WITHDRAWING,
    State,
)
from employers.models import DeclarationState, Employer, RelatedUnit, RelatedUnitProof


def related_units_for(employer: Employer) -> QuerySet[RelatedUnit]:
    """The unit's current related units with region and current proofs (2 queries)."""
    proofs = RelatedUnitProof.objects.filter(withdrawn=False).select_related("file").order_by("created_at", "pk")
    return (
        RelatedUnit.objects.filter(employer=employer, is_active=True)
        .select_related("region")
        .prefetch_related(Prefetch("proofs", queryset=proofs, to_attr="current_proofs"))
        .order_by("name", "pk")
    )


def related_unit_choices(employer: Employer, relation: str | None = None) -> QuerySet[RelatedUnit]:
    """For pickers in other apps (dispatch firm, paying units): current related units, optionally of a relation."""
    queryset = RelatedUnit.objects.filter(employer=employer, is_active=True).order_by("name", "pk")
    return queryset.filter(relation=relation) if relation else queryset


def related_unit_proofs(unit: RelatedUnit) -> QuerySet[RelatedUnitProof]:
    """All proofs of a unit, withdrawn ones too (they stay visible, marked), newest first."""
    return RelatedUnitProof.objects.filter(related_unit=unit).select_related("file").order_by("-created_at", "-pk")


# --- the unit's declaration of a year (written by the declarations app, ADR 0010) ---------------------------------


def _locked_state(employer_id: int, year: int) -> QuerySet[DeclarationState]:
    """:func:`year_locked`'s statement: a row when the year is locked (``exists()``'s answer as a list)."""
    return DeclarationState.objects.filter(employer_id=employer_id, year=year, status__in=LOCKED_STATUSES).values_list(
        "pk"
    )[:1]


_locked_state_prepared = PreparedQuery(_locked_state, ((-750001, 32001), (-750002, 32002)))


def _state_row(employer_id: int, year: int) -> QuerySet[DeclarationState]:
    """:func:`year_actions`' read of the declaration (what ``.first()`` reads)."""
    rows = DeclarationState.objects.filter(employer_id=employer_id, year=year)
    return (rows if rows.ordered else rows.order_by("pk"))[:1]


_state_row_prepared = PreparedQuery(_state_row, ((-750011, 32011), (-750012, 32012)))


def year_locked(employer: Employer | int, year: int, *, for_update: bool = False) -> bool:
    """True when the year's declaration is 已完成申报 / 已发送税务 / 撤回申请中: the year's placements may then not
    be added, edited, re-registered or deleted (domain.md §7). One query.

    ``for_update=True`` (inside a transaction) first locks the unit's row, the lock ``declaration_declare`` takes
    too, so a placement written in that transaction cannot slip in beside a concurrent 完成申报.
    """
    employer_id = employer if isinstance(employer, int) else employer.pk
    if for_update:
        list(Employer.objects.select_for_update().filter(pk=employer_id).values_list("pk"))
    return bool(_locked_state_prepared(employer_id, year))  # compiled once (core.prepared)


@dataclass(frozen=True)
class YearActions:
    """What a year's declaration allows now; the context of ``declarations/includes/actions.html``."""

    year: int
    status: str
    status_label: str
    locked: bool
    sent: bool
    declared_at: datetime | None
    window: filing.Window
    window_open: bool
    can_declare: bool
    can_withdraw: bool
    withdrawal_pending: bool
    certificate_available: bool
    certificate_available_on: date | None
    certificate_date_confirmed: bool = True


def year_actions(
    employer: Employer,
    year: int,
    *,
    today: date | None = None,
    state: State | None = None,
    declared_at: datetime | None = None,
) -> YearActions:
    """The declaration buttons and status of ``year`` for ``employer`` (the placements list, the declarations
    pages). ≤ 4 queries: the state, the filing window and the unit's extension, the calendar (once declared).

    ``state`` (and ``declared_at``, the 完成申报 time of the submission in force): the caller already has the
    declaration (the declarations pages); the state is then not read again.
    """
    today = today or timezone.localdate()
    if state is None:
        found = _state_row_prepared(employer.pk, year)  # compiled once (core.prepared)
        row = found[0] if found else None
        state = row.state if row is not None else State(FILLING)
        declared_at = row.declared_at if row is not None else None
    declared_at = declared_at if state.locked else None
    window = filing.unit_filing_window(employer, year)
    window_open = window.contains(today)
    available_on, confirmed = None, True
    if declared_at is not None:
        result = available_from_working_day(timezone.localdate(declared_at), CERTIFICATE_WORKING_DAYS)
        available_on, confirmed = result.date, result.confirmed
    return YearActions(
        year=year,
        status=state.status,
        status_label=state.label,
        locked=state.locked,
        sent=state.sent,
        declared_at=declared_at,
        window=window,
        window_open=window_open,
        can_declare=not state.locked and window_open,
        can_withdraw=state.status in (DECLARED, SENT),
        withdrawal_pending=state.status == WITHDRAWING,
        certificate_available=available_on is not None and today >= available_on,
        certificate_available_on=available_on,
        certificate_date_confirmed=confirmed,
    )
