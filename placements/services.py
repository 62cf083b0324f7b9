"""Writes of the placements app: recomputing the month grid and selecting months (domain.md §5, docs/adr/0001).

The grid is written by one upsert statement per batch (PostgreSQL: COPY into a temporary table first; SQLite:
executemany). The statement also applies the review-state consequences of new facts, on the current row, so a
concurrent selection is never overwritten with stale values:

- a selected ``auto`` month whose checks now fail becomes ``pending`` and, lacking evidence, ``evidence_missing``:
  it stays registered (a held person-month stays held for this unit) and the placement reads 资料待完善 until the
  employer adds evidence or unticks it;
- a selected ``pending`` month whose checks now all pass becomes ``auto`` (no reviewer needed any more);
- reviewers' decisions (``confirmed`` / ``rejected``) are never changed, nor is any selection: selecting is the
  employer's act (months_select), and a bulk job must not race the cross-employer constraint.
"""

from __future__ import annotations

import io
import logging
import queue
import threading
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from datetime import datetime

from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone

from core.audit import record
from employers.services import related_units_mark_referenced
from placements import counting
from placements.constants import MonthReview
from placements.errors import MonthsTakenError, PlacementFrozenError, SelectionError, StaleVersionError, SubmitError
from placements.models import Placement, PlacementMonth
from placements.rules import (
    CHECK_BITS,
    CHECKS,
    TAKEN_TEXT,
    MonthOption,
    MonthResult,
    SelectionPlan,
    evaluate_year,
    missing_evidence,
    plan_selection,
)
from placements.selectors import PlacementRef, facts_for_placements, held_elsewhere, placement_refs

logger = logging.getLogger(__name__)

TABLE = PlacementMonth._meta.db_table
DEADLOCK_DETECTED = "40P01"  # PostgreSQL's SQLSTATE
# Columns the recompute writes (in this order), then the insert-only defaults of a new row.
CHECK_COLUMNS = (
    "wage_ok",
    "pension_ok",
    "medical_ok",
    "cert_ok",
    "age_ok",
    "contract_ok",
    "taken_elsewhere",
    "verified",
    "reasons",
    "dispatched",
    "cert_type",
    "cert_grade",
    "cert_no",
    "weight",
)
KEY_COLUMNS = ("placement_id", "id_number", "year", "month")
TIME_COLUMNS = ("checked_at", "updated_at")
DEFAULT_COLUMNS = ("selected", "review_state", "evidence_mask", "evidence_missing", "decision_reason")
DEFAULT_VALUES = (False, MonthReview.NONE.value, 0, False, "")
ROW_COLUMNS = KEY_COLUMNS + CHECK_COLUMNS + TIME_COLUMNS
_STAGE_TYPES = {
    "placement_id": "bigint",
    "id_number": "varchar(18)",
    "year": "smallint",
    "month": "integer",
    "reasons": "varchar(200)",
    "cert_type": "varchar(8)",
    "cert_grade": "smallint",
    "cert_no": "varchar(40)",
    "weight": "smallint",
    "checked_at": "timestamptz",
    "updated_at": "timestamptz",
}
COPY_THRESHOLD = 240  # rows; below it one multi-row INSERT is cheaper than staging
_CHECK_FIELD = {check: f"{check}_ok" for check in CHECKS}


# --- recompute ----------------------------------------------------------------------------------------------------


def grid_recompute(*, placement: Placement) -> list[MonthResult]:
    """Recompute the twelve months of one placement from the current facts; returns the results.

    A frozen (declared) placement is evaluated but not written. Query budget: the facts selector (≤ 6) + one upsert.
    """
    results = evaluate_year(facts_for_placements([placement])[placement.pk])
    if not placement.frozen:
        _write([(placement, results)], timezone.now())
    return results


def grid_recompute_many(
    *,
    placements_qs,
    chunk: int = 2000,
    progress: Callable[[int], None] | None = None,
    pipeline: bool | None = None,
) -> int:
    """Set-based recompute of many placements, ``chunk`` at a time: one query per fact source per chunk and one
    upsert per chunk, each chunk written in its own transaction. Frozen placements are skipped. Returns how many
    placements were recomputed; ``progress`` is called with the running count after each chunk.

    ``pipeline`` (default: on PostgreSQL outside a transaction) writes each chunk from a second thread with its own
    connection while the next chunk's facts are read and evaluated, so the database and Python work overlap.
    """
    qs = placements_qs.filter(frozen=False).order_by("pk")
    if pipeline is None:
        pipeline = connection.vendor == "postgresql" and not connection.in_atomic_block
    writer = _ChunkWriter() if pipeline else None
    done, last_pk = 0, 0
    try:
        while True:
            batch = placement_refs(qs.filter(pk__gt=last_pk)[:chunk])
            if not batch:
                break
            now = timezone.now()
            facts = facts_for_placements(batch)
            grids = [(p, evaluate_year(facts[p.pk])) for p in batch]
            if writer is not None:
                writer.submit(grids, now)
            else:
                with transaction.atomic():
                    changed = _write(grids, now)
                if changed:
                    _touch_changed([p.pk for p, _ in grids], now)
            done += len(batch)
            last_pk = batch[-1].pk
            if progress:
                progress(done)
    finally:
        if writer is not None:
            writer.close()
    return done


