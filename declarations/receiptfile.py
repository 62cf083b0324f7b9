"""The tax office's receipt of an export batch (pure: no ORM; format in docs/tax-files.md).

It mirrors the export (``declarations.taxfile``): UTF-8 (a BOM is tolerated), ``\\n`` or ``\\r\\n`` line ends,
RFC 4180 quoting; a trailer with the number of row lines and the SHA-256 of their exact bytes (each with its line
end as in the file)::

    RECEIPT,110101,000001,<sha256 of the export's row lines>,2026-10-12T09:30:00+08:00
    record_type,uscc,year,certificate_no,result,reason
    DECLARE,91110101MA0000001X,2025,112025000001,ACCEPTED,
    DECLARE,91110101MA0000002Y,2025,112025000002,REFUSED,纳税人识别号与税务登记信息不符
    TRAILER,2,<sha256 hex of the row lines>

Line 1 names the batch (authority, batch number, the export's trailer checksum, when the tax office received it);
line 2 is the column header. A receipt may answer only some rows of a batch (the rest answered by a later receipt).
:func:`parse` checks the shape of every line and reports *all* problems with their line numbers; whether the batch
and its records exist is the service's business.
"""

import csv
import hashlib
import io
import re
from dataclasses import dataclass
from datetime import datetime

ENCODING = "utf-8"
BATCH_TAG = "RECEIPT"
TRAILER = "TRAILER"
COLUMNS = ("record_type", "uscc", "year", "certificate_no", "result", "reason")
RECORD_TYPES = ("DECLARE", "WITHDRAW")
ACCEPTED = "ACCEPTED"
REFUSED = "REFUSED"
RESULTS = (ACCEPTED, REFUSED)
REASON_MAX = 500
_SHA = re.compile(r"[0-9a-f]{64}")


class ReceiptFileError(ValueError):
    """The file is refused whole; ``problems`` are ``(line number, Chinese message)``."""

    def __init__(self, problems: list[tuple[int, str]]) -> None:
        self.problems = problems
        super().__init__("；".join(f"第 {line} 行：{text}" for line, text in problems))


@dataclass(frozen=True)
class ReceiptHeader:
    authority: str
    batch: int
    export_sha256: str
    received_at: datetime


@dataclass(frozen=True)
class ReceiptRow:
    line: int
    record_type: str
    uscc: str
    year: int
    certificate_no: str
    result: str
    reason: str

    @property
    def key(self) -> tuple[str, str, int, str]:
        return (self.record_type, self.uscc, self.year, self.certificate_no)


@dataclass(frozen=True)
class Receipt:
    header: ReceiptHeader
    rows: list[ReceiptRow]
    sha256: str  # of the whole file: the same file imported twice is recognised by it


def _fields(raw: bytes, line: int, problems: list) -> list[str] | None:
    try:
        text = raw.decode(ENCODING)
    except UnicodeDecodeError:
        problems.append((line, "不是 UTF-8 编码"))
        return None
    try:
        return next(csv.reader([text]))
    except (csv.Error, StopIteration):
        problems.append((line, "不是有效的 CSV 行"))
        return None


def _header(fields: list[str] | None, problems: list) -> ReceiptHeader | None:
    if fields is None:
        return None
    if len(fields) != 5 or fields[0] != BATCH_TAG:
        problems.append((1, f"批次行应为「{BATCH_TAG},税务主管部门代码,批次号,导出文件校验值,接收时间」"))
        return None
    _, authority, batch, sha, received = (f.strip() for f in fields)
    bad = []
    if not re.fullmatch(r"\d{6}", authority):
        bad.append(f"税务主管部门代码应为6位数字，收到「{authority}」")
    if not re.fullmatch(r"\d{1,9}", batch) or int(batch) < 1:
        bad.append(f"批次号应为正整数，收到「{batch}」")
    if not _SHA.fullmatch(sha.lower()):
        bad.append("导出文件校验值应为64位十六进制 SHA-256")
    try:
        moment = datetime.fromisoformat(received)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        bad.append(f"接收时间应为带时区的 ISO 8601 时间（如 2026-10-12T09:30:00+08:00），收到「{received}」")
    problems.extend((1, text) for text in bad)
    if bad:
        return None
    return ReceiptHeader(authority, int(batch), sha.lower(), moment)


