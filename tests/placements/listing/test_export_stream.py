"""导出 (issue 13), the streamed sheet rows (placements.listing.xlsx_stream): the cells openpyxl writes for the same
values, read back the same by openpyxl in both modes; the header, widths and frozen panes openpyxl wrote stay; text
that XML or Excel would misread is written safely. No database."""

import io
from zipfile import ZipFile

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from placements.listing import xlsx_stream

ROWS = [
    [1, "张三", "110105********1234", None, "✓", True, 0],
    [2, " 前后有空格 ", "a < b & c > d", "", "=SUM(A1:A2)", False, 12],
    [3, "换行\r\n第二行", "bell\x07gone", "x" * 40000, None, None, -5],
]


def _workbook(body_rows, *, small_rows=((1, "汇总"),)):
    wb = Workbook(write_only=True)
    sheet = wb.create_sheet("明细")
    sheet.column_dimensions["B"].width = 22
    sheet.freeze_panes = "A2"
    header = WriteOnlyCell(sheet, value="序号")
    header.font = Font(bold=True)
    sheet.append([header, "姓名"])
    other = wb.create_sheet("汇总")
    for row in small_rows:
        other.append(list(row))
    out = io.BytesIO()
    xlsx_stream.save(wb, out, {sheet: iter(body_rows)})
    return out.getvalue()


@pytest.mark.parametrize("read_only", [True, False])
def test_rows_read_back_as_written(read_only):
    book = load_workbook(io.BytesIO(_workbook(ROWS)), read_only=read_only)
    assert book.sheetnames == ["明细", "汇总"]
    rows = [tuple(r) for r in book["明细"].iter_rows(min_row=2, max_col=7, values_only=True)]
    assert rows[0] == (1, "张三", "110105********1234", None, "✓", True, 0)
    assert rows[1] == (2, " 前后有空格 ", "a < b & c > d", None, "=SUM(A1:A2)", False, 12)  # text, not a formula
    assert rows[2][:3] == (3, "换行\r\n第二行", "bellgone")  # a control character XML cannot carry is dropped
    assert rows[2][3] == "x" * xlsx_stream.MAX_TEXT
    assert rows[2][4:] == (None, None, -5)
    assert [tuple(r) for r in book["汇总"].iter_rows(values_only=True)] == [(1, "汇总")]


def test_openpyxl_header_widths_and_frozen_panes_stay():
    book = load_workbook(io.BytesIO(_workbook(ROWS)))
    sheet = book["明细"]
    assert sheet.freeze_panes == "A2" and sheet.column_dimensions["B"].width == 22
    assert sheet["A1"].value == "序号" and sheet["A1"].font.b and not sheet["A2"].font.b
    assert sheet.max_row == 1 + len(ROWS)
    assert sheet["E3"].data_type == "s"


def test_the_cells_are_openpyxls():
    """A row written here and the same row appended through openpyxl give the same values and types."""
    plain = Workbook(write_only=True)
    sheet = plain.create_sheet("明细")
    sheet.append(["序号", "姓名"])
    for row in ROWS[:1]:
        sheet.append(row)
    out = io.BytesIO()
    plain.save(out)
    theirs = load_workbook(io.BytesIO(out.getvalue()))["明细"]
    ours = load_workbook(io.BytesIO(_workbook(ROWS[:1])))["明细"]
    assert [(c.value, c.data_type) for c in theirs[2]] == [(c.value, c.data_type) for c in ours[2]]


def test_row_xml():
    assert xlsx_stream.row_xml(7, ["a&b", None, 3]) == (
        '<row r="7"><c r="A7" t="inlineStr"><is><t>a&amp;b</t></is></c><c r="C7" t="n"><v>3</v></c></row>'
    )
    assert xlsx_stream.row_xml(2, [" x"]) == (
        '<row r="2"><c r="A2" t="inlineStr"><is><t xml:space="preserve"> x</t></is></c></row>'
    )
    with pytest.raises(TypeError, match="column B of row 3"):
        xlsx_stream.row_xml(3, [1, 2.5])


def test_rows_are_consumed_while_writing_and_empty_bodies_work():
    def rows():
        yield [1, "a"]
        yield [2, "b"]

    book = load_workbook(io.BytesIO(_workbook(rows())), read_only=True)
    assert [tuple(r) for r in book["明细"].iter_rows(values_only=True)] == [("序号", "姓名"), (1, "a"), (2, "b")]
    book = load_workbook(io.BytesIO(_workbook([])), read_only=True)
    assert [tuple(r) for r in book["明细"].iter_rows(values_only=True)] == [("序号", "姓名")]


def test_a_sheet_of_another_workbook_is_refused():
    wb, other = Workbook(write_only=True), Workbook(write_only=True)
    wb.create_sheet("a").append(["x"])
    stray = other.create_sheet("b")
    stray._id = 7  # a sheet path this workbook does not have
    with pytest.raises(ValueError, match="sheet7"):
        xlsx_stream.save(wb, io.BytesIO(), {stray: [[1]]})


def test_the_streamed_part_declares_utf8():
    with ZipFile(io.BytesIO(_workbook(ROWS))) as book:
        part = book.read("xl/worksheets/sheet1.xml")
    assert part.startswith(b'<?xml version="1.0" encoding="UTF-8"') and "张三".encode() in part
