"""Writing validated feed rows: PostgreSQL COPY + one set-based merge, or a portable chunked ORM path.

The portable path takes an iterator of ``(line, clean_tuple)`` (clean tuples in ``KindSpec.columns`` order, the
key columns first), the COPY path a :class:`feeds.staging.CopyStream` over the same file and validator; both
return the same :class:`MergeOutcome` for the same file. Duplicate keys: the row on the later line
wins, the earlier ones are reported as superseded. Rows whose values equal the stored ones are left untouched
(no write at all), so importing a file twice changes nothing. Callers run them inside a transaction.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import connection, models
from django.utils import timezone

from feeds.rows import KindSpec
from feeds.staging import CopyStream

Rows = Iterable[tuple[int, tuple]]

PORTABLE_CHUNK = 500


@dataclass
class MergeOutcome:
    staged: int = 0  # valid rows received
    distinct: int = 0  # distinct keys among them
    inserted: int = 0
    updated: int = 0
    superseded: list[tuple[int, int]] = field(default_factory=list)  # (line, line of the row that won)
    touched_ids: list[str] = field(default_factory=list)  # person ID numbers of inserted/updated rows
    first_changed: date | None = None  # min_wages: earliest effective_from among inserted/updated rows
    timings: dict[str, float] = field(default_factory=dict)  # seconds per phase, for the benchmark

    @property
    def unchanged(self) -> int:
        return self.distinct - self.inserted - self.updated


def _has_imported_at(model: type[models.Model]) -> bool:
    return any(f.name == "imported_at" for f in model._meta.concrete_fields)


def _first_changed_field(spec: KindSpec) -> str | None:
    return "effective_from" if spec.name == "min_wages" else None


# --- PostgreSQL ------------------------------------------------------------------------------------------------------


class _ChunkReader:
    """A read()-able view of an iterator of str chunks, for ``cursor.copy_expert``.

    psycopg2 would wrap an exception raised inside ``read()`` into a database error; instead the COPY is ended and
    the original exception (e.g. a FeedFileError found deep in the file) is kept for the caller to re-raise.
    """

    def __init__(self, chunks: Iterator[str]) -> None:
        self._chunks = chunks
        self.error: BaseException | None = None

    def read(self, size: int = -1) -> str:
        try:
            return next(self._chunks, "")
        except Exception as exc:  # noqa: BLE001 - re-raised by merge_copy after the COPY
            self.error = exc
            return ""

    def readline(self, size: int = -1) -> str:  # pragma: no cover - psycopg2 only calls read()
        return self.read(size)


def merge_copy(spec: KindSpec, model: type[models.Model], stream: CopyStream) -> MergeOutcome:
    """COPY the rows into a temporary staging table, then one statement merges and counts.

    The merge compares first and writes only new or changed rows, so a re-import neither writes nor locks the
    unchanged ones. Imports of the same kind are serialised by a transaction-level advisory lock.
    """
    outcome = MergeOutcome()
    table = connection.ops.quote_name(model._meta.db_table)
    stage = f"feed_stage_{spec.name}"
    fields = {f.name: f for f in model._meta.concrete_fields}
    columns = spec.columns
    key, values = spec.key, spec.values
    q = connection.ops.quote_name
    # "C" collation: byte-wise comparisons for the sort that deduplicates (the values are ASCII identifiers or
    # plain text compared for equality only, so the result does not depend on it).
    stage_columns = ", ".join(
        f"{q(c)} {fields[c].db_type(connection)}" + (' COLLATE "C"' if isinstance(fields[c], models.CharField) else "")
        for c in columns
    )
    stamp = _has_imported_at(model)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [0xFEED, zlib.crc32(spec.name.encode()) & 0x7FFFFFFF])
        cursor.execute(f"DROP TABLE IF EXISTS {stage}")
        cursor.execute(f"CREATE TEMPORARY TABLE {stage} (seq bigserial, {stage_columns}) ON COMMIT DROP")
        clock = time.monotonic()
        reader = _ChunkReader(stream.chunks())
        copy_columns = ", ".join(q(c) for c in stream.columns)
        cursor.copy_expert(f"COPY {stage} ({copy_columns}) FROM STDIN WITH (FORMAT csv)", reader)
        if reader.error is not None:
            raise reader.error
        outcome.staged = stream.staged
        probe = stream.probe
        cursor.execute(f"ANALYZE {stage}")
        outcome.timings["validate+copy"] = time.monotonic() - clock
        clock = time.monotonic()

        key_list = ", ".join(q(c) for c in key)
        all_list = ", ".join(q(c) for c in columns)
        join_on = " AND ".join(f"t.{q(c)} = s.{q(c)}" for c in key)
        target_values = ", ".join(f"t.{q(c)}" for c in values)
        source_values = ", ".join(f"s.{q(c)}" for c in values)
        differs = f"ROW({target_values}) IS DISTINCT FROM ROW({source_values})"
        set_list = ", ".join(f"{q(c)} = c.{q(c)}" for c in values) + (", imported_at = now()" if stamp else "")
        insert_columns = all_list + (", imported_at" if stamp else "")
        insert_values = all_list + (", now()" if stamp else "")
        if spec.person_field:
            # DISTINCT in a subquery may hash; array_agg(DISTINCT …) always sorts.
            touched = f"(SELECT array_agg(p) FROM (SELECT DISTINCT {q(spec.person_field)} AS p FROM chg) d)"
        elif first_field := _first_changed_field(spec):
            touched = f"(SELECT min({q(first_field)}) FROM chg)"
        else:
            touched = "NULL"
        if probe.maybe:  # the later line wins
            source = (
                f"MATERIALIZED (SELECT DISTINCT ON ({key_list}) {all_list} FROM {stage} ORDER BY {key_list}, seq DESC)"
            )
            distinct = "(SELECT count(*) FROM src)"
        else:  # no key twice: the staging table as it is (inlined)
            source, distinct = f"NOT MATERIALIZED (SELECT {all_list} FROM {stage})", str(int(outcome.staged))
        cursor.execute(
            f"""
            WITH src AS {source},
            chg AS MATERIALIZED (
                SELECT s.*, t.id AS feed_target_id
                FROM src s LEFT JOIN {table} t ON {join_on}
                WHERE t.id IS NULL OR {differs}
            ),
            upd AS (
                UPDATE {table} t SET {set_list} FROM chg c
                WHERE c.feed_target_id IS NOT NULL AND t.id = c.feed_target_id
                RETURNING 1
            ),
            ins AS (
                INSERT INTO {table} ({insert_columns})
                SELECT {insert_values} FROM chg WHERE feed_target_id IS NULL
                RETURNING 1
            )
            SELECT {distinct}, (SELECT count(*) FROM ins), (SELECT count(*) FROM upd), {touched}
            """
        )
        outcome.distinct, outcome.inserted, outcome.updated, touched_value = cursor.fetchone()
        outcome.timings["merge"] = time.monotonic() - clock
        if spec.person_field:
            outcome.touched_ids = sorted(touched_value or [])
        else:
            outcome.first_changed = touched_value
        if outcome.staged > outcome.distinct:
            cursor.execute(
                f"""
                SELECT seq, winner FROM (
                    SELECT seq, first_value(seq) OVER w AS winner, row_number() OVER w AS rn FROM {stage}
                    WINDOW w AS (PARTITION BY {key_list} ORDER BY seq DESC)
                ) x WHERE rn > 1 ORDER BY seq
                """
            )
            outcome.superseded = [(stream.line_of(seq), stream.line_of(winner)) for seq, winner in cursor.fetchall()]
        cursor.execute(f"DROP TABLE {stage}")
    return outcome


# --- portable ------------------------------------------------------------------------------------------------------


def _normalise(value: object) -> object:
    if isinstance(value, Decimal):
        return value.quantize(Decimal("0.01"))
    return value


def merge_portable(spec: KindSpec, model: type[models.Model], rows: Rows) -> MergeOutcome:
    """Chunked ORM upsert for SQLite (and any database): compare against stored rows fetched a chunk at a time,
    then ``bulk_create`` the new rows and ``bulk_update`` the changed ones. Holds the file's distinct keys in
    memory, which is fine at the sizes SQLite is used for."""
    outcome = MergeOutcome()
    n_key = len(spec.key)
    latest: dict[tuple, tuple[int, tuple]] = {}
    superseded: list[tuple[int, tuple]] = []
    for line, clean in rows:
        outcome.staged += 1
        k = clean[:n_key]
        previous = latest.get(k)
        if previous is not None:
            superseded.append((previous[0], k))
        latest[k] = (line, clean)
    # Every superseded row points at the row that finally won, as on PostgreSQL.
    outcome.superseded = sorted((line, latest[k][0]) for line, k in superseded)
    outcome.distinct = len(latest)

    columns, values = spec.columns, spec.values
    stamp = _has_imported_at(model)
    now = timezone.now()
    touched: set[str] = set()
    first_changed: date | None = None
    person_index = columns.index(spec.person_field) if spec.person_field else None
    first_field = _first_changed_field(spec)
    first_index = columns.index(first_field) if first_field else None
    items = list(latest.values())
    for start in range(0, len(items), PORTABLE_CHUNK):
        chunk = items[start : start + PORTABLE_CHUNK]
        lead = {clean[0] for _, clean in chunk}
        stored = {
            tuple(getattr(obj, c) for c in spec.key): obj
            for obj in model.objects.filter(**{f"{spec.key[0]}__in": lead}).only(*columns)
        }
        creates, updates = [], []
        for _, clean in chunk:
            obj = stored.get(clean[:n_key])
            if obj is None:
                creates.append(model(**dict(zip(columns, clean, strict=True))))
            elif tuple(_normalise(getattr(obj, c)) for c in values) != tuple(_normalise(v) for v in clean[n_key:]):
                for column, value in zip(values, clean[n_key:], strict=True):
                    setattr(obj, column, value)
                if stamp:
                    obj.imported_at = now
                updates.append(obj)
            else:
                continue
            if person_index is not None:
                touched.add(clean[person_index])
            if first_index is not None and (first_changed is None or clean[first_index] < first_changed):
                first_changed = clean[first_index]
        if creates:
            model.objects.bulk_create(creates, batch_size=PORTABLE_CHUNK)
        if updates:
            model.objects.bulk_update(
                updates, [*values, *(["imported_at"] if stamp else [])], batch_size=PORTABLE_CHUNK
            )
        outcome.inserted += len(creates)
        outcome.updated += len(updates)
    outcome.touched_ids = sorted(touched)
    outcome.first_changed = first_changed
    return outcome
