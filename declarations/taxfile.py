"""The tax export file format (pure: no ORM; docs/adr/0006-declaration-and-tax-export.md).

One file per 税务主管部门 and batch, UTF-8 (no BOM), ``\\n`` line ends, RFC 4180 quoting where needed::

    record_type,uscc,unit_name,year,approved_months,actual_employed,declared_at,certificate_no,event_at
    DECLARE,91110105700000001E,北京市示范科技有限公司,2025,16,1.33,2026-09-30T10:00:00+08:00,112025000001,2026-09-30T10:00:00+08:00
    WITHDRAW,...
    TRAILER,2,<sha256 hex of the row lines>

- ``record_type``: ``DECLARE`` (a declaration result) or ``WITHDRAW`` (an approved withdrawal of a result sent
  earlier; ``event_at`` is the approval time, the other fields repeat the withdrawn result);
- ``approved_months`` 安置核定月数; ``actual_employed`` 实际安排人数 (核定 / 12, two decimals, ROUND_HALF_UP);
- times are ISO 8601 in Asia/Shanghai with the offset, to the second;
- the trailer holds the number of row lines and the SHA-256 of their exact bytes (each with its ``\\n``), so the
  receiver can check that nothing was lost or altered. The header and the trailer are not part of the checksum.
"""

import csv
import hashlib
import io
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import BinaryIO
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
HEADER = (
    "record_type",
    "uscc",
    "unit_name",
    "year",
    "approved_months",
    "actual_employed",
    "declared_at",
    "certificate_no",
    "event_at",
)
TRAILER = "TRAILER"
ENCODING = "utf-8"


def iso_shanghai(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("aware datetime expected")
    return moment.astimezone(SHANGHAI).isoformat(timespec="seconds")


def row_values(
    record_type: str,
    uscc: str,
    unit_name: str,
    year: int,
    approved_months: int,
    actual_employed: Decimal,
    declared_at: datetime,
    certificate_no: str,
    event_at: datetime,
) -> tuple[str, ...]:
    return (
        record_type,
        uscc,
        unit_name,
        str(year),
        str(approved_months),
        f"{actual_employed:.2f}",
        iso_shanghai(declared_at),
        certificate_no,
        iso_shanghai(event_at),
    )


class RowSink:
    """Where row lines go: counted into the checksum and written through to ``out``.

    ``write`` takes text (from ``csv.writer``) or bytes (rows that PostgreSQL's ``COPY … TO STDOUT`` formatted).
    """

    def __init__(self, out: BinaryIO) -> None:
        self.out = out
        self.digest = hashlib.sha256()

    def write(self, data: str | bytes) -> int:
        raw = data.encode(ENCODING) if isinstance(data, str) else bytes(data)
        self.digest.update(raw)
        self.out.write(raw)
        return len(data)

    @property
    def sha256(self) -> str:
        return self.digest.hexdigest()


def _line(values: Iterable[str]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(values)
    return buffer.getvalue().encode(ENCODING)


def write_header(out: BinaryIO) -> RowSink:
    out.write(_line(HEADER))
    return RowSink(out)


def write_trailer(out: BinaryIO, count: int, sha: str) -> None:
    out.write(_line((TRAILER, str(count), sha)))


def write(out: BinaryIO, rows: Iterable[tuple]) -> tuple[int, str]:
    """Write header, rows (tuples of :func:`row_values`'s arguments) and trailer to ``out``; ``(count, sha256)``."""
    sink = write_header(out)
    writer = csv.writer(sink, lineterminator="\n")
    count = 0
    for row in rows:
        writer.writerow(row_values(*row))
        count += 1
    write_trailer(out, count, sink.sha256)
    return count, sink.sha256


def render(rows: Iterable[tuple]) -> bytes:
    out = io.BytesIO()
    write(out, rows)
    return out.getvalue()


class FileCheckError(ValueError):
    pass


def check(data: bytes) -> list[list[str]]:
    """Parse a file and verify its trailer (count and checksum); returns the rows. Raises :class:`FileCheckError`."""
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    if len(lines) < 2:
        raise FileCheckError("文件不完整：缺少表头或尾行")
    header, body, trailer = lines[0], lines[1:-1], lines[-1]
    if next(csv.reader([header.decode(ENCODING)])) != list(HEADER):
        raise FileCheckError("表头不符")
    fields = next(csv.reader([trailer.decode(ENCODING)]))
    if len(fields) != 3 or fields[0] != TRAILER:
        raise FileCheckError("尾行格式不符")
    digest = hashlib.sha256(b"".join(line + b"\n" for line in body)).hexdigest()
    if fields[1] != str(len(body)) or fields[2] != digest:
        raise FileCheckError("记录数或校验值不符")
    return [next(csv.reader([line.decode(ENCODING)])) for line in body]
