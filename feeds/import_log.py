"""The import log (数据导入记录, issue 15): one ``FeedImport`` per written import, with the rejected rows and the
persons whose facts changed (both bounded), and the same-file shortcut (a file imported again unchanged).

- **Rejected rows** (:class:`~feeds.models.FeedRejection`): line, reason, reason group and the row's original fields,
  the first :data:`~feeds.models.REJECTIONS_CAP` of them in line order (rows superseded by a later line with the same
  key included); ``rows_rejected`` keeps the full count, ``rejections_stored`` how many were kept.
- **Changed persons** (:class:`~feeds.models.FeedChangedPerson`): the ID numbers of the inserted or updated rows (the
  merge's result), the first :data:`~feeds.models.CHANGED_PERSONS_CAP` in ID order; ``persons_changed`` is the count.
  On PostgreSQL they are written with one ``COPY``, elsewhere with ``bulk_create``.
- **Same file again**: the log keeps the file's SHA-256 (with the kind and the accepted date range, which decide what
  is rejected) and the target table's highest ``id`` after the import. When the latest import of a kind has the same
  digest and the table's highest ``id`` is still the one recorded, nothing can have changed since (the fact tables
  are written only by imports, which are logged, and a re-import never deletes), so the merge is skipped: the new
  log says 0 inserted, 0 updated, everything unchanged, and carries the previous import's rejections.
- **Runs of lines known** (COPY path, monthly kinds): under the same rule, the runs of lines of the latest
  imports (``known_runs``: their digests and which of their rows went through the row validator) are not checked or
  staged again (see :class:`feeds.staging.KnownRuns`); an older import's run only if no import since changed the
  facts of a person in it (the later imports' changed persons).
"""

from __future__ import annotations

import hashlib
import heapq
import io
import os
from collections.abc import Iterable, Iterator
from itertools import islice

from django.db import connection, models
from django.db.models import Max

from feeds.models import CHANGED_PERSONS_CAP, REJECTIONS_CAP, FeedChangedPerson, FeedImport, FeedRejection
from feeds.parsing import Bounds
from feeds.quality import SUPERSEDED, reason_group

SAME_FILE = "same-file"  # FeedImport.method of an import skipped because the file was imported just before
RUNS_CHAIN = 6  # the latest imports of a kind whose runs of lines the next import may recognise
RUNS_CHAIN_PERSONS = 300_000  # changed persons held, at most, to check the older imports' runs against
_BATCH = 2000

# (line, reason, reason group, original fields)
RejectedRow = tuple[int, str, str, list[str]]


def file_digest(path: str | os.PathLike, *, kind: str, bounds: Bounds) -> str:
    """SHA-256 of the kind, the accepted range and the file's bytes (``hashlib.file_digest`` releases the GIL)."""
    with open(path, "rb") as f:
        content = hashlib.file_digest(f, "sha256").hexdigest()
    context = f"{kind}|{bounds.first_year}|{bounds.last_year}|{content}"
    return hashlib.sha256(context.encode()).hexdigest()


def table_mark(model: type[models.Model]) -> int | None:
    """The table's highest ``id`` (an index lookup), or None when it is empty."""
    return model.objects.aggregate(mark=Max("id"))["mark"]


def _latest(kind: str) -> models.QuerySet[FeedImport]:
    """The imports of ``kind``, the latest written first. By id, not by start time: the imports of a kind are
    serialised by a lock (feeds.merge_pg.lock_kind) taken after they start, and each creates its log under it, so the
    highest id is the last one to have written the table even when a later-started import got the lock first."""
    return FeedImport.objects.filter(kind=kind).order_by("-id")


def same_file_as_last(kind: str, digest: str, mark: int | None) -> FeedImport | None:
    """The latest import of ``kind`` when it read the very same file and the table is as that import left it
    (``mark``: the table's :func:`table_mark` now)."""
    if not digest:
        return None
    last = _latest(kind).first()
    if last is None or last.digest != digest or last.table_mark is None:
        return None
    return last if mark == last.table_mark else None


