"""导出: the year's placement list, as filtered on the list page, as an ``.xlsx`` workbook (issue 13).

Three sheets, written with openpyxl's write-only workbook (rows stream to the file; memory stays flat):

1. 安置人员 — the list's columns, ID and certificate numbers masked (core.masking) unless ``full_ids``;
2. 月度核验 — every person's twelve months: the six checks as ✓ or ✗ with the reason, registration and review, as
   the month grid shows them (placements.grid.selectors.grid_rows, the one definition);
3. 汇总 — the year's totals exactly as the list header shows them (placements.listing.selectors.list_header).

Three queries whatever the number of persons: the header, the rows, the months. Full ID numbers are for the view
to allow (a stated reason, audited: placements.listing.services.export_full_ids_record); this module only writes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from itertools import groupby
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
from placements.grid.selectors import grid_rows
from placements.listing import selectors as ws
from placements.listing.labels import COUNTERS, filters_text, status_text
from placements.models import Placement, PlacementMonth
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
    for n, p in enumerate(rows, start=1):
        persons.append(
            [
                n,
                p.name,
                number(p.id_number),
                number(p.cert_no) or "—",
                int(p.n_registered),
                int(p.n_confirmed),
                int(p.n_approved),
                int(p.n_rejected),
                status_text(p.status),
            ]
        )

    grid = _sheet(wb, SHEET_GRID, GRID_COLUMNS)
    # Filtered: only the shown persons' months (a status filter may keep most of the year: then all of them).
    ids = [p.pk for p in rows] if filters.query and len(rows) <= FILTERED_MONTHS_MAX else None
    _write_grid(grid, rows, ws.year_months(employer, year, ids), number)

    sheet = wb.create_sheet(SHEET_TOTALS)
    sheet.column_dimensions["A"].width = 30
    sheet.column_dimensions["B"].width = 48
    for label, value in _totals_rows(employer, year, totals, filters, len(rows), full_ids, now):
        sheet.append([_cell(sheet, label, bold=True), value])
    wb.save(stream)
    return len(rows)


def _sheet(wb: Workbook, title: str, columns):
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


def _write_grid(sheet, rows: list[Placement], months: Iterable[PlacementMonth], number) -> None:
    """Twelve lines per person (the months the grid has), in the order of the persons sheet. ``months``: month rows
    by placement; those of persons filtered out are skipped. Empty cells are None (openpyxl writes nothing)."""
    by_pk = {p.pk: p for p in rows}
    grids: dict[int, list[PlacementMonth]] = {}
    for pk, group in groupby(months, key=lambda m: m.placement_id):
        if pk in by_pk:
            grids[pk] = list(group)
    for p in rows:
        id_number = number(p.id_number)
        for row in grid_rows(p, grids.get(p.pk, [])):
            checks = ["✓" if c.ok else f"✗ {c.reason}" for c in row.cells]
            if row.review_state in counting.CONFIRMED_STATES:
                review = f"✓ {row.review_label}"
            elif row.review_state == counting.REJECTED:
                review = f"✗ {row.review_label}"
            else:
                review = row.review_label
            sheet.append(
                [
                    p.name,
                    id_number,
                    row.label,
                    *checks,
                    row.cert_type or None,
                    row.cert_grade or None,
                    row.weight,
                    review,
                    row.decision_reason or None,
                    "；".join(row.reasons) or None,  # with 已在其他单位登记 (grid_rows adds it)
                ]
            )


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
