"""The durable queue of grid recomputes a feed import owes (ADR 0017): recorded with the data, drained until done.

- :func:`pending_record` runs **inside the import's transaction**: one ``INSERT … SELECT`` per chunk of ID numbers
  turns the import's requests (persons × "every open year", or everyone × a year) into ``PendingRecompute`` rows,
  one per person and year with an open placement. A row that already waits gets a new ``requested_at`` (``ON
  CONFLICT DO UPDATE``): that row lock is what makes a concurrent drainer skip it, or the import wait for the
  drainer's batch to commit and then insert the row afresh — either way the new facts are recomputed.
- :func:`pending_drain` takes the oldest rows a batch at a time; each batch is **one transaction**: lock the rows
  (``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL, so concurrent drainers share the work; elsewhere the first
  write of the batch takes SQLite's database lock and the rows are read again under it), recompute the open
  placements of those persons and years (set-based: the same statements for 1 person as for 2,000), delete the rows,
  commit. A failure rolls the batch back whole — the rows stay, and the next drain (the task after the next import,
  or the cron sweep) redoes them. A batch failing for another reason than a lost connection is split in halves until
  the failing person is alone, so one bad grid cannot hold up the others; its ``attempts`` and ``last_error`` show in
  the admin (待重算安置月份表).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from django.db.models import Count, Exists, F, Min, OuterRef, Q
from django.utils import timezone

from placements.grid.recompute import grid_recompute_many
from placements.models import PendingRecompute, Placement

logger = logging.getLogger(__name__)

BATCH = 2000  # persons × years per transaction: one grid chunk (recompute.grid_recompute_many)
RECORD_CHUNK = 5000  # ID numbers per INSERT … SELECT
ERROR_CHARS = 2000


class Request(Protocol):
    """What an import asks for (``feeds.services.RecomputeRequest``): the persons (None: everyone) and the year
    (None: every year with an open grid)."""

    id_numbers: Sequence[str] | None
    year: int | None


# --- recording (inside the caller's transaction) ------------------------------------------------------------------


def pending_record(*, requests: Iterable[Request], now: datetime | None = None) -> int:
    """Record the grid recomputes ``requests`` call for, in the caller's transaction. Returns the number of rows
    inserted or refreshed (person × year). Only persons with an open placement get a row: nobody else has a grid."""
    now = now or timezone.now()
    written = 0
    for request in requests:
        qs = Placement.objects.open()
        if request.year is not None:
            qs = qs.filter(year=request.year)
        if request.id_numbers is None:
            written += _insert_from(qs, now)
            continue
        ids = sorted({i.strip().upper() for i in request.id_numbers if i})
        for start in range(0, len(ids), RECORD_CHUNK):
            written += _insert_from(qs.filter(id_number__in=ids[start : start + RECORD_CHUNK]), now)
    return written


def _insert_from(placements_qs, now: datetime) -> int:
    """One ``INSERT … SELECT DISTINCT id_number, year FROM <placements> … ON CONFLICT DO UPDATE`` (PostgreSQL and
    SQLite ≥ 3.24; ``WHERE true`` is SQLite's way to tell the upsert clause from a join)."""
    source = placements_qs.order_by().values_list("id_number", "year").distinct()
    sql, params = source.query.sql_with_params()
    table = connection.ops.quote_name(PendingRecompute._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (id_number, year, created_at, requested_at, attempts, last_error) "
            f"SELECT s.id_number, s.year, %s, %s, 0, '' FROM ({sql}) s WHERE true ORDER BY s.id_number, s.year "
            f"ON CONFLICT (id_number, year) DO UPDATE SET requested_at = excluded.requested_at",
            [now, now, *params],
        )
        return cursor.rowcount


# --- draining -----------------------------------------------------------------------------------------------------


@dataclass
class DrainResult:
    settled: int = 0  # PendingRecompute rows done and deleted
    placements: int = 0  # placements recomputed
    failed: int = 0  # rows whose recompute failed in this drain (still waiting)
    errors: list[str] = field(default_factory=list)
    interrupted: bool = False  # the connection was lost: the drain stopped, the rest waits

    @property
    def ok(self) -> bool:
        return not self.failed and not self.interrupted


def pending_drain(*, batch: int = BATCH, max_batches: int | None = None) -> DrainResult:
    """Recompute what waits, oldest first, ``batch`` rows per transaction, until nothing is left (or
    ``max_batches``). Safe to run in several processes at once. Meant to run outside a transaction (the task, the
    sweep): each batch then commits on its own; inside one (tests), batches are savepoints."""
    result = DrainResult()
    given_up: set[int] = set()  # rows that failed alone in this drain: left for the next one
    retry: list[list[int]] = []  # halves of a failed batch, tried before new rows
    batches = 0
    while max_batches is None or batches < max_batches:
        batches += 1
        wanted = retry.pop() if retry else None
        ids: list[int] = []
        try:
            with transaction.atomic():
                ids = _claim(wanted=wanted, exclude=given_up, batch=batch)
                if not ids:
                    if wanted is None:
                        break
                    continue
                result.placements += _recompute(ids)
                PendingRecompute.objects.filter(pk__in=ids).delete()
            result.settled += len(ids)
        except (OperationalError, InterfaceError) as exc:
            result.interrupted = True
            result.errors.append(_describe(exc))
            logger.warning("pending grid recomputes: drain interrupted, the rows wait: %s", exc)
            drop_broken_connection()
            break
        except Exception as exc:
            if not ids:  # the claim itself failed: nothing to split, nothing to record
                result.interrupted = True
                result.errors.append(_describe(exc))
                logger.exception("pending grid recomputes: the claim failed")
                break
            if len(ids) > 1:
                half = len(ids) // 2
                retry.extend([ids[half:], ids[:half]])
                continue
            given_up.update(ids)
            result.failed += 1
            result.errors.append(_describe(exc))
            logger.exception("pending grid recompute of row %s failed", ids[0])
            try:
                _record_failure(ids, exc)
            except DatabaseError:
                drop_broken_connection()
    return result


def _claim(*, wanted: list[int] | None, exclude: set[int], batch: int) -> list[int]:
    """Lock and return the ids of the rows this batch settles (oldest first; ``wanted``: exactly those, as far as
    they still exist and are not being drained by another process)."""
    qs = PendingRecompute.objects.select_for_update(skip_locked=True)
    qs = qs.filter(pk__in=wanted) if wanted is not None else qs.exclude(pk__in=exclude)
    ids = list(qs.order_by("attempts", "pk").values_list("pk", flat=True)[:batch])
    if ids and not connection.features.has_select_for_update_skip_locked:
        # Portable fallback (SQLite): the first write of the transaction takes the database's write lock, so from
        # here on no other drainer can delete these rows; those that still exist are ours.
        PendingRecompute.objects.filter(pk__in=ids).update(attempts=F("attempts"))
        ids = list(PendingRecompute.objects.filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))
    return ids


