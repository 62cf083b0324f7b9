"""发送税务部门: the batch export of queued TaxRecords for one 税务主管部门 (domain.md §7, §10).

A batch is an id range of the authority's records (``ExportBatch.first_id … last_id``, cancelled ones left out), so a
new batch writes no row of the queue. In ONE transaction: lock the queue (PostgreSQL ``SHARE ROW EXCLUSIVE``: waits
for every transaction that is inserting or cancelling a record, and keeps new ones out until the batch is
committed, so the range is complete and nothing in it changes later), create the ExportBatch, apply the SEND
transition to the declarations of its results (two set-based UPDATEs, targets taken from the pure table), write
the file to a temporary name and rename it into place as the last step. Any error rolls everything back and
removes the temporary file: no half-marked batch, no half-written file.

Lock order, to stay free of deadlocks: the queue lock comes first (the export; ``queue_lock`` at the start of
``withdrawal_approve``), row locks of declarations after it.

A re-export (``batch_number``) reads the frozen rows of that batch in id order and writes the identical file; it
changes nothing in the database.
"""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Max, Q
from django.utils import timezone

from core import audit
from core.errors import DomainError
from declarations import taxfile
from declarations.constants import RecordType
from declarations.models import Declaration, ExportBatch, TaxRecord
from declarations.transitions import DECLARED, SENT, WITHDRAWING, Event, State, apply
from employers.services import declaration_states_send

ROW_FIELDS = taxfile.HEADER  # the file's columns are TaxRecord's fields of the same names
CHUNK = 5000


class ExportError(DomainError):
    """The export cannot run (Chinese message for the operator)."""


class _NothingQueued(Exception):
    pass


@dataclass(frozen=True)
class ExportResult:
    authority: str
    batch_number: int | None
    path: Path | None
    rows: int
    declarations: int = 0
    withdrawals: int = 0
    sent: int = 0
    sha256: str = ""
    reexport: bool = False


def write_failed(error: OSError, path: Path, number: int | None) -> ExportError:
    """The operator's message for a file that could not be written (a full disk above all; the export folder
    missing its permissions, read-only). The transaction is rolled back by then: nothing is marked, no file."""
    what = f"第 {number} 批" if number else "新批次"
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        reason = "导出目录所在磁盘空间不足"
    elif error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        reason = "导出目录不可写（权限或只读）"
    else:
        reason = f"写入导出文件失败（{error.strerror or error}）"
    return ExportError(
        f"{reason}：{path.parent}。{what}未导出，没有申报被标记为已发送税务，也没有留下文件；"
        "请清理空间或修正目录后重新运行。"
    )


def default_output_dir() -> Path:
    return Path(getattr(settings, "TAX_EXPORT_DIR", Path(settings.BASE_DIR) / "var" / "exports" / "tax"))


def file_name(authority: str, number: int) -> str:
    return f"tax_{authority}_{number:06d}.csv"


def exported_upto(authority: str) -> int:
    """The last record id of the authority's batches (0 before the first): records up to it have been sent."""
    return ExportBatch.objects.filter(authority=authority).aggregate(n=Max("last_id"))["n"] or 0


def queued(authority: str):
    return TaxRecord.objects.filter(authority=authority, id__gt=exported_upto(authority), cancelled=False)


def authorities_with_queue() -> list[str]:
    """The authorities that have records waiting for a new batch, in code order (two short queries: the last
    exported id per authority, and per authority whether a later uncancelled record exists)."""
    upto = dict(ExportBatch.objects.values("authority").annotate(n=Max("last_id")).values_list("authority", "n"))
    latest = TaxRecord.objects.filter(cancelled=False).values("authority").annotate(n=Max("id")).order_by("authority")
    return [row["authority"] for row in latest if row["n"] > (upto.get(row["authority"]) or 0)]


