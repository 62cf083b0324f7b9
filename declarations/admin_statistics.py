"""统计分析 (admin): the statistics of ``declarations.statistics`` for the reviewer's region and a business year, by
sub-region (drill-down province → city → district → the district's units), by 行业类别 or by 单位性质, as an accessible
table (caption, header cells with scope, a total row) with ECharts charts of the same rows beside it
(``static/js/statistics.js`` reads them from ``json_script``), and the same figures as an ``.xlsx`` download
(``?export=xlsx``). Every row has its 实际安排比例 beside the 规定比例 of its province and the 应缴保障金 estimate (the
units without one counted as 无法估算) in the table, the second chart, the drill-down and the export. Reached from
the 年审申报 list (``admin/declarations/declaration/statistics/``); scoped to the reviewer's region like every admin
page: ``region`` is clamped into it, whatever the query string says."""

from __future__ import annotations

import io
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from declarations.admin_unfiled import selected_year
from declarations.statistics import (
    DIMENSIONS,
    FIGURES,
    LEVY_COLUMNS,
    clamp_dimension,
    clamp_region,
    drill_path,
    statistics,
    total_row,
)
from declarations.statistics_summary import summary_as_of
from employers.access import reviewer_region_prefix

CHART_MAX_ROWS = 60
REFRESH_ON_READ_PREFIX = 6  # region prefixes this long (a district) are refreshed before each read
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _query(**params) -> str:
    return "?" + urlencode({k: v for k, v in params.items() if v not in ("", None)})


def _row_url(row, *, by: str, year: int) -> str:
    """Where a row's name links to: the next level down, a district's unit list, or the unit's admin page."""
    if not row.drill:
        return ""
    if by == "unit":
        return reverse("admin:employers_employer_change", args=[row.drill])
    if len(row.drill) == 6:
        return _query(year=year, region=row.drill, by="unit")
    return _query(year=year, region=row.drill, by="region")


def statistics_export(*, rows, total, title: str, heading: str) -> HttpResponse:
    """The table as an .xlsx workbook: the same rows, columns and total as the page."""
    book = Workbook()
    sheet = book.active
    sheet.title = "统计"
    sheet.append([title])
    sheet["A1"].font = Font(bold=True)
    sheet.append([heading, *(label for _, label in FIGURES), "实际安排人数", *(label for _, label in LEVY_COLUMNS)])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in [*rows, total]:
        sheet.append([row.name, *row.figures(), float(round(row.actual_employed, 2)), *_levy_cells(row)])
        # Ratios as percentages, money with two decimals (the cell keeps the exact value).
        for cell in sheet[sheet.max_row][len(FIGURES) + 2 : len(FIGURES) + 4]:
            if not isinstance(cell.value, str):
                cell.number_format = "0.00%"
        sheet.cell(sheet.max_row, len(FIGURES) + 5).number_format = "#,##0.00"
    sheet.column_dimensions["A"].width = 40
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="statistics.xlsx"'
    return response


def _levy_cells(row) -> list:
    """实际安排比例 and 规定比例 as fractions (shown as percentages; text when unknown or a range), the estimate in
    yuan (text 无法估算 when no unit of the row has one), the units with and without an estimate."""
    actual = row.actual_ratio
    required = row.ratio_min / 100 if row.ratio_min is not None and row.ratio_min == row.ratio_max else None
    return [
        actual / 100 if actual is not None else row.actual_ratio_text,
        required if required is not None else row.required_ratio_text,
        row.levy_payable if row.levy_payable is not None else "无法估算",
        row.levy_units,
        row.levy_unknown,
    ]


def _chart(rows) -> dict | None:
    """The charts' data (the same rows as the table): units by state, and 实际安排比例 beside the 规定比例 with the
    estimate (万元). None when there are too many rows to read (a district's unit list: the table has them)."""
    if len(rows) > CHART_MAX_ROWS:
        return None

    def percent(value):
        return None if value is None else float(round(value, 2))

    return {
        "categories": [r.name for r in rows],
        "series": [
            {"name": label, "data": [getattr(r, name) for r in rows]}
            for name, label in FIGURES
            if name in ("units", "declared", "sent")
        ],
        "levy": {
            "ratio": [percent(r.actual_ratio) for r in rows],
            "required": [percent(r.ratio_min) for r in rows],
            "payable": [None if r.levy_payable is None else float(round(r.levy_payable / 10000, 2)) for r in rows],
        },
    }


def statistics_view(request, *, model_admin):
    scope = reviewer_region_prefix(request.user)
    if scope is None:
        raise PermissionDenied
    year = selected_year(request)
    region = clamp_region(scope, request.GET.get("region", ""))
    by = clamp_dimension(request.GET.get("by", "region"), region)
    # A district is brought up to date on every read (a few thousand units at most); a city, a province or the
    # country reads the summary as ``refresh_statistics`` (cron) last left it, and the page says when that was.
    refresh = len(region) >= REFRESH_ON_READ_PREFIX
    rows = statistics(scope=scope, region=region, year=year, by=by, refresh=refresh)
    as_of = timezone.now() if refresh else summary_as_of(year=year, region=region)
    total = total_row(rows)
    path = drill_path(scope, region)
    region_name = path[-1][1] if path else "全国"
    title = f"{region_name} {year}年度按比例安排残疾人就业统计（按{DIMENSIONS[by]}）"
    if request.GET.get("export") == "xlsx":
        stamp = f"统计时间：{timezone.localtime(as_of):%Y-%m-%d %H:%M}" if as_of else "统计时间：尚未汇总"
        return statistics_export(rows=rows, total=total, title=f"{title}（{stamp}）", heading=DIMENSIONS[by])
    for row in rows:
        row.url = _row_url(row, by=by, year=year)
    last = timezone.localdate().year
    dimensions = [
        (value, label, _query(year=year, region=region, by=value))
        for value, label in DIMENSIONS.items()
        if value != "unit" or len(region) == 6
    ]
    context = {
        **model_admin.admin_site.each_context(request),
        "title": f"{year}年度按比例就业统计",
        "opts": model_admin.model._meta,
        "year": year,
        "years": list(range(last, last - 6, -1)),
        "region": region,
        "region_name": region_name,
        "by": by,
        "heading": DIMENSIONS[by],
        "caption": title,
        "dimensions": dimensions,
        "path": [(name, _query(year=year, region=prefix, by="region")) for prefix, name in path],
        "figures": FIGURES,
        "rows": rows,
        "total": total,
        "as_of": as_of,
        "live": refresh,
        "export_url": _query(year=year, region=region, by=by, export="xlsx"),
        "levy_columns": LEVY_COLUMNS,
        # The charts only where they can be read (a district's unit list may have thousands of rows: the table has
        # them).
        "chart": _chart(rows),
    }
    return TemplateResponse(request, "admin/declarations/statistics.html", context)
