"""Importing feed files (feeds.md). ``import_feed`` and the demo loader both call :func:`feed_import`."""

from __future__ import annotations

import contextlib
import csv
import os
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.db import connection, models, transaction
from django.utils import timezone

from core.actors import Actor
from core.audit import record
from core.models import EmploymentRatio, MinimumWage, Region, SocialAverageWage
from feeds.import_log import (
    SAME_FILE,
    copy_rejections,
    file_digest,
    previous_runs,
    rejected_rows,
    same_file_as_last,
    store_changed_persons,
    store_rejections,
    table_mark,
)
from feeds.merge import MergeOutcome, merge_portable
from feeds.merge_pg import lock_kind, merge_copy
from feeds.models import (
    REJECTIONS_CAP,
    Certificate,
    FeedChangedPerson,
    FeedImport,
    MedicalContribution,
    PensionContribution,
    RegistryPerson,
    WageRecord,
)
from feeds.parsing import Bounds, RegionIndex
from feeds.quality import SUPERSEDED, reason_group, top_groups
from feeds.reader import FeedFile, FeedFileError, open_feed
from feeds.rows import KINDS, MONTHLY_KINDS, make_row_validator
from feeds.staging import CopyStream, KnownRuns

KIND_MODELS: dict[str, type[models.Model]] = {
    "persons": RegistryPerson,
    "certificates": Certificate,
    "pension": PensionContribution,
    "medical": MedicalContribution,
    "wages": WageRecord,
    "min_wages": MinimumWage,
    "social_avg_wages": SocialAverageWage,
    "ratios": EmploymentRatio,
}
REGION_KINDS = {"persons", "min_wages", "social_avg_wages", "ratios"}
SAMPLE_REJECTS = 20
RECOMPUTE_CHUNK = 5000

__all__ = ["KIND_MODELS", "FeedFileError", "ImportResult", "RecomputeRequest", "feed_import", "recompute_requests"]


@dataclass(frozen=True, slots=True)
class RecomputeRequest:
    """One grid recomputation a feed import calls for: the placements of ``id_numbers`` (None: every person) in
    ``year`` (None: every year with an open grid). The placements app records them in its durable queue
    (``placements.grid.pending``, ADR 0017) through ``feed_import``'s ``record_recompute``."""

    id_numbers: list[str] | None
    year: int | None

    def as_kwargs(self) -> dict:
        return {"id_numbers": self.id_numbers, "year": self.year}


@dataclass
class ImportResult:
    kind: str
    method: str
    dry_run: bool
    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    superseded: int = 0
    warnings: list[str] = field(default_factory=list)
    samples: list[tuple[int, str]] = field(default_factory=list)  # the first rejections, for the console
    reasons: dict[str, int] = field(default_factory=dict)  # rejections by reason group (feeds.quality)
    touched_persons: int = 0
    known: int = 0  # rows of runs known from the previous import, not checked or staged again (counted unchanged)
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    recompute: list[RecomputeRequest] = field(default_factory=list)  # what the new facts call for (a real import)
    recompute_recorded: int | None = None  # rows ``record_recompute`` wrote in the import's transaction (None: none)
    log_id: int | None = None  # the FeedImport written (None: a dry run)

    @property
    def summary(self) -> str:
        """The last line of ``import_feed``'s output (feeds.md)."""
        return (
            f"{self.kind}: {self.read} read, {self.inserted} inserted, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.rejected} rejected"
        )


