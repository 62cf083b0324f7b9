"""导出 and 打印 of the list (issue 13): the ``.xlsx`` of the list as filtered (masked, or with full ID numbers for
a stated and audited reason), the print view of the list and of one person's month grid."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from urllib.parse import urlencode

from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from core.masking import mask_number
from employers.access import employer_required
from placements.grid import selectors as grid_selectors
from placements.grid.checks import CHECK_LABELS, CHECKS
from placements.listing import selectors as ws
from placements.listing import services
from placements.listing.export import export_filename, write_placements_workbook
from placements.listing.forms import FullIdExportForm
from placements.listing.labels import filters_text, status_text
from placements.models import Placement
from placements.registration import selectors as registration_selectors
from placements.web import clerk_placement, int_param

SPOOL_BYTES = 16 * 1024 * 1024  # larger workbooks go to a temporary file on disk


def _year_and_filters(request: HttpRequest) -> tuple[int, ws.ListFilters]:
    """The year asked for (one the picker offers, else the filing year) and the list's filters."""
    years, filing_year = ws.year_choices(request.employer, timezone.localdate())
    year = int_param(request.GET.get("year"))
    return (year if year in years else filing_year), ws.ListFilters.from_params(request.GET)


def _workbook_response(request: HttpRequest, year: int, filters: ws.ListFilters, *, full_ids: bool) -> FileResponse:
    stream = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 (FileResponse closes it)
    write_placements_workbook(request.employer, year, stream, filters=filters, full_ids=full_ids)
    stream.seek(0)
    return FileResponse(
        stream,
        as_attachment=True,
        filename=export_filename(year),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@employer_required
def export_xlsx(request: HttpRequest) -> HttpResponse:
    """导出 Excel: the list of the year as filtered, ID and certificate numbers masked."""
    year, filters = _year_and_filters(request)
    return _workbook_response(request, year, filters, full_ids=False)


@employer_required
def export_full(request: HttpRequest) -> HttpResponse:
    """导出（含完整身份证号）: only with a stated reason, recorded in the audit trail before the file is written."""
    year, filters = _year_and_filters(request)
    query = urlencode({"year": year, **filters.query})
    if request.method == "POST":
        form = FullIdExportForm(request.POST)
        if form.is_valid():
            services.export_full_ids_record(
                employer=request.employer,
                year=year,
                filters=filters,
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
            return _workbook_response(request, year, filters, full_ids=True)
    else:
        form = FullIdExportForm()
    context = {
        "title": "导出完整身份证号",
        "form": form,
        "year": year,
        "scope": filters_text(filters.search, filters.status),
        "query": query,
        "back": f"{reverse('placements:index')}?{query}",
        "masked_url": f"{reverse('placements:export')}?{query}",
    }
    return render(request, "placements/export_full.html", context)


# --- 打印 --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PrintRow:
    n: int
    name: str
    id_number: str  # masked
    cert_no: str  # masked, or —
    n_registered: int
    n_confirmed: int
    n_approved: int
    n_rejected: int
    status: str


def _print_row(n: int, p: Placement) -> PrintRow:
    return PrintRow(
        n=n,
        name=p.name,
        id_number=mask_number(p.id_number),
        cert_no=mask_number(p.cert_no) or "—",
        n_registered=int(p.n_registered),
        n_confirmed=int(p.n_confirmed),
        n_approved=int(p.n_approved),
        n_rejected=int(p.n_rejected),
        status=status_text(p.status),
    )


@employer_required
def list_print(request: HttpRequest) -> HttpResponse:
    """The print view of the list: every person the list shows with its filters (not only the page), the year's
    totals, A4 landscape (static/css/print.css)."""
    employer = request.employer
    today = timezone.localdate()
    header = ws.list_header(employer, int_param(request.GET.get("year")), today)
    filters = ws.ListFilters.from_params(request.GET)
    rows = [_print_row(n, p) for n, p in enumerate(ws.filtered_placements(employer, header.year, filters), start=1)]
    context = {
        "title": f"{header.year}年度安置人员名单",
        "employer": employer,
        "year": header.year,
        "today": today,
        "totals": header.totals,
        "scope": filters_text(filters.search, filters.status),
        "rows": rows,
        "back": f"{reverse('placements:index')}?{urlencode({'year': header.year, **filters.query})}",
    }
    return render(request, "placements/list_print.html", context)


@clerk_placement()
def grid_print(request: HttpRequest, p: Placement) -> HttpResponse:
    """The print view of one person's month grid (✓ / ✗ with the reasons, registration and review)."""
    context = {
        "title": f"{p.year}年度安置月份核验结果 · {p.name}",
        "employer": request.employer,
        "p": p,
        "year": p.year,
        "today": timezone.localdate(),
        "status_label": status_text(p.status),
        "check_labels": [CHECK_LABELS[c] for c in CHECKS],
        "rows": grid_selectors.grid_rows(p, p.grid),
        "summary": registration_selectors.summary_of(p.grid),
        "back": reverse("placements:detail", args=[p.pk]),
    }
    return render(request, "placements/grid_print.html", context)
