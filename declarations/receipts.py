"""The tax office's receipt of an export batch (税务回执): each answered record is marked 税务已接收 or 税务退回.

All or nothing: the file is checked whole (``declarations.receiptfile`` for the shape, here the batch, its checksum
and every record it names) before anything is written; one problem refuses the whole file, each problem named with
its line. In one transaction the batch row is locked, the answers stored (``TaxReceiptLine``, one per record), the
declaration results (``Submission.tax_result``) marked, each unit told (a notice), the batch's count of answered rows
advanced, and the import audited.

Idempotent: the same file again (same bytes) changes nothing and says so; a different file that repeats answers
already stored counts them as unchanged; a file that *contradicts* a stored answer is refused (the tax office must
say so in writing, not by a second file).

A refused result puts the declaration in the reviewers' list filter 「税务回执：税务退回」 (declarations admin); what
follows (a correction, a withdrawal) goes through the existing services.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from core import audit
from core.errors import DomainError
from declarations import receiptfile
from declarations.constants import RECEIPT_OVERDUE_DAYS, RECEIPT_RESULTS, RecordType, TaxResult
from declarations.models import ExportBatch, Submission, TaxReceipt, TaxReceiptLine
from notices.constants import NoticeKind
from notices.services import notice_send_to_unit


class ReceiptError(DomainError):
    """The receipt file is refused whole (Chinese message naming the lines)."""


@dataclass(frozen=True)
class ReceiptResult:
    authority: str
    batch_number: int
    rows: int
    accepted: int = 0
    refused: int = 0
    unchanged: int = 0
    repeated: bool = False  # the very same file was imported before: nothing changed
    batch_complete: bool = False
    receipt: TaxReceipt | None = None


def _problems(problems: list[tuple[int, str]]) -> ReceiptError:
    shown = problems[:20]
    text = "；".join(f"第 {line} 行：{message}" for line, message in shown)
    more = f"；另有 {len(problems) - len(shown)} 处问题未列出" if len(problems) > len(shown) else ""
    return ReceiptError(f"回执文件未导入（整份拒收）：{text}{more}。")


def _notice(submission: Submission, result: str, reason: str) -> None:
    year = submission.declaration.year
    if result == TaxResult.ACCEPTED:
        title = f"{year}年度年审申报结果税务部门已接收"
        body = f"您单位{year}年度的年审申报结果（认定书编号 {submission.certificate_no}）已被税务主管部门接收。"
    else:
        title = f"{year}年度年审申报结果被税务部门退回"
        body = (
            f"您单位{year}年度的年审申报结果（认定书编号 {submission.certificate_no}）被税务主管部门退回。\n\n"
            f"退回原因：{reason}\n\n请与残联主管部门联系核实；如申报信息有误，可申请年审申报撤回后重新申报。"
        )
    notice_send_to_unit(employer=submission.declaration.employer, title=title, body=body, kind=NoticeKind.DECLARATION)


def tax_receipt_import(*, data: bytes, file_name: str = "", by_label: str = "") -> ReceiptResult:
    """Import one receipt file (bytes as received). Raises :class:`ReceiptError` and writes nothing if any line is
    wrong."""
    try:
        parsed = receiptfile.parse(data)
    except receiptfile.ReceiptFileError as error:
        raise _problems(error.problems) from error
    header = parsed.header
    with transaction.atomic():
        batch = ExportBatch.objects.select_for_update().filter(authority=header.authority, number=header.batch).first()
        if batch is None:
            raise _problems([(1, f"税务主管部门 {header.authority} 没有第 {header.batch} 批导出记录")])
        earlier = TaxReceipt.objects.filter(file_sha256=parsed.sha256).first()
        if earlier is not None:
            return ReceiptResult(
                batch.authority, batch.number, len(parsed.rows), repeated=True,
                batch_complete=batch.acknowledged_at is not None, receipt=earlier,
            )  # fmt: skip
        if header.export_sha256 != batch.sha256:
            raise _problems([(1, f"导出文件校验值与第 {batch.number} 批导出文件（{batch.file_name}）不符")])
        return _apply(batch, parsed, file_name, by_label)


def _apply(batch: ExportBatch, parsed: receiptfile.Receipt, file_name: str, by_label: str) -> ReceiptResult:
    records = {
        (r.record_type, r.uscc, r.year, r.certificate_no): r
        for r in batch.records().select_related("submission__declaration__employer", "receipt")
    }
    problems, new, unchanged = [], [], 0
    for row in parsed.rows:
        record = records.get(row.key)
        if record is None:
            problems.append(
                (
                    row.line,
                    f"第 {batch.number} 批中没有该记录（{row.record_type} {row.uscc} {row.year} {row.certificate_no}）",
                )
            )
            continue
        result = RECEIPT_RESULTS[row.result]
        stored = getattr(record, "receipt", None)
        if stored is None:
            new.append((row, record, result))
        elif stored.result == result and stored.reason == row.reason:
            unchanged += 1
        else:
            problems.append(
                (row.line, f"该记录已于此前的回执中确认为「{stored.get_result_display()}」，与本文件不一致")
            )
    if problems:
        raise _problems(problems)
    received_at = parsed.header.received_at
    accepted = sum(1 for _, _, result in new if result == TaxResult.ACCEPTED)
    receipt = TaxReceipt.objects.create(
        batch=batch,
        file_sha256=parsed.sha256,
        file_name=file_name[:200],
        received_at=received_at,
        imported_by=by_label[:150],
        rows=len(parsed.rows),
        accepted=accepted,
        refused=len(new) - accepted,
        unchanged=unchanged,
    )
    TaxReceiptLine.objects.bulk_create(
        TaxReceiptLine(receipt=receipt, record=record, line=row.line, result=result, reason=row.reason)
        for row, record, result in new
    )
    for row, record, result in new:
        if record.record_type != RecordType.DECLARATION:
            continue  # a withdrawal's receipt is stored; the withdrawn result keeps its own answer
        submission = record.submission
        submission.tax_result, submission.tax_result_reason, submission.tax_result_at = result, row.reason, received_at
        submission.save(update_fields=["tax_result", "tax_result_reason", "tax_result_at"])
        _notice(submission, result, row.reason)
    if new:
        ExportBatch.objects.filter(pk=batch.pk).update(acknowledged_rows=F("acknowledged_rows") + len(new))
        batch.refresh_from_db(fields=["acknowledged_rows"])
        if batch.acknowledged_rows >= batch.row_count and batch.acknowledged_at is None:
            batch.acknowledged_at = timezone.now()
            batch.save(update_fields=["acknowledged_at"])
    audit.record(
        actor=by_label or None,
        action="declaration.tax_receipt",
        obj=receipt,
        changes={
            "accepted": {"before": None, "after": receipt.accepted},
            "refused": {"before": None, "after": receipt.refused},
            "unchanged": {"before": None, "after": unchanged},
        },
    )
    return ReceiptResult(
        batch.authority,
        batch.number,
        len(parsed.rows),
        accepted=receipt.accepted,
        refused=receipt.refused,
        unchanged=unchanged,
        batch_complete=batch.acknowledged_at is not None,
        receipt=receipt,
    )


def overdue_q(*, days: int = RECEIPT_OVERDUE_DAYS, now: datetime | None = None) -> Q:
    """Batches not fully answered ``days`` days after their export."""
    cutoff = (now or timezone.now()) - timedelta(days=days)
    return Q(acknowledged_at__isnull=True, created_at__lt=cutoff)


def batches_overdue(*, days: int = RECEIPT_OVERDUE_DAYS, now: datetime | None = None):
    return ExportBatch.objects.filter(overdue_q(days=days, now=now)).order_by("created_at", "authority", "number")