class _Rejects:
    """Rejected rows in file order: counted, the first few kept for the console, all spooled for the report."""

    def __init__(self, keep_all: bool) -> None:
        self.count = 0
        self.samples: list[tuple[int, str]] = []
        self.groups: Counter[str] = Counter()  # reason groups (feeds.quality) for the import log
        self._spool = tempfile.TemporaryFile("w+", encoding="utf-8", newline="") if keep_all else None  # noqa: SIM115
        self._writer = csv.writer(self._spool) if self._spool else None

    def reset(self) -> None:
        """Forget everything (the COPY path may read the file a second time)."""
        self.count = 0
        self.samples.clear()
        self.groups.clear()
        if self._spool is not None:
            self._spool.seek(0)
            self._spool.truncate()

    def add(self, line: int, reason: str, fields: list[str]) -> None:
        self.count += 1
        self.groups[reason_group(reason)] += 1
        if len(self.samples) < SAMPLE_REJECTS:
            self.samples.append((line, reason))
        if self._writer is not None:
            self._writer.writerow([line, reason, *fields])

    def spooled(self) -> Iterator[list]:
        if self._spool is None:
            return
        self._spool.seek(0)
        for row in csv.reader(self._spool):
            yield [int(row[0]), *row[1:]]

    def close(self) -> None:
        if self._spool is not None:
            self._spool.close()


def _validated(feed: FeedFile, validate, result: ImportResult, rejects: _Rejects) -> Iterator[tuple[int, tuple]]:
    """The valid rows of the file as ``(line, clean)``; everything else goes to ``rejects``."""
    width = feed.width
    read = 0
    reject = rejects.add
    try:
        for line, fields, error in feed.records():
            read += 1
            if error is not None:
                reject(line, error, fields)
            elif len(fields) != width:
                reject(line, f"字段数为{len(fields)}，与表头的{width}列不一致", fields)
            else:
                clean = validate(fields)
                if clean.__class__ is str:
                    reject(line, clean, fields)
                else:
                    yield line, clean
    finally:
        result.read = read


def _known_regions(kind: str) -> RegionIndex | None:
    if kind not in REGION_KINDS:
        return None
    return RegionIndex.from_stdnum(Region.objects.values_list("code", flat=True))


def _write_report(report_path: Path, feed: FeedFile, rejects: _Rejects, superseded: list[tuple[int, int]]) -> None:
    """line, reason, then the row's original fields; rejected and superseded rows merged in line order."""
    rows = rejected_rows(rejects.spooled(), superseded, feed.raw_lines, None)
    tmp = report_path.with_name(report_path.name + ".part")
    with tmp.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["line", "reason", *feed.header])
        writer.writerows([line, reason, *fields] for line, reason, _group, fields in rows)
    os.replace(tmp, report_path)


