"""Long sheets of a write-only openpyxl workbook, their data rows written as XML text (issue 13).

openpyxl makes a cell object, checks its value, builds lxml elements and looks its style up for every cell: about
7 µs of CPU a cell, 6.5 s for the 900,000 cells of a 5,000-person export before anything else is done. Here
openpyxl still writes the whole workbook — the sheets, column widths, frozen panes, the bold header row, the small
sheets — and :func:`save` then copies its file to the output, appending the long sheets' data rows to their sheet
part as it goes: the cells openpyxl itself writes for the same values (``t="inlineStr"`` strings, ``t="n"``
numbers, nothing for None), streamed from an iterable of rows into the deflated part, so memory stays flat.

The differences from openpyxl's own cells are deliberate: characters XML cannot carry (control characters) are
dropped instead of raising IllegalCharacterError (which would turn a stray byte in a name into a failed export),
and a text beginning with ``=`` stays text instead of becoming a formula. Non-ASCII text is written as UTF-8
rather than as character references (the same values, a third of the bytes to deflate).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import BinaryIO
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter

MAX_TEXT = 32767  # Excel's limit of a cell's text; openpyxl cuts longer values there too
COLUMNS = tuple(get_column_letter(i) for i in range(1, 101))
CHUNK_ROWS = 500  # rows joined before each write to the deflated part
# zlib level 3: a 5,000-person grid sheet (44 MB of XML) deflates in 0.13 s of CPU to 3.3 MB, against 0.33 s and
# 2.8 MB at openpyxl's level 6 and 0.10 s and 3.5 MB at level 1.
COMPRESS_LEVEL = 3
_END = b"</sheetData>"
# openpyxl writes its sheet parts without a declaration (and non-ASCII text as character references); the rows added
# here are UTF-8, which XML assumes without one — said explicitly all the same, as Excel's own files do.
_DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


@lru_cache(maxsize=4096)
def _text_cell(value: str) -> str:
    """The end of a text cell after its ``r="A1"`` attribute (the list's many repeated texts — ✓, the reasons, the
    months — are escaped once)."""
    value = ILLEGAL_CHARACTERS_RE.sub("", value[:MAX_TEXT])
    if not value:
        return ' t="inlineStr"/>'
    space = ' xml:space="preserve"' if value != value.strip() else ""
    if "&" in value or "<" in value or ">" in value or "\r" in value:
        value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    return f' t="inlineStr"><is><t{space}>{value}</t></is></c>'


def row_xml(r: int, values: Sequence[str | int | bool | None]) -> str:
    """One ``<row>`` of a sheet: row number ``r`` (1-based), ``values`` from column A on. Empty cells are None."""
    n = str(r)
    out = [f'<row r="{n}">']
    for column, value in zip(COLUMNS, values, strict=False):
        if value is None:
            continue
        kind = value.__class__
        if kind is str:
            out.append(f'<c r="{column}{n}"{_text_cell(value)}')
        elif kind is bool:
            out.append(f'<c r="{column}{n}" t="b"><v>{int(value)}</v></c>')
        elif kind is int:
            out.append(f'<c r="{column}{n}" t="n"><v>{value}</v></c>')
        else:
            raise TypeError(f"unsupported cell value {value!r} in column {column} of row {r}")
    out.append("</row>")
    return "".join(out)


def save(wb: Workbook, stream: BinaryIO, bodies: Mapping[object, Iterable[Sequence]], *, first_row: int = 2) -> None:
    """Save the write-only workbook ``wb`` to ``stream`` with, for each of its sheets in ``bodies``, that iterable's
    rows appended after the rows openpyxl wrote (from row ``first_row`` on: after one header row by default).

    The iterables are consumed while the output is written (each sheet in workbook order), not before."""
    saved = io.BytesIO()  # headers and the small sheets only
    wb.save(saved)
    parts = {sheet.path.lstrip("/"): rows for sheet, rows in bodies.items()}  # paths are known once saved
    with ZipFile(saved) as source, ZipFile(stream, "w", ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info)
            target = ZipInfo(info.filename, date_time=info.date_time)
            target.compress_type, target.compress_level = ZIP_DEFLATED, COMPRESS_LEVEL
            target.external_attr = info.external_attr
            rows = parts.pop(info.filename, None)
            if rows is None:
                out.writestr(target, data)
                continue
            head, end, tail = data.rpartition(_END)
            if not end:
                raise ValueError(f"{info.filename}: no sheetData to append rows to")
            with out.open(target, "w") as part:
                part.write(head if head.startswith(b"<?xml") else _DECLARATION + head)
                _write_rows(part, rows, first_row)
                part.write(end + tail)
    if parts:
        raise ValueError(f"sheets not in the workbook: {sorted(parts)}")


def _write_rows(part, rows: Iterable[Sequence], first_row: int) -> None:
    chunk: list[str] = []
    for r, values in enumerate(rows, start=first_row):
        chunk.append(row_xml(r, values))
        if len(chunk) == CHUNK_ROWS:
            part.write("".join(chunk).encode())
            chunk.clear()
    if chunk:
        part.write("".join(chunk).encode())