def previous_runs(kind: str, mark: int | None) -> list[tuple[bytes, frozenset[str] | None]]:
    """The runs of lines (``FeedImport.known_runs``, see :class:`feeds.staging.KnownRuns`) of the latest
    :data:`RUNS_CHAIN` imports of ``kind``, the latest first, each with the ID numbers whose facts the imports after it
    changed (None: no import since). Nothing while the table is not as the latest import left it (``mark``: its
    :func:`table_mark` now; the rule of :func:`same_file_as_last`). An older import's run is trusted only if none of
    its ID numbers is among those (``KnownRuns`` checks). The chain goes back only while each import found the table
    as the one before it left it (``table_mark_before``: nothing else wrote in between, and it was not emptied — an
    initial load ends the chain), and not past an import whose changed persons were not all stored
    (``CHANGED_PERSONS_CAP``) or once :data:`RUNS_CHAIN_PERSONS` changed persons are held."""
    fields = ("table_mark", "table_mark_before", "known_runs", "persons_changed", "persons_stored")
    latest = list(_latest(kind).only(*fields)[:RUNS_CHAIN])
    if not latest or latest[0].table_mark is None or mark != latest[0].table_mark:
        return []
    chain: list[tuple[bytes, frozenset[str] | None]] = []
    changed: set[str] = set()
    for entry, before in zip(latest, [*latest[1:], None], strict=True):
        if entry.known_runs:
            chain.append((bytes(entry.known_runs), frozenset(changed) if changed else None))
        if before is None or entry.table_mark_before is None or entry.table_mark_before != before.table_mark:
            break  # no import before it, or the table was empty, or something else wrote the table in between
        if entry.persons_stored < entry.persons_changed or len(changed) + entry.persons_stored > RUNS_CHAIN_PERSONS:
            break  # the runs before it could not be checked against all it changed
        if entry.persons_stored:
            changed.update(entry.changed_persons.values_list("id_number", flat=True))
    return chain


def store_rejections(entry: FeedImport, rows: Iterable[RejectedRow]) -> int:
    """The first REJECTIONS_CAP rejected rows (in line order) of ``entry``; returns how many were stored."""
    stored = 0
    chunks = iter(lambda: list(islice(rows, _BATCH)), [])
    for chunk in chunks:
        chunk = chunk[: REJECTIONS_CAP - stored]
        FeedRejection.objects.bulk_create(
            [
                FeedRejection(
                    feed_import=entry,
                    line=line,
                    reason=reason,
                    group=group,
                    fields=list(fields),
                )
                for line, reason, group, fields in chunk
            ]
        )
        stored += len(chunk)
        if stored >= REJECTIONS_CAP:
            break
    return stored


def copy_rejections(source: FeedImport, entry: FeedImport) -> int:
    """The stored rejected rows of ``source`` again under ``entry`` (one ``INSERT … SELECT``)."""
    q = connection.ops.quote_name
    table = q(FeedRejection._meta.db_table)
    columns = ", ".join(q(c) for c in ("line", "reason", "group", "fields"))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (feed_import_id, {columns}) SELECT %s, {columns} FROM {table} "
            "WHERE feed_import_id = %s ORDER BY line",
            [entry.pk, source.pk],
        )
        return cursor.rowcount


def store_changed_persons(entry: FeedImport, id_numbers: list[str]) -> int:
    """The first CHANGED_PERSONS_CAP of the (sorted, distinct) ``id_numbers``; returns how many were stored."""
    kept = id_numbers[:CHANGED_PERSONS_CAP]
    if not kept:
        return 0
    if connection.vendor == "postgresql":
        q = connection.ops.quote_name
        text = "".join(f"{entry.pk}\t{number}\n" for number in kept)
        with connection.cursor() as cursor:
            cursor.copy_expert(
                f"COPY {q(FeedChangedPerson._meta.db_table)} (feed_import_id, id_number) FROM STDIN",
                io.StringIO(text),
            )
    else:
        FeedChangedPerson.objects.bulk_create(
            (FeedChangedPerson(feed_import=entry, id_number=number) for number in kept), batch_size=_BATCH
        )
    return len(kept)


def rejected_rows(
    spooled: Iterable[list], superseded: list[tuple[int, int]], raw_lines, limit: int | None
) -> Iterator[RejectedRow]:
    """Rejected and superseded rows merged in line order, at most ``limit``. ``spooled``: ``[line, reason,
    *fields]`` in line order; ``superseded``: (line, winner) in line order; ``raw_lines(set_of_lines)``: the original
    fields of those lines (a second read of the file, only when there are superseded rows)."""
    wanted = superseded if limit is None else superseded[:limit]
    raw = raw_lines({line for line, _ in wanted}) if wanted else {}
    rows = heapq.merge(
        ((row[0], row[1], reason_group(row[1]), row[2:]) for row in spooled),
        ((line, f"被第{winner}行（相同主键）覆盖", SUPERSEDED, raw.get(line, [])) for line, winner in wanted),
        key=lambda row: row[0],
    )
    return rows if limit is None else islice(rows, limit)
