"""Writes of the placements app: recomputing the month grid and selecting months (domain.md §5, docs/adr/0001).

The grid is written by one upsert statement per batch (PostgreSQL: COPY into a temporary table first; SQLite:
executemany). The statement also applies the review-state consequences of new facts, on the current row, so a
concurrent selection is never overwritten with stale values:

- a selected ``auto`` month whose checks now fail becomes ``pending`` and, lacking evidence, ``evidence_missing``:
  it stays registered (a held person-month stays held for this unit) and the placement reads 资料待完善 until the
  employer adds evidence or unticks it;
- a selected ``pending`` month whose checks now all pass becomes ``auto`` (no reviewer needed any more);
- reviewers' decisions (``confirmed`` / ``rejected``) are never changed, nor is any selection: selecting is the
  employer's act (months_select), and a bulk job must not race the cross-employer constraint;
- a month a reviewer confirmed with a certificate recorded from the evidence (issue 17: ``cert_grade`` set and
  ``cert_no`` empty — a reviewer records the kind and grade, never a number, while every certificate the
  recompute shows has one) keeps its ``cert_type`` / ``cert_grade`` / ``weight`` as long as the recompute itself
  knows no certificate for the month (its ``cert_type`` is empty: ``cert_none``); once the facts know one, the
  facts' weight wins as for any other month (:data:`REVIEWED_CERT_COLUMNS`).
"""

from __future__ import annotations

import gc
import io
import logging
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import NamedTuple

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from placements import counting
from placements.constants import MonthReview
from placements.grid import marks
from placements.grid.checks import CHECK_BITS, CHECKS
from placements.grid.facts import PlacementRef, facts_for_placements, placement_refs
from placements.grid.rules import MonthResult, evaluate_year
from placements.models import Placement, PlacementMonth

logger = logging.getLogger(__name__)

TABLE = PlacementMonth._meta.db_table
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
# Columns a reviewer may have recorded from a certificate on the evidence (services.month_decide), kept by the upsert.
REVIEWED_CERT_COLUMNS = ("cert_type", "cert_grade", "cert_no", "weight")
KEY_COLUMNS = ("placement_id", "id_number", "year", "month")
TIME_COLUMNS = ("checked_at", "updated_at")
DEFAULT_COLUMNS = ("selected", "review_state", "evidence_mask", "evidence_missing", "decision_reason")
DEFAULT_VALUES = (False, MonthReview.NONE.value, 0, False, "")
ROW_COLUMNS = KEY_COLUMNS + CHECK_COLUMNS + TIME_COLUMNS
STAGE_COLUMNS = KEY_COLUMNS + CHECK_COLUMNS  # the COPY path's temporary table: the times are parameters
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
}
COPY_THRESHOLD = 240  # rows; below it one multi-row INSERT is cheaper than staging
CHECK_FIELD = {check: f"{check}_ok" for check in CHECKS}
STAGE = "placements_grid_stage"  # a temporary table (per connection)


# --- recompute ----------------------------------------------------------------------------------------------------


def grid_recompute(*, placement: Placement) -> list[MonthResult]:
    """Recompute the twelve months of one placement from the current facts; returns the results.

    A frozen (declared) placement is evaluated but not written. Query budget: the facts selector (≤ 6) + one upsert,
    and one mark of the unit's year when a month changed (:func:`placements.grid.marks.mark_changed`: the list's
    cached totals follow a recompute whoever runs it — a feed correction, a reviewer's certificate decision, the
    clerk).
    """
    results = evaluate_year(facts_for_placements([placement])[placement.pk])
    if not placement.frozen:
        now = timezone.now()
        if written := _write([(placement, results)], now):
            written.mark([placement.pk], now)
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
    done, last_pk = 0, 0
    with _cyclic_gc_paused():  # around the writer too: it writes the last chunk after the loop
        writer = _ChunkWriter() if pipeline else None
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
                        written = _write(grids, now)
                    if written:
                        written.mark([p.pk for p, _ in grids], now)
                done += len(batch)
                last_pk = batch[-1].pk
                if progress:
                    progress(done)
        finally:
            if writer is not None:
                writer.close()
    return done


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Hold CPython's cyclic garbage collector for a pass (reference counting frees everything as usual).

    A chunk allocates ~300,000 container objects (facts, month results, COPY lines) that live until the next chunk,
    so the collector's young generations filled and were traversed again and again: a fifth to a quarter of the
    pass's Python time, for nothing — a pass makes no reference cycles (measured: ``gc.collect()`` after a 100,000-
    placement pass with the collector held found 0 objects; peak memory unchanged). The one exception, a COPY refused
    because a clerk wrote the same months meanwhile, is taken apart where it is caught (:func:`_copy_new`).

    Process-wide: another thread of the process allocates without cyclic collection meanwhile. A pass started with
    the collector already held leaves it held; two passes overlapping in two threads of one process (the servers
    and task workers here run one at a time) could turn it back on while the later one still runs — slower, not
    wrong.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


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
                            written = _write(*item)
                        if written:
                            written.mark([p.pk for p, _ in item[0]], item[1])
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