def queue_lock(mode: str) -> None:
    """PostgreSQL table lock on the queue: ``SHARE ROW EXCLUSIVE`` (an export) or ``ROW EXCLUSIVE`` (a writer that
    must see whether a record was exported before changing it). Nothing to do on SQLite (one writer at a time)."""
    if mode not in ("SHARE ROW EXCLUSIVE", "ROW EXCLUSIVE"):
        raise ValueError(mode)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {TaxRecord._meta.db_table} IN {mode} MODE")


def _rows(batch: ExportBatch):
    return batch.records().values_list(*ROW_FIELDS).iterator(chunk_size=CHUNK)


# PostgreSQL formats the row lines itself (``COPY … TO STDOUT``, CSV): the same bytes as ``taxfile.row_values`` +
# ``csv.writer`` produce (a test compares both paths), about ten times faster than building them in Python.
# Asia/Shanghai has had no daylight saving time since 1991, so its offset is always +08:00.
_PG_TIME = """to_char({column} AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD"T"HH24:MI:SS"+08:00"')"""
_PG_COPY = (
    "COPY (SELECT record_type, uscc, unit_name, year::text, approved_months::text, actual_employed::text, "
    + _PG_TIME.format(column="declared_at")
    + ", certificate_no, "
    + _PG_TIME.format(column="event_at")
    + " FROM {table} WHERE authority = '{authority}' AND id BETWEEN {first} AND {last} AND NOT cancelled"
    + " ORDER BY id) TO STDOUT WITH (FORMAT csv)"
)


def _copy_rows_postgresql(batch: ExportBatch, sink: taxfile.RowSink) -> None:
    if not batch.authority.isdigit():  # six digits, checked by the command; never quoted text in the SQL
        raise ExportError(f"税务主管部门代码无效：{batch.authority!r}")
    sql = _PG_COPY.format(
        table=TaxRecord._meta.db_table,
        authority=batch.authority,
        first=int(batch.first_id),
        last=int(batch.last_id),
    )
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(sql, sink)  # the psycopg2 cursor under Django's wrapper


def _write(batch: ExportBatch, out, count: int | None) -> tuple[int, str]:
    """Header, rows, trailer; ``count`` is the batch's row count (known on PostgreSQL, counted otherwise)."""
    if connection.vendor == "postgresql" and count is not None:
        sink = taxfile.write_header(out)
        _copy_rows_postgresql(batch, sink)
        taxfile.write_trailer(out, count, sink.sha256)
        return count, sink.sha256
    rows = _rows(batch)
    try:
        return taxfile.write(out, rows)
    finally:
        rows.close()  # close the server-side cursor now, inside the transaction, not at garbage collection


