"""批量导入's pages: the template, the upload, the report (with its progress bar while a background task runs), the
workbook with the problems marked, 确认导入 and the result. Thin: the services do the work."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.errors import DomainError
from employers.access import employer_required
from employers.selectors import year_locked
from placements.bulk import services
from placements.bulk.forms import UploadForm
from placements.bulk.liveness import mark_interrupted
from placements.bulk.marked import marked_workbook
from placements.bulk.models import BulkImport
from placements.bulk.package import NotAWorkbook
from placements.bulk.template import template_workbook
from placements.web import LOCKED_MESSAGE, new_year

REPORT_ROWS_SHOWN = 500
KIND_LABELS = {
    "auto": "✓ 系统核验通过，已自动确认",
    "evidence": "需补充证明材料",
    "choose": "劳务派遣：需选择登记月份",
    "none": "本年度没有可登记的月份",
}


def _xlsx(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=services.XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def _locked(request: HttpRequest, year: int) -> HttpResponse | None:
    if year_locked(request.employer, year):
        messages.error(request, LOCKED_MESSAGE.format(year=year))
        return redirect(f"{reverse('placements:index')}?year={year}")
    return None


@employer_required
def template_download(request: HttpRequest) -> HttpResponse:
    year = new_year(request)
    data = template_workbook(employer=request.employer, year=year)
    return _xlsx(data, f"{year}年度残疾人安置批量导入模板.xlsx")


@employer_required
def upload(request: HttpRequest) -> HttpResponse:
    year = new_year(request)
    if (refused := _locked(request, year)) is not None:
        return refused
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        uploaded = form.cleaned_data["file"]
        try:
            data = services.read_upload(uploaded)
            batch = services.bulk_import_upload(
                employer=request.employer, year=year, name=uploaded.name, data=data, by=request.user
            )
        except NotAWorkbook as error:
            form.add_error("file", str(error))
        except DomainError as error:
            form.add_error("file", error.message)
        else:
            if batch.status == BulkImport.Status.REFUSED:
                form.add_error("file", batch.message)
            else:
                return redirect("placements:bulk_report", pk=batch.pk)
    recent = list(
        BulkImport.objects.filter(employer=request.employer, year=year).only(
            "pk", "original_name", "status", "created_at", "confirmed_at", "year"
        )[:10]
    )
    mark_interrupted(recent)
    context = {"title": "批量导入", "form": form, "year": year, "recent": recent}
    return render(request, "placements/bulk/upload.html", context)


def _batch(request: HttpRequest, pk: int) -> BulkImport:
    return get_object_or_404(BulkImport.objects.select_related("employer"), pk=pk, employer=request.employer)


@employer_required
def report(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    mark_interrupted([batch])
    if batch.interrupted:
        messages.error(
            request,
            "该文件的后台处理已中断（处理程序意外停止），没有导入任何人员。请重新上传该文件，检查后再确认导入。",
        )
    data = batch.report or {}
    problems = data.get("problems", [])
    result = batch.result or {}
    if meanwhile := result.get("meanwhile"):
        reasons = "；".join(f"{sheet}第 {row} 行：{reason}" for sheet, row, _, reason in meanwhile[:3])
        more = f"等 {len(meanwhile)} 处" if len(meanwhile) > 3 else ""
        messages.warning(request, f"检查后到确认导入前情况有变化，以下人员没有导入：{reasons}{more}。")
    items = [{**item, "label": KIND_LABELS.get(item["kind"], "")} for item in result.get("items", [])]
    context = {
        "title": "批量导入检查报告" if batch.status != BulkImport.Status.DONE else "批量导入结果",
        "batch": batch,
        "year": batch.year,
        "counts": data.get("counts", {}),
        "problems": problems[:REPORT_ROWS_SHOWN],
        "problems_more": max(0, data.get("counts", {}).get("problems", 0) - REPORT_ROWS_SHOWN),
        "notes": data.get("notes", []),
        "file_notes": data.get("file_notes", []),
        "result": result,
        "actions": [i for i in items if i["kind"] != "auto"],
        "auto_items": [i for i in items if i["kind"] == "auto"],
        "can_confirm": batch.status == BulkImport.Status.CHECKED
        and (data.get("counts", {}).get("new") or data.get("counts", {}).get("changed")),
    }
    return render(request, "placements/bulk/report.html", context)


@employer_required
def marked_download(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    if batch.status != BulkImport.Status.CHECKED and batch.status != BulkImport.Status.DONE:
        messages.error(request, "该文件尚未检查完成，暂不能下载标注错误的工作簿。")
        return redirect("placements:bulk_report", pk=batch.pk)
    with batch.file.file.open("rb") as handle:
        source = handle.read()
    data = marked_workbook(data=source, problems=batch.report.get("problems", []), year=batch.year)
    stem = batch.original_name.rsplit(".", 1)[0] or "批量导入"
    return _xlsx(data, f"{stem}（错误标注）.xlsx")


@require_POST
@employer_required
def confirm(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    if (refused := _locked(request, batch.year)) is not None:
        return refused
    try:
        services.bulk_import_start(batch=batch, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("placements:bulk_report", pk=batch.pk)