def _recompute(ids: list[int]) -> int:
    """Recompute the open placements of the claimed persons and years, in the batch's transaction."""
    claimed = PendingRecompute.objects.filter(pk__in=ids, id_number=OuterRef("id_number"), year=OuterRef("year"))
    placements = Placement.objects.open().filter(Exists(claimed))
    # Lock the placements first, in id order, as a clerk's action does (placement, then its months): the recompute
    # then writes months and touches placements in one transaction without a lock-order deadlock.
    if connection.features.has_select_for_update:
        list(placements.select_for_update(of=("self",)).order_by("pk").values_list("pk", flat=True))
    return grid_recompute_many(placements_qs=placements, chunk=BATCH)


def _record_failure(ids: list[int], exc: BaseException) -> None:
    with transaction.atomic():
        PendingRecompute.objects.filter(pk__in=ids).update(
            attempts=F("attempts") + 1, last_error=_describe(exc)[:ERROR_CHARS], last_attempt_at=timezone.now()
        )


def drop_broken_connection() -> None:
    """After a lost connection: close it if it is unusable, so the next query reconnects (never inside an outer
    transaction, whose connection is the caller's)."""
    if not connection.in_atomic_block:
        connection.close_if_unusable_or_obsolete()


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}".strip()


# --- reading ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PendingSummary:
    rows: int
    persons: int
    failing: int  # rows with at least one failed attempt
    oldest: datetime | None


def pending_summary() -> PendingSummary:
    """What waits, in one query (the import's closing lines, the admin's header, the sweep)."""
    totals = PendingRecompute.objects.aggregate(
        rows=Count("pk"),
        persons=Count("id_number", distinct=True),
        failing=Count("pk", filter=~Q(attempts=0)),
        oldest=Min("created_at"),
    )
    return PendingSummary(**totals)