class _ChunkWriter:
    """Writes chunks from one background thread (its own database connection), one chunk queued at a time."""

    def __init__(self) -> None:
        self.queue: queue.Queue = queue.Queue(maxsize=1)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="grid-writer", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            while (item := self.queue.get()) is not None:
                if self.error is None:
                    try:
                        with transaction.atomic():
                            changed = _write(*item)
                        if changed:
                            _touch_changed([p.pk for p, _ in item[0]], item[1])
                    except Exception as exc:  # noqa: BLE001 — re-raised in the submitting thread (close)
                        self.error = exc
        finally:
            connection.close()

    def submit(self, grids, now) -> None:
        if self.error is not None:
            self.close()
        self.queue.put((grids, now))

    def close(self) -> None:
        if self.thread.is_alive():
            self.queue.put(None)
            self.thread.join()
        if self.error is not None:
            raise self.error


def grids_recompute_for_persons(*, id_numbers: Iterable[str] | None, year: int | None) -> int:
    """Recompute the open placements of these persons (None: everyone) in ``year`` (None: every year).

    Entry point of the ``recompute_persons`` task that feed imports enqueue.
    """
    qs = Placement.objects.open()
    if year is not None:
        qs = qs.filter(year=year)
    if id_numbers is None:
        return grid_recompute_many(placements_qs=qs)
    ids = sorted({i.strip().upper() for i in id_numbers if i})
    done = 0
    for start in range(0, len(ids), 5000):
        done += grid_recompute_many(placements_qs=qs.filter(id_number__in=ids[start : start + 5000]))
    return done


Grids = list[tuple[Placement | PlacementRef, list[MonthResult]]]


def _rows(grids: Grids, now: datetime) -> list[tuple]:
    """Parameter tuples in ROW_COLUMNS + DEFAULT_COLUMNS order."""
    return [
        (
            *(p.pk, p.id_number, p.year, r.month, *r[1:7], r.taken_elsewhere, not r.reasons, ",".join(r.reasons)),
            *(r.dispatched, r.cert_type, r.cert_grade, r.cert_no, r.weight, now, now, *DEFAULT_VALUES),
        )
        for p, results in grids
        for r in results
    ]


_COPY_BOOL = ("f", "t")
_COPY_ESCAPE = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_lines(grids: Grids, now: datetime) -> io.StringIO:
    """The rows in COPY text format (ROW_COLUMNS order), built directly: this runs for every month of a batch."""
    b = _COPY_BOOL
    stamp = now.isoformat()
    out = []
    escaped: dict[str, str] = {}
    for p, results in grids:
        head = f"{p.pk}\t{p.id_number}\t{p.year}\t"
        for r in results:
            grade = "\\N" if r.cert_grade is None else r.cert_grade
            cert_no = escaped.get(r.cert_no)
            if cert_no is None:
                cert_no = escaped[r.cert_no] = r.cert_no.translate(_COPY_ESCAPE)
            out.append(
                f"{head}{r.month}\t{b[r.wage_ok]}\t{b[r.pension_ok]}\t{b[r.medical_ok]}\t{b[r.cert_ok]}\t"
                f"{b[r.age_ok]}\t{b[r.contract_ok]}\t{b[r.taken_elsewhere]}\t{b[not r.reasons]}\t"
                f"{','.join(r.reasons)}\t{b[r.dispatched]}\t{r.cert_type}\t{grade}\t"
                f"{cert_no}\t{r.weight}\t{stamp}\t{stamp}\n"
            )
    return io.StringIO("".join(out))