def feed_import(
    *,
    kind: str,
    path: str | os.PathLike,
    dry_run: bool = False,
    report_path: str | os.PathLike | None = None,
    by: Actor | str | None = None,
    method: str = "auto",
    today: date | None = None,
    record_recompute: Callable[[list[RecomputeRequest]], int] | None = None,
    mark_placed: Callable[[models.QuerySet[FeedChangedPerson]], object] | None = None,
) -> ImportResult:
    """Validate ``path`` as a feed of ``kind`` and upsert its valid rows; see feeds.md.

    ``method``: ``auto`` (COPY on PostgreSQL, portable elsewhere), ``copy`` or ``portable``. The whole import is one
    transaction: a file-level problem (:class:`FeedFileError`) found anywhere in the file rolls everything back.
    ``dry_run`` runs the same code and rolls back. After a real import, ``result.recompute`` says which month grids
    the new facts may change. ``record_recompute`` (the placements app's durable queue, ADR 0017: this app may not
    import it, ADR 0010) is called with them **inside the import's transaction**, last, so the need for a recompute
    commits with the data that causes it or not at all; it returns the number of rows it recorded.
    ``mark_placed`` (the placements app, same rule) is given this import's stored changed persons
    (:class:`FeedChangedPerson`) to fill in their ``placement_id``, also inside the transaction.
    A file identical to the one the latest import of its kind read, into a table unchanged since, is not merged
    again (``method`` ``same-file``; see :mod:`feeds.import_log`). ``by``: the user or a label for the audit trail.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown feed kind: {kind}")
    spec, model = KINDS[kind], KIND_MODELS[kind]
    if method == "auto":
        method = "copy" if connection.vendor == "postgresql" else "portable"
    if method == "copy" and connection.vendor != "postgresql":
        raise ValueError("the COPY path needs PostgreSQL")
    today = today or timezone.localdate()
    started, started_at = time.monotonic(), timezone.now()
    result = ImportResult(kind=kind, method=method, dry_run=dry_run)
    rejects = _Rejects(keep_all=True)  # spooled: the report, and the rows the import log keeps
    bounds = Bounds.for_today(today)
    digest = "" if dry_run else file_digest(path, kind=kind, bounds=bounds)
    result.timings["digest"] = time.monotonic() - started
    try:
        with open_feed(path, spec) as feed:
            result.warnings = list(feed.warnings)
            validate = make_row_validator(kind, feed.positions, bounds=bounds, regions=_known_regions(kind))
            with transaction.atomic():
                if method == "copy":
                    lock_kind(spec)
                mark_before = table_mark(model)  # under the lock: what the previous import left, if nothing else wrote
                # Region-dependent kinds are small and validated against the Region table: never skipped.
                same = None if report_path or kind in REGION_KINDS else same_file_as_last(kind, digest, mark_before)
                if same is not None:
                    _same_file(result, same, feed, by, started_at, digest, mark_before)
                    result.seconds = time.monotonic() - started
                    return result
                if method == "copy":
                    # Runs of lines the latest imports checked and stored, while the table is as they left them: not
                    # checked or staged again. A dry run or a report reads and checks the whole file (feeds.md).
                    trusted = not (dry_run or report_path) and kind in MONTHLY_KINDS
                    known = previous_runs(kind, mark_before) if trusted else []
                    with contextlib.ExitStack() as reopened:
                        streams = 0

                        def open_stream() -> CopyStream:
                            # The first stream reads the open file; a restart (see merge_pg) reads it again.
                            nonlocal streams
                            rejects.reset()
                            source = feed if streams == 0 else reopened.enter_context(open_feed(path, spec))
                            streams += 1
                            # the kind's columns decide the stored rows; the ones the import ignores do not
                            runs = KnownRuns(kind, feed.kind_columns, bounds, known)
                            return CopyStream(source, spec, validate, rejects.add, bounds, runs)

                        outcome = merge_copy(spec, model, open_stream)
                    result.read = outcome.read
                else:
                    outcome = merge_portable(spec, model, _validated(feed, validate, result, rejects))
                _fill(result, outcome, rejects)
                if dry_run:
                    transaction.set_rollback(True)
                else:
                    clock = time.monotonic()
                    # A file with a repeated key leaves no runs: a run's row may have lost to a later line.
                    runs = outcome.runs.pack() if outcome.runs is not None and not outcome.superseded else b""
                    entry = _log(
                        result, feed, by, started_at, digest=digest, marks=(mark_before, table_mark(model)), runs=runs
                    )
                    rows = rejected_rows(rejects.spooled(), outcome.superseded, feed.raw_lines, REJECTIONS_CAP)
                    entry.rejections_stored = store_rejections(entry, rows)
                    entry.persons_stored = store_changed_persons(entry, outcome.touched_ids)
                    entry.save(update_fields=["rejections_stored", "persons_stored"])
                    if mark_placed is not None and entry.persons_stored:
                        mark_placed(FeedChangedPerson.objects.filter(feed_import=entry))
                    result.log_id = entry.pk
                    result.timings["import log"] = time.monotonic() - clock
                    result.recompute = recompute_requests(kind=kind, outcome=outcome, today=today)
                    if record_recompute is not None:
                        clock = time.monotonic()
                        result.recompute_recorded = record_recompute(result.recompute)
                        result.timings["record_recompute"] = time.monotonic() - clock
                    clock = time.monotonic()
            if not dry_run:
                result.timings["commit"] = time.monotonic() - clock
            if report_path is not None:
                _write_report(Path(report_path), feed, rejects, outcome.superseded)
    finally:
        rejects.close()
    result.seconds = time.monotonic() - started
    return result


def _same_file(
    result: ImportResult, last: FeedImport, feed: FeedFile, by, started_at, digest: str, mark_before: int | None
) -> None:
    """The file is the one the latest import of its kind read, and the table is as that import left it: log an
    import that changed nothing, with the previous one's counts and rejected rows (see feeds.import_log)."""
    result.method = SAME_FILE
    result.read, result.rejected = last.rows_read, last.rows_rejected
    result.unchanged = last.rows_inserted + last.rows_updated + last.rows_unchanged
    result.reasons = last.reason_groups
    result.samples = [
        (r.line, r.reason) for r in last.rejections.order_by("line").only("line", "reason")[:SAMPLE_REJECTS]
    ]
    marks = (mark_before, last.table_mark)  # equal: the table is as the last import left it
    entry = _log(result, feed, by, started_at, digest=digest, marks=marks, runs=bytes(last.known_runs))
    entry.rejections_stored = copy_rejections(last, entry)
    entry.save(update_fields=["rejections_stored"])
    result.log_id = entry.pk