def _row(fields: list[str] | None, line: int, problems: list) -> ReceiptRow | None:
    if fields is None:
        return None
    if len(fields) != len(COLUMNS):
        problems.append((line, f"应有 {len(COLUMNS)} 列（{','.join(COLUMNS)}），实际 {len(fields)} 列"))
        return None
    record_type, uscc, year, certificate_no, result, reason = (f.strip() for f in fields)
    bad = []
    if record_type not in RECORD_TYPES:
        bad.append(f"记录类型应为 DECLARE 或 WITHDRAW，收到「{record_type}」")
    if not re.fullmatch(r"[0-9A-Z]{18}", uscc):
        bad.append(f"统一社会信用代码应为18位，收到「{uscc}」")
    if not re.fullmatch(r"\d{4}", year):
        bad.append(f"业务年度应为4位数字，收到「{year}」")
    if not certificate_no:
        bad.append("缺少认定书编号")
    if result not in RESULTS:
        bad.append(f"处理结果应为 ACCEPTED（已接收）或 REFUSED（退回），收到「{result}」")
    elif result == REFUSED and not reason:
        bad.append("退回（REFUSED）的记录必须写明退回原因")
    if len(reason) > REASON_MAX:
        bad.append(f"原因最多 {REASON_MAX} 个字")
    problems.extend((line, text) for text in bad)
    if bad:
        return None
    return ReceiptRow(line, record_type, uscc, int(year), certificate_no, result, reason)


def parse(data: bytes) -> Receipt:
    """Check the whole file; a :class:`Receipt`, or :class:`ReceiptFileError` listing every problem by line."""
    file_sha = hashlib.sha256(data).hexdigest()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    raw = [line[:-1] if line.endswith(b"\r") else line for line in lines]
    if len(raw) < 3:
        raise ReceiptFileError([(max(len(raw), 1), "文件不完整：应有批次行、表头行和尾行")])
    problems: list[tuple[int, str]] = []
    header = _header(_fields(raw[0], 1, problems), problems)
    if _fields(raw[1], 2, problems) != list(COLUMNS) and not any(line == 2 for line, _ in problems):
        problems.append((2, f"表头应为「{','.join(COLUMNS)}」"))
    last = len(raw)
    trailer = _fields(raw[-1], last, problems)
    body = lines[2:-1]  # with their "\r" if the file had CRLF: the checksum is over the bytes as sent
    if trailer is not None:
        if len(trailer) != 3 or trailer[0] != TRAILER:
            problems.append((last, f"尾行应为「{TRAILER},记录数,校验值」"))
        else:
            digest = hashlib.sha256(b"".join(line + b"\n" for line in body)).hexdigest()
            if trailer[1].strip() != str(len(body)):
                problems.append((last, f"尾行记录数 {trailer[1]} 与实际记录数 {len(body)} 不符"))
            if trailer[2].strip().lower() != digest:
                problems.append((last, "尾行校验值（SHA-256）与记录行不符，文件可能不完整或被改动"))
    rows, seen = [], {}
    for offset, line in enumerate(raw[2:-1]):
        number = offset + 3
        row = _row(_fields(line, number, problems), number, problems)
        if row is None:
            continue
        if row.key in seen:
            problems.append((number, f"与第 {seen[row.key]} 行重复（同一记录只能有一个处理结果）"))
            continue
        seen[row.key] = number
        rows.append(row)
    if problems:
        raise ReceiptFileError(sorted(problems))
    return Receipt(header, rows, file_sha)


def render(header: ReceiptHeader, rows: list[tuple[str, str, int, str, str, str]]) -> bytes:
    """Write a receipt (the tax office's side; used by tests and documentation examples)."""

    def line(values) -> bytes:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerow(values)
        return buffer.getvalue().encode(ENCODING)

    body = b"".join(line([t, u, str(y), c, r, reason]) for t, u, y, c, r, reason in rows)
    received = header.received_at.isoformat(timespec="seconds")
    head = line([BATCH_TAG, header.authority, f"{header.batch:06d}", header.export_sha256, received])
    tail = line([TRAILER, str(len(rows)), hashlib.sha256(body).hexdigest()])
    return head + line(COLUMNS) + body + tail