def _upsert_sql(source: str) -> str:
    """INSERT … ON CONFLICT (placement, month) DO UPDATE, only when a check column changed (PostgreSQL, SQLite)."""
    pg = connection.vendor == "postgresql"
    t = TABLE
    fail_mask = " + ".join(
        f"(CASE WHEN excluded.{field} THEN 0 ELSE {CHECK_BITS[check]} END)" for check, field in _CHECK_FIELD.items()
    )
    distinct = " IS DISTINCT FROM " if pg else " IS NOT "
    changed = " OR ".join(f"{t}.{c}{distinct}excluded.{c}" for c in CHECK_COLUMNS)
    sets = ", ".join(f"{c} = excluded.{c}" for c in CHECK_COLUMNS + TIME_COLUMNS)
    # counting.RECOMPUTE, compiled: (state, verified now) → new state of a selected month; others keep theirs.
    transitions = " ".join(
        f"WHEN {t}.selected AND {t}.review_state = '{before}' AND {'' if verified else 'NOT '}excluded.verified "
        f"THEN '{after}'"
        for (before, verified), after in counting.RECOMPUTE.items()
    )
    # After the transitions, a selected month is pending exactly when it does not verify and no reviewer decided it.
    undecided = ", ".join(f"'{state}'" for state in sorted(counting.SELECTED_STATES - counting.DECIDED_STATES))
    awaits = f"{t}.selected AND {t}.review_state IN ({undecided}) AND NOT excluded.verified"
    return (
        f"INSERT INTO {t} ({', '.join(ROW_COLUMNS + DEFAULT_COLUMNS)}) {source} "
        f"ON CONFLICT (placement_id, month) DO UPDATE SET {sets}, "
        f"review_state = CASE {transitions} ELSE {t}.review_state END, "
        f"evidence_missing = ({awaits} AND (({fail_mask}) & ~{t}.evidence_mask) <> 0) "
        f"WHERE {changed}"
    )


def _write(grids: Grids, now: datetime) -> int:
    """Upsert the grid rows of these placements. Returns the number of rows inserted or changed."""
    n_rows = sum(len(results) for _, results in grids)
    if not n_rows:
        return 0
    placeholders = "(" + ", ".join(["%s"] * (len(ROW_COLUMNS) + len(DEFAULT_COLUMNS))) + ")"
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.executemany(_upsert_sql(f"VALUES {placeholders}"), _rows(grids, now))
            return cursor.rowcount
        if n_rows <= COPY_THRESHOLD:
            rows = _rows(grids, now)
            cursor.execute(_upsert_sql("VALUES " + ", ".join([placeholders] * len(rows))), [v for r in rows for v in r])
            return cursor.rowcount
        columns = ", ".join(f"{c} {_STAGE_TYPES.get(c, 'boolean')}" for c in ROW_COLUMNS)
        cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS placements_month_stage ({columns}) ON COMMIT DELETE ROWS")
        cursor.execute("TRUNCATE placements_month_stage")
        cursor.copy_expert(
            f"COPY placements_month_stage ({', '.join(ROW_COLUMNS)}) FROM STDIN", _copy_lines(grids, now)
        )
        defaults = ", ".join(["%s"] * len(DEFAULT_COLUMNS))
        cursor.execute(
            _upsert_sql(f"SELECT {', '.join(ROW_COLUMNS)}, {defaults} FROM placements_month_stage"), DEFAULT_VALUES
        )
        return cursor.rowcount


def _touch_changed(placement_ids: list[int], stamp: datetime) -> int:
    """Set ``updated_at`` of the placements whose months the write stamped with ``stamp`` (inserted or changed rows)
    to the time now, never lowering it.

    The placement list caches a year's totals under a fingerprint that includes the last ``updated_at`` of the
    unit's placements (wizard_selectors.list_header), so this is what makes a background recompute show in the
    counters at once. ``stamp`` is taken before the chunk's facts were read, and a clerk may have changed another
    placement of the unit (and the list cached its totals) since: so the placements get a fresh time, which is
    later than anything the list can have cached. ``placement_ids`` are the chunk's, in id order; the statement
    uses their range, so its size does not depend on the chunk's.

    Called after the chunk's transaction has committed, holding no month locks: a clerk's action locks the
    placement first and its months second, so taking them in the other order here could deadlock with it. (Inside
    an outer transaction — the import of last year's persons — the placements are new ones of that transaction.)
    On PostgreSQL the placements are locked in id order, so two recomputes over the same persons cannot deadlock
    either; ``version`` is left alone, so a clerk's open form is not made stale by a recompute.
    """
    if not placement_ids:
        return 0
    placement_table = connection.ops.quote_name(Placement._meta.db_table)
    changed = (
        f"SELECT DISTINCT m.placement_id FROM {TABLE} m WHERE m.placement_id BETWEEN %s AND %s AND m.updated_at = %s"
    )
    if connection.vendor == "postgresql":
        changed = f"SELECT p.id FROM {placement_table} p WHERE p.id IN ({changed}) ORDER BY p.id FOR UPDATE"
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {placement_table} SET updated_at = CASE WHEN updated_at < %s THEN %s ELSE updated_at END "
            f"WHERE id IN ({changed})",
            [now, now, min(placement_ids), max(placement_ids), stamp],
        )
        return cursor.rowcount