class Written(NamedTuple):
    """What :func:`_write` wrote: the placements whose rows it COPYed as new ones, and the rows the upsert inserted
    or changed. False when it wrote nothing."""

    copied: list[int]
    upserted: int

    def __bool__(self) -> bool:
        return bool(self.copied or self.upserted)

    def mark(self, placement_ids: list[int], stamp: datetime) -> int:
        """Mark the units' years this write changed (:func:`placements.grid.marks.mark_changed`): the COPYed
        placements as they are, the upserted rows by their ``stamp``."""
        return marks.mark_changed(placement_ids, stamp, copied=self.copied, scan=bool(self.upserted))


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


def _copy_lines(grids: Grids, tail: str = "") -> io.StringIO:
    """The rows in COPY text format (STAGE_COLUMNS order: ROW_COLUMNS without the timestamps, which the upsert
    takes as one parameter), built directly: this runs for every month of a batch. ``tail`` (already in COPY text,
    starting with a tab) ends every line: :func:`_copy_new` adds the defaults of a new row."""
    b = _COPY_BOOL
    out = []
    # Everything after the month key, by the rest of the result: most months of a person read alike (their
    # certificate number included), so a line is mostly two strings joined rather than fifteen fields formatted.
    cells: dict[tuple, str] = {}
    for p, results in grids:
        head = f"{p.pk}\t{p.id_number}\t{p.year}\t"
        for r in results:
            rest = r[1:]
            cell = cells.get(rest)
            if cell is None:
                grade = "\\N" if r.cert_grade is None else r.cert_grade
                cell = cells[rest] = (
                    f"\t{b[r.wage_ok]}\t{b[r.pension_ok]}\t{b[r.medical_ok]}\t{b[r.cert_ok]}\t"
                    f"{b[r.age_ok]}\t{b[r.contract_ok]}\t{b[r.taken_elsewhere]}\t{b[not r.reasons]}\t"
                    f"{','.join(r.reasons)}\t{b[r.dispatched]}\t{r.cert_type}\t{grade}\t"
                    f"{r.cert_no.translate(_COPY_ESCAPE)}\t{r.weight}{tail}\n"
                )
            out.append(f"{head}{r.month}{cell}")
    return io.StringIO("".join(out))


def _values(t: str, new: str) -> dict[str, str]:
    """Column → the value the upsert writes, ``t`` naming the stored row and ``new`` the computed one."""
    # A reviewer-recorded certificate (see the module docstring) stays while the recompute knows none.
    kept = (
        f"{t}.review_state = '{MonthReview.CONFIRMED.value}' AND {t}.cert_grade IS NOT NULL AND {t}.cert_no = '' "
        f"AND {new}.cert_type = ''"
    )
    value = {c: f"{new}.{c}" for c in CHECK_COLUMNS + TIME_COLUMNS}
    value.update({c: f"(CASE WHEN {kept} THEN {t}.{c} ELSE {new}.{c} END)" for c in REVIEWED_CERT_COLUMNS})
    return value


def _changed_sql(t: str, new: str) -> str:
    """True when the upsert would change the stored row ``t`` given the computed one ``new``."""
    distinct = " IS DISTINCT FROM " if connection.vendor == "postgresql" else " IS NOT "
    value = _values(t, new)
    return " OR ".join(f"{t}.{c}{distinct}{value[c]}" for c in CHECK_COLUMNS)


def _upsert_sql(source: str) -> str:
    """INSERT … ON CONFLICT (placement, month) DO UPDATE, only when a check column changed (PostgreSQL, SQLite)."""
    t = TABLE
    fail_mask = " + ".join(
        f"(CASE WHEN excluded.{field} THEN 0 ELSE {CHECK_BITS[check]} END)" for check, field in CHECK_FIELD.items()
    )
    value = _values(t, "excluded")
    changed = _changed_sql(t, "excluded")
    sets = ", ".join(f"{c} = {value[c]}" for c in CHECK_COLUMNS + TIME_COLUMNS)
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


