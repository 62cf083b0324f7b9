"""The PostgreSQL path: COPY into an UNLOGGED staging table (created and dropped in the import's transaction), then
set-based merges (see ADR 0002).

A producer thread reads and validates the file (:class:`feeds.staging.CopyStream`) while the database works:
rows are COPYed in segments of ``SEGMENT_ROWS`` and, as long as no key can have repeated and the segments bring
mostly new rows (a first import), each segment is merged while the next one is being validated — the two cores
work at once. Once a segment turns out mostly known (a re-import), the rest is staged and merged at the end: compared
with the table in one read-only statement PostgreSQL may run in parallel, then the few changed rows written.
If a key may repeat after a segment was merged, the work is rolled back to a savepoint and redone in one merge,
which deduplicates exactly (the later line wins). Every merge compares first and writes only new or changed rows.
"""

from __future__ import annotations

import queue
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import DatabaseError, IntegrityError, connection, models, transaction

from feeds.merge import MergeOutcome
from feeds.merge_sql import Statements
from feeds.rows import KindSpec
from feeds.staging import CopyStream

SEGMENT_ROWS = 250_000
MOSTLY_NEW = 0.5  # keep merging segment by segment while at least this share of a segment is inserted
SAMPLE_ROWS = 2000
_QUEUE_CHUNKS = 48
_END = object()


@dataclass(frozen=True)
class _Marker:
    """Put by the producer after the chunk that completes a segment."""

    staged: int
    maybe_duplicates: bool


class _Producer(threading.Thread):
    """Runs ``stream.chunks()`` in a thread, handing chunks (and segment markers) to the COPY through a queue."""

    def __init__(self, stream: CopyStream, segmented: bool) -> None:
        super().__init__(name="feed-copy-producer", daemon=True)
        self.stream = stream
        self.segmented = segmented
        self.queue: queue.Queue = queue.Queue(maxsize=_QUEUE_CHUNKS)
        self.stop = threading.Event()

    def _put(self, item: Any) -> bool:
        while not self.stop.is_set():
            try:
                self.queue.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def run(self) -> None:
        stream, since = self.stream, 0
        try:
            for chunk in stream.chunks():
                if chunk and not self._put(chunk):
                    return
                if self.segmented and stream.staged - since >= SEGMENT_ROWS:
                    since = stream.staged
                    if not self._put(_Marker(stream.staged, stream.probe.maybe)):
                        return
            if not self._put(_END):
                return
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread, which re-raises it
            self._put(exc)
            return
        # The probe's count at the end, after the last chunk: while PostgreSQL takes the last rows and compares them
        # with the table. The main thread reads the probe only after join() (``settled``).
        try:
            stream.probe.settle()
        except Exception:  # noqa: BLE001 - e.g. no memory for the sort: the merge then deduplicates exactly
            stream.probe.switch_off()

    def settled(self) -> None:
        """Wait for the end of :meth:`run` (the probe settled): only then may the main thread read the probe."""
        self.join()

    def close(self) -> None:
        self.stop.set()
        while self.is_alive():
            try:
                while True:
                    self.queue.get_nowait()
            except queue.Empty:
                pass
            self.join(timeout=0.2)


class _SegmentReader:
    """``read()`` for ``copy_expert``: the queue's chunks up to the next segment marker or the end."""

    def __init__(self, producer: _Producer) -> None:
        self.producer = producer
        self.marker: _Marker | None = None
        self.ended = False
        self.error: BaseException | None = None

    def read(self, size: int = -1) -> str:
        if self.marker is not None or self.ended:
            return ""
        while True:
            item = self.producer.queue.get()
            if isinstance(item, str):
                return item
            if isinstance(item, _Marker):
                self.marker = item
            elif isinstance(item, BaseException):
                self.error, self.ended = item, True
            else:
                self.ended = True
            return ""

    def readline(self, size: int = -1) -> str:  # pragma: no cover - psycopg2 only calls read()
        return self.read(size)


class _Restart(Exception):
    """A key may repeat across segments already merged: redo the import in one merge."""


@contextmanager
def _local_settings(cursor, **values: str) -> Iterator[None]:
    """Settings for the statements inside the block only (transaction-local), then back to what they were. Not put
    back when the block raises: the caller's transaction (or savepoint) is rolled back then, and those settings with
    it."""
    names = list(values)
    cursor.execute(f"SELECT {', '.join(['current_setting(%s)'] * len(names))}", names)
    before = cursor.fetchone()
    cursor.execute(
        f"SELECT {', '.join(['set_config(%s, %s, true)'] * len(names))}", [x for n in names for x in (n, values[n])]
    )
    yield
    cursor.execute(
        f"SELECT {', '.join(['set_config(%s, %s, true)'] * len(names))}",
        [x for n, value in zip(names, before, strict=True) for x in (n, value)],
    )