def _fill(result: ImportResult, outcome: MergeOutcome, rejects: _Rejects) -> None:
    result.inserted, result.updated, result.unchanged = outcome.inserted, outcome.updated, outcome.unchanged
    result.superseded = len(outcome.superseded)
    result.rejected = rejects.count + result.superseded
    groups = Counter(rejects.groups)
    if result.superseded:
        groups[SUPERSEDED] += result.superseded
    result.reasons = top_groups(groups)
    result.samples = sorted(
        [*rejects.samples, *((line, f"被第{winner}行（相同主键）覆盖") for line, winner in outcome.superseded)]
    )[:SAMPLE_REJECTS]
    result.touched_persons = len(outcome.touched_ids)
    result.known = outcome.known
    result.timings = dict(outcome.timings)


def _log(
    result: ImportResult,
    feed: FeedFile,
    by: Actor | str | None,
    started_at,
    *,
    digest: str,
    marks: tuple[int | None, int | None],
    runs: bytes = b"",
) -> FeedImport:
    """The import's log entry (and its audit event). ``marks``: the table's highest id before and after it."""
    user = by if getattr(by, "is_authenticated", False) else None
    entry = FeedImport.objects.create(
        kind=result.kind,
        file_name=feed.path.name[:255],
        method=result.method,
        started_at=started_at,
        finished_at=timezone.now(),
        rows_read=result.read,
        rows_inserted=result.inserted,
        rows_updated=result.updated,
        rows_unchanged=result.unchanged,
        rows_rejected=result.rejected,
        rejection_reasons=result.reasons,
        header=list(feed.header),
        digest=digest,
        table_mark_before=marks[0],
        table_mark=marks[1],
        persons_changed=result.touched_persons,
        known_runs=runs,
        by=user,
        by_label=(user.get_username() if user else str(by or "系统"))[:150],
    )
    record(actor=by, action="feeds.import", obj=entry, changes={"summary": result.summary})
    return entry


def recompute_requests(*, kind: str, outcome: MergeOutcome, today: date) -> list[RecomputeRequest]:
    """The grid recomputations an import calls for (the caller queues them; see :class:`RecomputeRequest`).

    Person feeds: the touched ID numbers, in chunks (the task arguments stay small enough for the database
    queue). ``min_wages``: any person may be affected, so ``id_numbers=None`` ("every placement") for each year
    from the earliest changed ``effective_from`` on — or ``year=None`` (every open year) when that reaches back
    more than three years. ``social_avg_wages`` and ``ratios`` feed the levy, which reads them live: nothing to do.
    """
    if KINDS[kind].person_field:
        ids = outcome.touched_ids
        return [
            RecomputeRequest(ids[start : start + RECOMPUTE_CHUNK], None)
            for start in range(0, len(ids), RECOMPUTE_CHUNK)
        ]
    if kind == "min_wages" and outcome.first_changed is not None:
        first_year = outcome.first_changed.year
        years = [None] if today.year - first_year > 3 else list(range(first_year, today.year + 1))
        return [RecomputeRequest(None, year) for year in years]
    return []
