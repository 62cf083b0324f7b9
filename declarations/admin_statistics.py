"""统计分析 (admin): the statistics of ``declarations.statistics`` for the reviewer's region and a business year, by
sub-region (drill-down province → city → district → the district's units), by 行业类别 or by 单位性质, as an accessible
table (caption, header cells with scope, a total row) with an ECharts chart of the same rows beside it
(``static/js/statistics.js`` reads them from ``json_script``), and the same figures as an ``.xlsx`` download
(``?export=xlsx``). Reached from the 年审申报 list (``admin/declarations/declaration/statistics/``); scoped to the
reviewer's region like every admin page: ``region`` is clamped into it, whatever the query string says."""

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
    sheet.append([heading, *(label for _, label in FIGURES), "实际安排人数"])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in [*rows, total]:
        sheet.append([row.name, *row.figures(), float(round(row.actual_employed, 2))])
    sheet.column_dimensions["A"].width = 40
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="statistics.xlsx"'
    return response


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
        # The chart only where it can be read (a district's unit list may have thousands of rows: the table has them).
        "chart": None
        if len(rows) > CHART_MAX_ROWS
        else {
            "categories": [r.name for r in rows],
            "series": [
                {"name": label, "data": [getattr(r, name) for r in rows]}
                for name, label in FIGURES
                if name in ("units", "declared", "sent")
            ],
        },
    }
    return TemplateResponse(request, "admin/declarations/statistics.html", context)