def write_temp(batch: ExportBatch, path: Path, count: int | None = None) -> tuple[Path, int, str]:
    """Write the batch's file to a temporary name beside ``path``; ``(temporary path, count, sha256)``.

    Removed again if writing fails. The caller renames it into place (:func:`os.replace`, atomic) as its last step,
    so ``path`` is either absent, the previous file, or the complete new one — never half written.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("wb") as out:
            count, sha = _write(batch, out, count)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp, count, sha


def write_batch_file(batch: ExportBatch, path: Path, count: int | None = None) -> tuple[int, str]:
    tmp, count, sha = write_temp(batch, path, count)
    os.replace(tmp, path)
    return count, sha


def _send_targets() -> tuple[State, State]:
    """What SEND does, from the pure table: 已完成申报 → 已发送税务; 撤回申请中 (from 已完成申报) keeps its status
    and now returns to 已发送税务 if the withdrawal is rejected."""
    declared = apply(State(DECLARED), Event.SEND)
    withdrawing = apply(State(WITHDRAWING, DECLARED), Event.SEND)
    if declared != State(SENT) or withdrawing != State(WITHDRAWING, SENT):  # pragma: no cover - table sanity
        raise RuntimeError("declarations.transitions: SEND no longer means what the export does")
    return declared, withdrawing


def tax_export(
    *,
    authority: str,
    batch_number: int | None = None,
    output_dir: Path | None = None,
    by_label: str = "",
    dry_run=False,
) -> ExportResult:
    """Export the queued records of ``authority`` as a new batch, or re-export batch ``batch_number``."""
    output_dir = Path(output_dir) if output_dir is not None else default_output_dir()
    if batch_number is not None:
        try:
            return _reexport(authority, batch_number, output_dir)
        except OSError as error:
            raise write_failed(error, output_dir / file_name(authority, batch_number), batch_number) from error
    if dry_run:
        return ExportResult(authority, None, None, queued(authority).count())
    try:
        return _export_new(authority, output_dir, by_label)
    except _NothingQueued:
        return ExportResult(authority, None, None, 0)
    except OSError as error:  # raised inside the transaction, which is rolled back by now
        raise write_failed(error, output_dir / file_name(authority, 0), None) from error


def _reexport(authority: str, number: int, output_dir: Path) -> ExportResult:
    batch = ExportBatch.objects.filter(authority=authority, number=number).first()
    if batch is None:
        raise ExportError(f"税务主管部门 {authority} 没有第 {number} 批导出记录。")
    path = output_dir / (batch.file_name or file_name(authority, number))
    count, sha = write_batch_file(batch, path, batch.row_count)
    if (count, sha) != (batch.row_count, batch.sha256):
        raise ExportError(f"第 {number} 批的记录与首次导出时不一致（记录数 {count}/{batch.row_count}），请联系管理员。")
    return ExportResult(authority, number, path, count, sha256=sha, reexport=True)


@transaction.atomic
def _export_new(authority: str, output_dir: Path, by_label: str) -> ExportResult:
    queue_lock("SHARE ROW EXCLUSIVE")
    done_upto = exported_upto(authority)
    pending = TaxRecord.objects.filter(authority=authority, id__gt=done_upto, cancelled=False)
    totals = pending.aggregate(
        rows=Count("id"), last=Max("id"), declares=Count("id", filter=Q(record_type=RecordType.DECLARATION))
    )
    rows = totals["rows"]
    if not rows:
        raise _NothingQueued
    number = (ExportBatch.objects.filter(authority=authority).aggregate(n=Max("number"))["n"] or 0) + 1
    batch = ExportBatch.objects.create(
        authority=authority,
        number=number,
        first_id=done_upto + 1,
        last_id=totals["last"],
        row_count=rows,
        created_by=by_label[:150],
    )
    now = timezone.now()
    declared, withdrawing = _send_targets()
    declaration_ids = batch.records().filter(record_type=RecordType.DECLARATION).values("declaration_id")
    # The state the apps below read (employers.DeclarationState) first, while the declarations still show "before".
    in_batch = Declaration.objects.filter(pk__in=declaration_ids)
    declaration_states_send(declarations=in_batch, before=State(DECLARED), after=declared, at=now)
    declaration_states_send(declarations=in_batch, before=State(WITHDRAWING, DECLARED), after=withdrawing, at=now)
    sent = Declaration.objects.filter(pk__in=declaration_ids, status=DECLARED).update(
        status=declared.status, previous_status=declared.previous, sent_to_tax_at=now, version=F("version") + 1
    )
    sent += Declaration.objects.filter(pk__in=declaration_ids, status=WITHDRAWING, previous_status=DECLARED).update(
        previous_status=withdrawing.previous, sent_to_tax_at=now, version=F("version") + 1
    )
    n_declare = totals["declares"]
    name = file_name(authority, batch.number)
    path = output_dir / name
    tmp, count, sha = write_temp(batch, path, rows)
    try:
        batch.sha256, batch.file_name = sha, name
        batch.save(update_fields=["sha256", "file_name"])
        audit.record(
            actor=by_label or None,
            action="declaration.send_batch",
            obj=batch,
            changes={"rows": {"before": None, "after": count}, "declarations_sent": {"before": None, "after": sent}},
        )
        os.replace(tmp, path)  # the last step: until here a failure leaves neither file nor marks
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return ExportResult(
        authority,
        batch.number,
        path,
        count,
        declarations=n_declare,
        withdrawals=count - n_declare,
        sent=sent,
        sha256=sha,
    )
