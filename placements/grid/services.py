"""The month grid's transitions (domain.md §5.2): selecting months, recording evidence, finishing a registration.

The clerk's action 信息校验 · 保存 is :func:`months_register`: one lock, one version, one audit event. The parts it
is made of (:func:`apply_selection`, :func:`hold_and_finish`, :func:`mark_evidence`) run inside the caller's lock
and neither bump nor audit; :func:`months_select`, :func:`placement_submit` and :func:`months_evidence_record` wrap
one part each as a transition of its own (the demo data, the tests' factories)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from contextlib import contextmanager

from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone

from core.actors import Actor
from core.audit import record
from core.months import month_label
from employers.services import related_units_mark_referenced
from placements.constants import MonthReview
from placements.errors import MonthsTakenError, PlacementFrozenError, SelectionError, StaleVersionError, SubmitError
from placements.grid.checks import CHECK_BITS, TAKEN_TEXT, fail_mask, missing_evidence
from placements.grid.recompute import grid_recompute
from placements.grid.selection import SelectionPlan, month_option, plan_selection
from placements.grid.selectors import held_elsewhere
from placements.models import (
    Placement,
    PlacementMonth,
)
from placements.writes import RegistrationError, audit, bump_version, lock_for_write

logger = logging.getLogger(__name__)
DEADLOCK_DETECTED = "40P01"  # PostgreSQL's SQLSTATE


# --- selection ----------------------------------------------------------------------------------------------------


def _lock(placement: Placement, expected_version: int | None) -> Placement:
    locked = Placement.objects.select_for_update().select_related("employer").get(pk=placement.pk)
    if locked.frozen:
        raise PlacementFrozenError()
    if expected_version is not None and locked.version != expected_version:
        raise StaleVersionError()
    return locked


def apply_selection(p: Placement, months: Iterable[int]) -> tuple[SelectionPlan, list[int]]:
    """Apply the months ticked on ``p`` (locked by the caller, who bumps its version and writes the one audit
    event); returns the plan and the months selected before.

    Refreshes the checks first, then applies :func:`placements.grid.selection.plan_selection`: locked months
    (auto-verified, not dispatched) are included whatever was asked; ticked ✗ months become ``pending``
    (``evidence_missing`` until their evidence is recorded); unticked months drop their state. Raises
    :class:`SelectionError` (or :class:`MonthsTakenError` for 已在其他单位登记). The partial unique constraint is
    the final guard against another unit registering the same person-month at the same moment.
    """
    grid_recompute(placement=p)
    rows = list(PlacementMonth.objects.select_for_update().filter(placement=p).order_by("month"))
    plan = plan_selection([month_option(m) for m in rows], months)
    if plan.errors:
        taken = {m: why for m, why in plan.errors.items() if why == TAKEN_TEXT}
        raise (MonthsTakenError(plan.errors) if taken else SelectionError(plan.errors))

    before = [m.month for m in rows if m.selected]
    # PlacementMonth.held: a finished registration holds what it ticks; an open wizard (a draft, or a 重新登记 in
    # progress) holds nothing new — only what it held when it was reopened — until placement_submit.
    changed, newly_held = [], []
    for row in rows:
        state = plan.states[row.month]
        selected = state != MonthReview.NONE
        evidence_missing = state == MonthReview.PENDING and bool(missing_evidence(fail_mask(row), row.evidence_mask))
        held = selected and state != MonthReview.REJECTED and (p.wizard_completed or row.held)
        now_state = (selected, state, evidence_missing, held)
        if (row.selected, row.review_state, row.evidence_missing, row.held) == now_state:
            continue
        if held and not row.held:
            newly_held.append(row.month)
        if state in (MonthReview.NONE, MonthReview.AUTO, MonthReview.PENDING):
            row.decided_by, row.decided_at, row.decision_reason = None, None, ""
        row.selected, row.review_state, row.evidence_missing, row.held = selected, state, evidence_missing, held
        changed.append(row)
    if changed:
        fields = ["selected", "review_state", "evidence_missing", "held", "decided_by", "decided_at", "decision_reason"]
        with _taken_on_conflict(p, newly_held):
            PlacementMonth.objects.bulk_update(changed, fields)
    if newly_held or set(before) - set(plan.selected):
        # Other units' grids of this person show 已在其他单位登记 from their next recompute: do it now.
        transaction.on_commit(lambda: _enqueue_person(p.id_number, p.year))
    return plan, before


@transaction.atomic
def months_select(
    *, placement: Placement, months: Iterable[int], by: Actor | None, expected_version: int | None = None
) -> SelectionPlan:
    """Select months of a placement without the wizard (the engine's own transition, used by the demo data and
    the tests' factories): :func:`apply_selection` under one lock, one version, one audit event. Raises
    :class:`StaleVersionError` when ``expected_version`` is given and the placement changed meanwhile."""
    p = _lock(placement, expected_version)
    plan, before = apply_selection(p, months)
    _save_version(p)
    record(
        actor=by,
        action="placement.months_select",
        obj=p,
        changes={"selected": {"before": before, "after": plan.selected}},
    )
    return plan


def _save_version(p: Placement, *fields: str) -> None:
    p.version += 1
    p.save(update_fields=[*fields, "version", "updated_at"])


@contextmanager
def _taken_on_conflict(p: Placement, newly_held: list[int]):
    """Run a write that starts holding ``newly_held`` in a savepoint; the partial unique index refusing it (another
    unit got there first, maybe a moment ago) becomes :class:`MonthsTakenError` with the months concerned. Two
    units holding the same months at the same instant may also meet as a deadlock on the index (PostgreSQL aborts
    one): that one lost the race too."""
    try:
        with transaction.atomic():
            yield
    except (IntegrityError, OperationalError) as exc:
        if isinstance(exc, OperationalError) and getattr(exc.__cause__, "pgcode", None) != DEADLOCK_DETECTED:
            raise
        holders = held_elsewhere(p.id_number, p.year, exclude_placement=p.pk)
        taken = [m for m in newly_held if m in holders] or newly_held
        raise MonthsTakenError(dict.fromkeys(taken, TAKEN_TEXT)) from exc


def _enqueue_person(id_number: str, year: int) -> None:
    from placements.grid.tasks import recompute_persons

    try:
        recompute_persons.enqueue([id_number], year)
    except Exception:  # a follow-up refresh must never break the employer's save
        logger.exception("could not enqueue the grid recompute of %s/%s", id_number, year)


def mark_evidence(p: Placement, months: Iterable[int], checks: Iterable[str]) -> list[int]:
    """Record on ``p`` (locked by the caller, who bumps and audits) that evidence covering ``checks`` was uploaded
    for ``months``; recomputes ``evidence_missing``. Returns the months updated."""
    bits = sum(CHECK_BITS[c] for c in checks)
    rows = list(PlacementMonth.objects.select_for_update().filter(placement=p, month__in=list(months)))
    for row in rows:
        row.evidence_mask |= bits
        row.evidence_missing = (
            row.selected
            and row.review_state == MonthReview.PENDING
            and bool(missing_evidence(fail_mask(row), row.evidence_mask))
        )
    PlacementMonth.objects.bulk_update(rows, ["evidence_mask", "evidence_missing"])
    return sorted(r.month for r in rows)


@transaction.atomic
def months_evidence_record(
    *, placement: Placement, months: Iterable[int], checks: Iterable[str], by: Actor | None
) -> int:
    """Record evidence for ``months`` without a file (the tests' factories): :func:`mark_evidence` under one lock,
    one version, one audit event. Returns the number of months updated."""
    p = _lock(placement, None)
    marked = mark_evidence(p, months, checks)
    _save_version(p)
    record(actor=by, action="placement.evidence_record", obj=p, changes={"months": marked})
    return len(marked)


def hold_and_finish(p: Placement) -> list[str]:
    """Finish the registration of ``p`` (locked by the caller, who bumps and audits): at least one month
    registered and every ticked ✗ month has its evidence. With only auto-verified months the placement is thereby
    审核通过（系统） at once (§5.2). Returns the placement fields changed (for the caller's save)."""
    months = PlacementMonth.objects.filter(placement=p)
    if not months.selected().exists():
        raise SubmitError("请至少登记一个月份")
    missing = sorted(months.needing_evidence().values_list("month", flat=True))
    if missing:
        raise SubmitError("以下月份尚缺证明材料：" + "、".join(month_label(m) for m in missing))
    first = not p.wizard_completed
    p.wizard_completed, p.wizard_step = True, 4
    if first or p.submitted_at is None:
        p.submitted_at = timezone.now()
    # From now on the registration holds its months against other units (PlacementMonth.held); the first unit to
    # submit a person-month wins it, a later one is told 已在其他单位登记 and nothing of this submit is saved.
    to_hold = months.filter(selected=True, held=False).exclude(review_state=MonthReview.REJECTED)
    newly_held = sorted(to_hold.values_list("month", flat=True))
    if newly_held:
        with _taken_on_conflict(p, newly_held):
            to_hold.update(held=True)
        transaction.on_commit(lambda: _enqueue_person(p.id_number, p.year))
    # The related units its contracts name keep their identifiers from now on (employers.RelatedUnit.referenced_at).
    named = p.contracts.values_list("dispatch_unit", "pension_unit", "medical_unit", "wage_unit")
    related_units_mark_referenced(unit_ids=[pk for row in named for pk in row])
    return ["wizard_completed", "wizard_step", "submitted_at"]


@transaction.atomic
def placement_submit(*, placement: Placement, by: Actor | None, expected_version: int | None = None) -> Placement:
    """Finish a registration without the wizard (the demo data, the tests' factories): :func:`hold_and_finish`
    under one lock, one version, one audit event."""
    p = _lock(placement, expected_version)
    fields = hold_and_finish(p)
    _save_version(p, *fields)
    record(actor=by, action="placement.submit", obj=p)
    return p


# --- step 2: registering the months ------------------------------------------------------------------------------


@transaction.atomic
def months_register(
    *, placement: Placement, months: Iterable[int], by: Actor, expected_version: int | None, token: str = ""
) -> Placement:
    """信息校验 · 保存: register the ticked months (§5.2) after the clerk confirmed 「该人员安置月数为 N 个月」.

    One lock (the unit's year, then the placement: :func:`placements.writes.lock_for_write`), one version, one
    audit event (``placement.register_months``). With only auto-verified months the registration is finished at
    once (审核通过（系统）); otherwise the wizard goes on to step 3 (evidence for the ticked ✗ months). Raises
    SelectionError / MonthsTakenError / SubmitError.
    """
    p = lock_for_write(placement, expected_version, token)
    plan, before = apply_selection(p, sorted(set(months)))
    if not plan.selected:
        raise RegistrationError("请至少勾选一个安置登记月份。", field="months")
    pending = PlacementMonth.objects.filter(placement=p).pending().exists()
    if pending:
        p.wizard_step = max(p.wizard_step, 3)
        fields = ["wizard_step"]
    else:
        fields = hold_and_finish(p)
    bump_version(p, *fields)
    audit(
        p,
        "register_months",
        by,
        token,
        months=plan.selected,
        selected={"before": before, "after": plan.selected},
        pending=pending,
        submitted=not pending,
    )
    return p