# --- selection ----------------------------------------------------------------------------------------------------


def _fail_mask(month: PlacementMonth) -> int:
    return sum(bit for check, bit in CHECK_BITS.items() if not getattr(month, _CHECK_FIELD[check]))


def month_option(month: PlacementMonth) -> MonthOption:
    return MonthOption(
        month=month.month,
        fail_mask=_fail_mask(month),
        taken_elsewhere=month.taken_elsewhere,
        dispatched=month.dispatched,
        selected=month.selected,
        review_state=month.review_state,
    )


def _lock(placement: Placement, expected_version: int | None) -> Placement:
    locked = Placement.objects.select_for_update().select_related("employer").get(pk=placement.pk)
    if locked.frozen:
        raise PlacementFrozenError()
    if expected_version is not None and locked.version != expected_version:
        raise StaleVersionError()
    return locked


@transaction.atomic
def months_select(
    *, placement: Placement, months: Iterable[int], by, expected_version: int | None = None
) -> SelectionPlan:
    """Register the months the employer ticked (§5.2); returns the applied plan.

    Refreshes the checks first, then applies :func:`placements.rules.plan_selection`: locked months (auto-verified,
    not dispatched) are included whatever was asked; ticked ✗ months become ``pending`` (``evidence_missing`` until
    their evidence is recorded); unticked months drop their state. Raises :class:`SelectionError` (or
    :class:`MonthsTakenError` for 已在其他单位登记) and :class:`StaleVersionError` when ``expected_version`` is
    given and the placement changed meanwhile. The partial unique constraint is the final guard against another
    unit registering the same person-month at the same moment.
    """
    p = _lock(placement, expected_version)
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
        evidence_missing = state == MonthReview.PENDING and bool(missing_evidence(_fail_mask(row), row.evidence_mask))
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

    p.version += 1
    p.save(update_fields=["version", "updated_at"])
    record(
        actor=by,
        action="placement.months_select",
        obj=p,
        changes={"selected": {"before": before, "after": plan.selected}},
    )
    if newly_held or set(before) - set(plan.selected):
        # Other units' grids of this person show 已在其他单位登记 from their next recompute: do it now.
        transaction.on_commit(lambda: _enqueue_person(p.id_number, p.year))
    return plan


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
    from placements.tasks import recompute_persons

    try:
        recompute_persons.enqueue([id_number], year)
    except Exception:  # a follow-up refresh must never break the employer's save
        logger.exception("could not enqueue the grid recompute of %s/%s", id_number, year)


@transaction.atomic
def months_evidence_record(*, placement: Placement, months: Iterable[int], checks: Iterable[str], by) -> int:
    """Record that evidence covering ``checks`` was uploaded for ``months`` (called by the evidence upload service);
    recomputes ``evidence_missing``. Returns the number of months updated."""
    bits = sum(CHECK_BITS[c] for c in checks)
    p = _lock(placement, None)
    rows = list(PlacementMonth.objects.select_for_update().filter(placement=p, month__in=list(months)))
    for row in rows:
        row.evidence_mask |= bits
        row.evidence_missing = (
            row.selected
            and row.review_state == MonthReview.PENDING
            and bool(missing_evidence(_fail_mask(row), row.evidence_mask))
        )
    PlacementMonth.objects.bulk_update(rows, ["evidence_mask", "evidence_missing"])
    p.version += 1
    p.save(update_fields=["version", "updated_at"])
    record(actor=by, action="placement.evidence_record", obj=p, changes={"months": sorted(r.month for r in rows)})
    return len(rows)


@transaction.atomic
def placement_submit(*, placement: Placement, by, expected_version: int | None = None) -> Placement:
    """Finish the registration (wizard step 4): at least one month registered and every ticked ✗ month has its
    evidence. With only auto-verified months the placement is thereby 审核通过(系统) at once (§5.2)."""
    p = _lock(placement, expected_version)
    months = PlacementMonth.objects.filter(placement=p)
    if not months.selected().exists():
        raise SubmitError("请至少登记一个月份")
    missing = sorted(months.needing_evidence().values_list("month", flat=True))
    if missing:
        from placements.errors import month_label

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
    p.version += 1
    p.save(update_fields=["wizard_completed", "wizard_step", "submitted_at", "version", "updated_at"])
    # The related units its contracts name keep their identifiers from now on (employers.RelatedUnit.referenced_at).
    named = p.contracts.values_list("dispatch_unit", "pension_unit", "medical_unit", "wage_unit")
    related_units_mark_referenced(unit_ids=[pk for row in named for pk in row])
    record(actor=by, action="placement.submit", obj=p)
    return p
