"""The uploaded workbook given back with its problems marked: the same data sheets and rows (row numbers kept),
each bad cell filled red with the reason as a comment, and a 错误说明 column at the end of every row with a problem.
Streamed: the upload is read read-only and the copy written write-only."""

from __future__ import annotations

import io
import warnings
from collections import defaultdict

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import column_index_from_string

from placements.bulk.layout import CONTRACTS, ERROR_COLUMN, PERSONS, YEAR_KEYWORD
from placements.bulk.reading import _norm

BAD_FILL = PatternFill("solid", fgColor="FFC7CE")
BAD_FONT = Font(color="9C0006")


def marked_workbook(*, data: bytes, problems: list[list], year: int) -> bytes:
    """``problems`` as kept in BulkImport.report: [sheet, row, column, letter, value, reason]."""
    by_row: dict[tuple[str, int], list[list]] = defaultdict(list)
    for problem in problems:
        by_row[(problem[0], problem[1])].append(problem)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        source = load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    out = Workbook(write_only=True)
    out.properties.keywords = f"{YEAR_KEYWORD} {year}"
    try:
        sheets = {_norm(ws.title): ws for ws in source.worksheets}
        for title in (PERSONS, CONTRACTS):
            ws = sheets.get(title)
            if ws is None:
                continue
            target = out.create_sheet(title)
            _copy(ws, target, title, by_row)
    finally:
        source.close()
    buffer = io.BytesIO()
    out.save(buffer)
    return buffer.getvalue()


def _copy(ws, target, title: str, by_row) -> None:
    drop: int | None = None
    width = 0
    for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
        values = list(values)
        if number == 1:
            for i, header in enumerate(values):
                if _norm(header) == ERROR_COLUMN:
                    drop = i
            headers = [v for i, v in enumerate(values) if i != drop]
            while headers and headers[-1] is None:
                headers.pop()
            width = len(headers)
            header_cells = [WriteOnlyCell(target, value=v) for v in headers]
            error_header = WriteOnlyCell(target, value=ERROR_COLUMN)
            error_header.font = Font(bold=True, color="C00000")
            target.append([*header_cells, error_header])
            continue
        if drop is not None and drop < len(values):
            del values[drop]
        values = (values + [None] * width)[:width]
        problems = by_row.get((title, number))
        if not problems:
            target.append(values)
            continue
        marks: dict[int, list[str]] = defaultdict(list)
        texts = []
        for problem in problems:
            column, letter, reason = problem[2], problem[3], problem[5]
            texts.append(f"{column}：{reason}" if column else reason)
            if letter:
                index = column_index_from_string(letter) - 1
                if drop is not None and index > drop:
                    index -= 1
                marks[index].append(reason)
        row = []
        for i, value in enumerate(values):
            cell = WriteOnlyCell(target, value=value)
            if i in marks:
                cell.fill = BAD_FILL
                cell.font = BAD_FONT
                cell.comment = Comment("\n".join(marks[i]), "按比例就业网报系统")
            row.append(cell)
        note = WriteOnlyCell(target, value="；".join(texts))
        note.font = BAD_FONT
        target.append([*row, note])
