"""导出: the year's placement list, as filtered on the list page, as an ``.xlsx`` workbook (issue 13).

Three sheets, written with openpyxl's write-only workbook; the rows of the two long ones are plain values
(placements.listing.export_rows) streamed into the saved file as XML text (placements.listing.xlsx_stream), so a
5,000-person unit's 65,000 rows take about a second of CPU and memory stays flat:

1. 安置人员 — the list's columns, ID and certificate numbers masked (core.masking) unless ``full_ids``;
2. 月度核验 — every person's twelve months: the six checks as ✓ or ✗ with the reason, registration and review, as
   the month grid shows them (placements.grid.selectors.grid_rows, the one definition);
3. 汇总 — the year's totals exactly as the list header shows them (placements.listing.selectors.list_header).

Three queries whatever the number of persons: the header, the rows, the months (streamed). Full ID numbers are for
the view to allow (a stated reason, audited: placements.listing.services.export_full_ids_record); this module only
writes.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import BinaryIO

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from core.masking import mask_number
from employers.models import Employer
from placements import counting
from placements.grid.checks import CHECK_LABELS, CHECKS
from placements.listing import export_rows, xlsx_stream
from placements.listing import selectors as ws
from placements.listing.labels import COUNTERS, filters_text
from placements.selectors import placement_totals

PERSON_COLUMNS = (
    ("序号", 6),
    ("姓名", 12),
    ("身份证号", 22),
    ("残疾证号", 26),
    ("安置登记(月)", 13),
    ("安置确认(月)", 13),
    ("安置核定(月)", 13),
    ("安置不通过(月)", 14),
    ("审核状态", 20),
)
GRID_COLUMNS = (
    ("姓名", 12),
    ("身份证号", 22),
    ("年月", 12),
    *((CHECK_LABELS[c], 18) for c in CHECKS),
    ("残疾证类型", 12),
    ("残疾证等级", 10),
    ("计算倍数", 9),
    ("登记 / 审核状态", 16),
    ("审核意见", 24),
    ("未通过原因", 40),
)
# The header's figures (ListHeader.totals), labelled as the list and 首页 label them.
TOTAL_LABELS = (
    ("persons", "安置登记人数（人）"),
    ("persons_confirmed", "安置确认人数（人）"),
    *((name, counting.measure(name).label) for name in counting.YEAR_TOTALS),
)
FILTERED_MONTHS_MAX = 1000  # ids in one IN (…): well below SQLite's and PostgreSQL's limits
SHEET_PERSONS, SHEET_GRID, SHEET_TOTALS = "安置人员", "月度核验", "汇总"
_BOLD = Font(bold=True)


def export_filename(year: int) -> str:
    return f"安置人员名单_{year}年度.xlsx"


def write_placements_workbook(
    employer: Employer,
    year: int,
    stream: BinaryIO,
    *,
    filters: ws.ListFilters | Mapping[str, str] | None = None,
    full_ids: bool = False,
    today: date | None = None,
) -> int:
    """Write the workbook of ``employer``'s placements of ``year`` as the list shows them with ``filters`` (a
    :class:`ListFilters` or the list's query parameters ``q`` / ``status``) to ``stream``; returns the number of
    persons written. ``full_ids``: unmasked ID and certificate numbers (the caller has audited why)."""
    if not isinstance(filters, ws.ListFilters):
        filters = ws.ListFilters.from_params(filters or {})
    now = timezone.localtime()
    header = ws.list_header(employer, year, today or now.date())
    totals = header.totals if header.year == year else placement_totals(employer, year)  # a year with no data
    rows = ws.filtered_placements(employer, year, filters)
    number = (lambda v: v or "") if full_ids else mask_number

    wb = Workbook(write_only=True)
    persons = _sheet(wb, SHEET_PERSONS, PERSON_COLUMNS)
    grid = _sheet(wb, SHEET_GRID, GRID_COLUMNS)
    sheet = wb.create_sheet(SHEET_TOTALS)
    sheet.column_dimensions["A"].width = 30
    sheet.column_dimensions["B"].width = 48
    for label, value in _totals_rows(employer, year, totals, filters, len(rows), full_ids, now):
        sheet.append([_cell(sheet, label, bold=True), value])
    # Filtered: only the shown persons' months (a status filter may keep most of the year: then all of them).
    ids = [p.pk for p in rows] if filters.query and len(rows) <= FILTERED_MONTHS_MAX else None
    months = export_rows.month_values(employer, year, ids)
    bodies = {persons: export_rows.person_values(rows, number), grid: export_rows.grid_values(rows, months, number)}
    xlsx_stream.save(wb, stream, bodies)  # the two long sheets' rows streamed into the file
    return len(rows)


def _sheet(wb: Workbook, title: str, columns):
    """A sheet with its column widths, the header row frozen and written in bold."""
    sheet = wb.create_sheet(title)
    for index, (_, width) in enumerate(columns):
        sheet.column_dimensions[get_column_letter(index + 1)].width = width
    sheet.freeze_panes = "A2"
    sheet.append([_cell(sheet, name, bold=True) for name, _ in columns])
    return sheet


def _cell(sheet, value, *, bold: bool = False) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    if bold:
        cell.font = _BOLD
    return cell


def _totals_rows(
    employer: Employer,
    year: int,
    totals: Mapping[str, int],
    filters: ws.ListFilters,
    count: int,
    full_ids: bool,
    now: datetime,
) -> list[tuple[str, object]]:
    out: list[tuple[str, object]] = [
        ("单位名称", employer.name),
        ("统一社会信用代码", employer.uscc),
        ("业务年度", f"{year}年度"),
        ("导出时间", now.strftime("%Y-%m-%d %H:%M")),
        ("导出范围", filters_text(filters.search, filters.status)),
        ("本表人数（人）", count),
        ("身份证号", "完整显示（已记录导出事由）" if full_ids else "已脱敏（仅显示前 6 位和后 4 位）"),
        ("", ""),
        (f"{year}年度安置情况（与安置人员列表一致）", ""),
    ]
    out += [(label, totals.get(key, 0)) for key, label in TOTAL_LABELS]
    out += [
        (f"{label}（人）", totals["persons"] if not value else totals.get(f"status_{value}", 0))
        for value, label in COUNTERS
    ]
    return out