def _write(grids: Grids, now: datetime) -> Written:
    """Upsert the grid rows of these placements."""
    n_rows = sum(len(results) for _, results in grids)
    if not n_rows:
        return Written([], 0)
    placeholders = "(" + ", ".join(["%s"] * (len(ROW_COLUMNS) + len(DEFAULT_COLUMNS))) + ")"
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.executemany(_upsert_sql(f"VALUES {placeholders}"), _rows(grids, now))
            return Written([], cursor.rowcount)
        if n_rows <= COPY_THRESHOLD:
            rows = _rows(grids, now)
            cursor.execute(_upsert_sql("VALUES " + ", ".join([placeholders] * len(rows))), [v for r in rows for v in r])
            return Written([], cursor.rowcount)
        # The month table's reference trigger keeps the statement's new rows (a chunk's, ~24,000) in memory up to
        # work_mem; PostgreSQL's default 4 MB spilled every chunk's to a temporary file.
        cursor.execute("SET LOCAL work_mem = '64MB'")
        # Placements without a single month row yet (a year's first recompute, new placements) have nothing to
        # compare with and nothing a reviewer decided: their rows are COPYed straight into the table.
        copied, grids = _copy_new(cursor, grids)
        n_rows = sum(len(results) for _, results in grids)
        if not n_rows:
            return Written(copied, 0)
        columns = ", ".join(f"{c} {_STAGE_TYPES.get(c, 'boolean')}" for c in STAGE_COLUMNS)
        cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {STAGE} ({columns}) ON COMMIT DELETE ROWS")
        # Empty at the start of a transaction (ON COMMIT DELETE ROWS); a DELETE, not a TRUNCATE, for a second write
        # in the same transaction: TRUNCATE makes and unlinks the table's files each time (seconds a year on a
        # busy disk).
        cursor.execute(f"DELETE FROM {STAGE}")
        cursor.copy_expert(f"COPY {STAGE} ({', '.join(STAGE_COLUMNS)}) FROM STDIN", _copy_lines(grids))
        # The rows the upsert would not change are dropped from the stage first: ON CONFLICT DO UPDATE … WHERE
        # false still locks (and so writes) every stored row it meets, which is most of the cost of a recompute
        # after which little changed.
        # When the chunk's ids are dense (a year's recompute), their range lets PostgreSQL hash-join one index
        # range scan instead of probing the index once per row (30 ms instead of 78 ms for 2,000 placements).
        pks = [p.pk for p, _ in grids]
        lo, hi = min(pks), max(pks)
        dense = hi - lo < 4 * len(pks)
        cursor.execute(
            f"DELETE FROM {STAGE} s USING {TABLE} m WHERE m.placement_id = s.placement_id AND m.month = s.month "
            + ("AND m.placement_id BETWEEN %s AND %s " if dense else "")
            + f"AND NOT ({_changed_sql('m', 's')})",
            [lo, hi] if dense else [],
        )
        if cursor.rowcount == n_rows:
            return Written(copied, 0)
        defaults = ", ".join(["%s"] * len(DEFAULT_COLUMNS))
        cursor.execute(
            _upsert_sql(f"SELECT {', '.join(STAGE_COLUMNS)}, %s, %s, {defaults} FROM {STAGE}"),
            (now, now, *DEFAULT_VALUES),
        )
        return Written(copied, cursor.rowcount)


def _copy_new(cursor, grids: Grids) -> tuple[list[int], Grids]:
    """COPY the rows of the placements that have no month row yet straight into the month table (PostgreSQL).
    Returns those placements' ids and the grids left for the upsert.

    A plain COPY costs about half of staging the rows and upserting them (no temporary table, no speculative
    insertion). It runs in a savepoint: when another writer — the clerk's months_select, a second recompute — has
    created one of these rows since the check, the unique key refuses the COPY, and every row takes the upsert,
    which merges with what that writer stored.
    """
    new = _without_months(cursor, [p.pk for p, _ in grids])
    if not new:
        return [], grids
    fresh = [g for g in grids if g[0].pk in new]
    b = _COPY_BOOL
    # DEFAULT_COLUMNS in COPY text (DEFAULT_VALUES: not selected, no review, no evidence). The TIME_COLUMNS are left
    # to the table's default, the statement's time: PostgreSQL parsing two timestamps a row was 10 µs of the 26 µs
    # of a placement's twelve rows.
    selected, review_state, evidence_mask, evidence_missing, decision_reason = DEFAULT_VALUES
    tail = (
        f"\t{b[selected]}\t{review_state}\t{evidence_mask}\t{b[evidence_missing]}\t"
        f"{decision_reason.translate(_COPY_ESCAPE)}"
    )
    try:
        with transaction.atomic(), cursor.db.wrap_database_errors:  # copy_expert is not wrapped: psycopg2's errors
            cursor.copy_expert(
                f"COPY {TABLE} ({', '.join(STAGE_COLUMNS + DEFAULT_COLUMNS)}) FROM STDIN",
                _copy_lines(fresh, tail),
            )
    except IntegrityError as exc:
        # Django re-raises psycopg2's error from a frame its traceback refers to: a reference cycle holding this
        # chunk's rows, which the held collector (_cyclic_gc_paused) would not free before the pass ends.
        for error in (exc, exc.__cause__, exc.__context__):
            if error is not None:
                error.__traceback__ = None
        return [], grids
    return [p.pk for p, results in fresh if results], [g for g in grids if g[0].pk not in new]


def _without_months(cursor, pks: list[int]) -> set[int]:
    """The placements among ``pks`` that have no month row (PostgreSQL): all of them when no month row falls in their
    id range (a year's first recompute: one index probe), else one index probe each."""
    cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {TABLE} WHERE placement_id BETWEEN %s AND %s)", [min(pks), max(pks)])
    if not cursor.fetchone()[0]:
        return set(pks)
    cursor.execute(
        f"SELECT p FROM unnest(%s::bigint[]) AS p WHERE NOT EXISTS (SELECT 1 FROM {TABLE} m WHERE m.placement_id = p)",
        [pks],
    )
    return {pk for (pk,) in cursor.fetchall()}