def lock_kind(spec: KindSpec) -> None:
    """Serialise the imports of one kind (a transaction-level advisory lock; taking it twice is harmless)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [0xFEED, zlib.crc32(spec.name.encode()) & 0x7FFFFFFF])


def merge_copy(spec: KindSpec, model: type[models.Model], open_stream: Callable[[], CopyStream]) -> MergeOutcome:
    """Import through COPY; ``open_stream`` gives a fresh stream over the file (called again on a restart).

    Imports of the same kind are serialised by a transaction-level advisory lock. Runs inside the caller's
    transaction; ``synchronous_commit = off`` and a larger ``work_mem`` are set for it.
    """
    # The staging table is a real (UNLOGGED) table: only a transaction guarantees that it never outlives the import.
    if not connection.in_atomic_block:
        raise RuntimeError("merge_copy runs inside the import's transaction")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        sql = Statements(spec, model, cursor.fetchone()[0])
        cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute("SET LOCAL work_mem = '256MB'")
        # The merges are a few big joins: compiling them costs more than it saves (and nothing here is repeated).
        cursor.execute("SET LOCAL jit = off")
    lock_kind(spec)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {sql.stage}")
        # The rows numbered by an identity whose sequence hands this backend 100,000 numbers at a time: a `bigserial`
        # (a sequence page locked and written per row) cost the COPY ~0.2 s of its ~0.7 s per 1,000,000 rows.
        cursor.execute(
            f"CREATE UNLOGGED TABLE {sql.stage} "
            f"(seq bigint GENERATED BY DEFAULT AS IDENTITY (CACHE 100000), {sql.stage_columns})"
        )
        # Its ANALYZE is for the planner's sizes (which join, whether in parallel): a sample of 3,000 rows, not 30,000
        # (~0.02 s instead of ~0.1–0.17 s at 1,000,000 rows; the compare's plan and time are the same).
        cursor.execute(f"ALTER TABLE {sql.stage} {sql.statistics_target(10)}")
        key_index = _drop_key_index_if_empty(cursor, sql, model)
        if key_index is not None:
            # An initial load: COPY straight into the (empty, unindexed by key) table, then the key built once.
            outcome = _initial_copy(cursor, sql, open_stream(), key_index)
            cursor.execute(f"DROP TABLE {sql.stage}")
            return outcome
        savepoint = transaction.savepoint_create()
        try:
            stream = open_stream()
            fits = stream.fits_probe()
            if not fits:
                stream.forget_known()  # a repeated key could not be told from a known run's rows: check them all
                # Deduplicated in SQL in any case: the probe is switched off (it would hold up to its cap of key
                # numbers before giving up on a file this size).
                stream.probe.switch_off()
            # Segments merged while the file is read only if the probe can answer at every segment (feeds.probe).
            segmented = stream.probe.early = fits and stream.fits_probe(early=True)
            outcome = _load_and_merge(cursor, sql, stream, segmented=segmented)
            if not fits:
                outcome.timings["one merge (file past the duplicate probe's cap)"] = 1.0
        except _Restart:
            transaction.savepoint_rollback(savepoint)
            cursor.execute(f"TRUNCATE {sql.stage} RESTART IDENTITY")
            stream = open_stream()
            stream.forget_known()
            outcome = _load_and_merge(cursor, sql, stream, segmented=False)
            outcome.timings["restarted"] = 1.0
        else:
            transaction.savepoint_commit(savepoint)
        cursor.execute(f"DROP TABLE {sql.stage}")
    return outcome


def _drop_key_index_if_empty(cursor, sql: Statements, model: type[models.Model]) -> str | None:
    """An initial load (the target table is empty) of a kind whose key is a plain ``UniqueConstraint``: drop it, and
    return the statement that adds it back (run after the merge, in the same transaction). Building the index once
    over the loaded rows costs a third of maintaining it row by row (ADR 0002). ``ALTER TABLE`` takes an exclusive
    lock on the (empty) table until the import commits; if a reader holds the table for more than a second, the
    import does not wait for it and takes the ordinary path instead. None: the ordinary path."""
    q = connection.ops.quote_name
    constraint = next(
        (
            c
            for c in model._meta.constraints
            if isinstance(c, models.UniqueConstraint)
            and tuple(c.fields) == tuple(sql.spec.key)
            and c.condition is None
            and not c.expressions
        ),
        None,
    )
    if constraint is None:
        return None
    cursor.execute(f"SELECT NOT EXISTS (SELECT 1 FROM {sql.table})")
    if not cursor.fetchone()[0]:
        return None
    with _local_settings(cursor, lock_timeout="1s"):
        savepoint = transaction.savepoint_create()
        try:
            cursor.execute(f"ALTER TABLE {sql.table} DROP CONSTRAINT {q(constraint.name)}")
            # Empty still, now that nobody else can write it (rows committed between the first look and the lock)?
            cursor.execute(f"SELECT NOT EXISTS (SELECT 1 FROM {sql.table})")
            empty = cursor.fetchone()[0]
        except DatabaseError:
            empty = False
        if empty:
            transaction.savepoint_commit(savepoint)
        else:
            transaction.savepoint_rollback(savepoint)
    if not empty:
        return None
    columns = ", ".join(q(c) for c in constraint.fields)
    add = [f"ADD CONSTRAINT {q(constraint.name)} UNIQUE ({columns})"]
    # The primary key too (the ids are new, from the identity column): built once afterwards rather than maintained
    # row by row. Kept when it cannot be dropped (a foreign key refers to the table).
    cursor.execute(
        "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'p'", [model._meta.db_table]
    )
    primary = cursor.fetchone()
    if primary is not None:
        savepoint = transaction.savepoint_create()
        try:
            cursor.execute(f"ALTER TABLE {sql.table} DROP CONSTRAINT {q(primary[0])}")
        except DatabaseError:
            transaction.savepoint_rollback(savepoint)
        else:
            transaction.savepoint_commit(savepoint)
            add.insert(0, f"ADD CONSTRAINT {q(primary[0])} PRIMARY KEY ({q(model._meta.pk.column)})")
    # A new (empty) file for the table in this transaction, so that COPY may write the rows frozen (see _initial_copy).
    # The table is empty and exclusively locked; ids are not restarted (CONTINUE IDENTITY: ids are never reused).
    cursor.execute(f"TRUNCATE {sql.table}")
    return f"ALTER TABLE {sql.table} {', '.join(add)}"


def _initial_copy(cursor, sql: Statements, stream: CopyStream, key_index: str) -> MergeOutcome:
    """An initial load: the validated rows COPYed straight into the empty table (its key constraint dropped), no
    staging table and no join; then the key built (``key_index``) and the table analysed. If building the key finds a
    repeated key, the rows a later line repeats are deleted — reported as superseded, as :meth:`Statements.merge`
    would — and the key built again. (The duplicate probe is not consulted: the index build checks exactly, and it
    is built anyway, so the probe is switched off.)"""
    outcome = MergeOutcome()
    clock = time.monotonic()
    stream.probe.switch_off()  # the key build below checks exactly (and costs no Python)
    stream.collect_persons()  # the touched ID numbers: every staged row is new
    producer = _Producer(stream, segmented=False)
    producer.start()
    columns = ", ".join(connection.ops.quote_name(c) for c in stream.columns)
    try:
        reader = _SegmentReader(producer)
        # FREEZE (the table was truncated in this transaction): the rows are written with their hint bits set and
        # the pages marked all-visible, so the first reader (the re-import's join, the grid recompute) does not
        # rewrite every page of the table, and VACUUM has nothing to freeze later.
        cursor.copy_expert(f"COPY {sql.table} ({columns}) FROM STDIN (FORMAT csv, FREEZE)", reader)
        if reader.error is not None:
            raise reader.error
    finally:
        producer.close()
    outcome.read, outcome.staged = stream.read, stream.staged
    outcome.timings["validate+copy into the table"] = time.monotonic() - clock
    clock = time.monotonic()
    cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
    savepoint = transaction.savepoint_create()
    try:
        cursor.execute(key_index)
    except IntegrityError:  # a key repeated in the file: the later line wins
        transaction.savepoint_rollback(savepoint)
        cursor.execute(sql.initial_superseded())
        outcome.superseded = [(stream.line_of(seq), stream.line_of(winner)) for seq, winner in cursor.fetchall()]
        cursor.execute(key_index)
    else:
        transaction.savepoint_commit(savepoint)
    outcome.distinct = outcome.inserted = outcome.staged - len(outcome.superseded)
    outcome.timings["initial load: keys built (repeated keys settled)"] = time.monotonic() - clock
    clock = time.monotonic()
    cursor.execute(f"ANALYZE {sql.table}")  # its statistics still describe an empty table
    outcome.timings["table analysed"] = time.monotonic() - clock
    clock = time.monotonic()
    if stream.persons is not None:  # collected while reading (a superseded row shares its winner's ID number)
        outcome.touched_ids = sorted(stream.persons)
    else:
        cursor.execute(sql.initial_touched())
        touched_value = cursor.fetchone()[0]
        if sql.spec.person_field:
            outcome.touched_ids = sorted(touched_value or ())
        else:
            outcome.first_changed = touched_value
    outcome.timings["touched persons"] = time.monotonic() - clock
    outcome.runs = stream.runs
    return outcome


def _load_and_merge(cursor, sql: Statements, stream: CopyStream, *, segmented: bool) -> MergeOutcome:
    outcome = MergeOutcome()
    touched: set[str] = set()
    first_changed = None
    merged = 0  # staging rows 1..merged are merged
    clock = time.monotonic()
    producer = _Producer(stream, segmented)
    producer.start()
    columns = ", ".join(connection.ops.quote_name(c) for c in stream.columns)
    copy = f"COPY {sql.stage} ({columns}) FROM STDIN (FORMAT csv)"

    def compare(hi: int) -> None:
        """Staged rows merged+1..hi that are new or differ from the stored row into ``sql.changed`` (read-only)."""
        cursor.execute(f"ANALYZE {sql.stage}")
        # The planner overestimates the changed rows (it cannot know most are equal) and so the cost of handing
        # them from the workers to the leader: parallel plans are costed as free for this one statement.
        with _local_settings(cursor, parallel_setup_cost="0", parallel_tuple_cost="0"):
            cursor.execute(sql.compare(), {"lo": merged, "hi": hi})

    def merge(hi: int, deduplicate: bool, compared: bool = False) -> int:
        """Merge staged rows merged+1..hi; ``compared``: :func:`compare` found the changed rows, write them."""
        nonlocal first_changed
        bounds = {"lo": merged, "hi": hi}
        if compared:
            cursor.execute(sql.write(), bounds)
        else:
            cursor.execute(f"ANALYZE {sql.stage}")
            cursor.execute(sql.merge(deduplicate), bounds)
        distinct, inserted, updated, touched_value = cursor.fetchone()
        if compared:
            cursor.execute(f"DROP TABLE {sql.changed}")
        outcome.distinct += distinct
        outcome.inserted += inserted
        outcome.updated += updated
        if sql.spec.person_field:
            touched.update(touched_value or ())
        elif touched_value is not None and (first_changed is None or touched_value < first_changed):
            first_changed = touched_value
        return inserted

    def mostly_new() -> bool:
        """Whether most of a sample of the first staged rows are new keys (an index probe per sampled row)."""
        cursor.execute(sql.known_sample(), {"n": SAMPLE_ROWS})
        known, sampled = cursor.fetchone()
        return known < MOSTLY_NEW * sampled

    mostly_known = None  # whether the staged rows are mostly stored already, once a sample or a merge told
    compared = False
    try:
        while True:
            reader = _SegmentReader(producer)
            cursor.copy_expert(copy, reader)
            if reader.error is not None:
                raise reader.error
            if reader.ended:
                break
            marker = reader.marker
            assert marker is not None
            if marker.maybe_duplicates:
                producer.segmented = False  # deduplicate in the final merge (or restart)
            elif not merged and not mostly_new():
                producer.segmented, mostly_known = False, True  # a re-import: one merge at the end, one pass
            elif producer.segmented:
                inserted = merge(marker.staged, deduplicate=False)
                mostly_known = inserted < MOSTLY_NEW * (marker.staged - merged)
                if mostly_known:
                    producer.segmented = False  # mostly known rows: merge the rest at once
                merged = marker.staged
            if not producer.segmented:
                stream.probe.early = False  # asked once, at the end: the key numbers counted then
        outcome.read, outcome.staged = stream.read, stream.staged
        outcome.timings["validate+copy (+segment merges)"] = time.monotonic() - clock
        clock = time.monotonic()
        if mostly_known is None and stream.staged > merged:
            mostly_known = not mostly_new()
        if mostly_known and stream.staged > merged:
            # Mostly known rows: compared with the table (read-only, in parallel) while the producer settles the
            # duplicate probe; thrown away below if a key may repeat.
            compare(stream.staged)
            compared = True
        producer.settled()
        outcome.timings["compare (the probe settled meanwhile)" if compared else "probe settled"] = (
            time.monotonic() - clock
        )
    finally:
        producer.close()
    clock = time.monotonic()
    if stream.probe.maybe and compared:
        cursor.execute(f"DROP TABLE {sql.changed}")  # the compare assumed no key twice
        compared = False
    if stream.probe.maybe and (merged or stream.skipped):
        # A key may repeat after segments were merged, or across a known run (not staged): redo, all rows staged.
        raise _Restart
    if stream.probe.maybe:
        merge(stream.staged, deduplicate=True)
    else:
        merge(stream.staged, deduplicate=False, compared=compared)
    # The rows of known runs: stored as they are (the table is as the previous import left it), so unchanged.
    outcome.known = stream.skipped
    outcome.staged += stream.skipped
    outcome.distinct += stream.skipped
    outcome.timings["merge"] = time.monotonic() - clock
    outcome.touched_ids = sorted(touched)
    outcome.first_changed = first_changed
    if outcome.staged > outcome.distinct:
        cursor.execute(sql.superseded())
        outcome.superseded = [(stream.line_of(seq), stream.line_of(winner)) for seq, winner in cursor.fetchall()]
    outcome.runs = stream.runs
    return outcome
