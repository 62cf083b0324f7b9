"""缓减免申请 pages: the unit's list, draft form, detail, submit, delete; and the public yearly list. Thin views."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.filing import unit_filing_year
from employers.access import employer_required
from relief import selectors, services, transitions
from relief.forms import ReliefApplicationForm
from relief.models import ReliefApplication


def _own(request: HttpRequest, pk: int) -> ReliefApplication:
    """The unit's own application, else 404 (another unit's id reveals nothing)."""
    try:
        return selectors.application_detail(request.employer, pk)
    except ReliefApplication.DoesNotExist:
        raise Http404 from None


def _years(request: HttpRequest) -> tuple[list[int], int]:
    """Years an application may be for (next, current, previous business year) and the default one."""
    current = unit_filing_year(request.employer, timezone.localdate())
    return [current + 1, current, current - 1], current


def _add_errors(form, error: services.ReliefError) -> None:
    for field, message in error.errors.items():
        form.add_error(field if field in form.fields else None, message)


@employer_required
def index(request: HttpRequest) -> HttpResponse:
    applications = list(selectors.applications_of(request.employer))
    return render(request, "relief/index.html", {"title": "缓减免申请", "applications": applications})


@employer_required
def create(request: HttpRequest) -> HttpResponse:
    years, current = _years(request)
    if request.method == "POST":
        form = ReliefApplicationForm(request.POST, request.FILES, years=years)
        if form.is_valid():
            try:
                application = services.relief_create_draft(
                    employer=request.employer, data=form.application_data(), files=form.files_data(), by=request.user
                )
            except services.ReliefError as error:
                _add_errors(form, error)
            else:
                messages.success(request, "申请草稿已保存。请检查内容和附件后点击「提交申请」。")
                return redirect("relief:detail", pk=application.pk)
    else:
        form = ReliefApplicationForm(years=years, initial={"year": current})
    return render(request, "relief/form.html", {"title": "新建缓减免申请", "form": form, "application": None})


@employer_required
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    application = _own(request, pk)
    if not transitions.can_edit(application.state):
        messages.error(request, f"申请当前状态为「{application.get_state_display()}」，不能修改。")
        return redirect("relief:detail", pk=pk)
    years, _ = _years(request)
    if application.year not in years:
        years.append(application.year)
    if request.method == "POST":
        form = ReliefApplicationForm(request.POST, request.FILES, years=years, application=application)
        if form.is_valid():
            try:
                services.relief_update_draft(
                    application=application, data=form.application_data(), files=form.files_data(), by=request.user
                )
            except services.ReliefError as error:
                _add_errors(form, error)
            else:
                messages.success(request, "申请已保存。")
                return redirect("relief:detail", pk=pk)
    else:
        initial = {name: getattr(application, name) for name in services.DATA_FIELDS}
        form = ReliefApplicationForm(years=years, application=application, initial=initial)
    context = {"title": "修改缓减免申请", "form": form, "application": application}
    return render(request, "relief/form.html", context)


@employer_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = _own(request, pk)
    context = {
        "title": "缓减免申请详情",
        "application": application,
        "can_edit": transitions.can_edit(application.state),
        "can_submit": transitions.Action.SUBMIT in transitions.allowed_actions(application.state),
        "can_delete": transitions.can_delete(application.state),
    }
    return render(request, "relief/detail.html", context)


@require_POST
@employer_required
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    application = _own(request, pk)
    try:
        services.relief_submit(application=application, by=request.user)
    except services.ReliefError as error:
        for message in dict.fromkeys(error.errors.values()):
            messages.error(request, f"未能提交：{message}")
    else:
        messages.success(request, "申请已提交，请等待残联审核。审核结果将以通知告知。")
    return redirect("relief:detail", pk=pk)


@employer_required
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    application = _own(request, pk)
    if not transitions.can_delete(application.state):
        messages.error(request, "只有草稿可以删除。")
        return redirect("relief:detail", pk=pk)
    if request.method == "POST":
        try:
            services.relief_delete_draft(application=application, by=request.user)
        except services.ReliefError as error:
            messages.error(request, error.message)
            return redirect("relief:detail", pk=pk)
        messages.success(request, "草稿已删除。")
        return redirect("relief:index")
    return render(request, "relief/confirm_delete.html", {"title": "删除草稿", "application": application})


def public_index(request: HttpRequest) -> HttpResponse:
    """The latest year with approved applications (else last year)."""
    years = selectors.public_years()
    return redirect("relief:public", year=years[0] if years else timezone.localdate().year - 1)


def public_list(request: HttpRequest, year: int) -> HttpResponse:
    """公示: approved applications of a business year — unit, approving body, document number, reason. No login."""
    if not 2000 <= year <= 2100:
        raise Http404
    context = {
        "title": f"{year} 年度残保金缓减免审批结果公示",
        "year": year,
        "rows": list(ReliefApplication.objects.public_list(year)),
        "years": selectors.public_years(),
    }
    return render(request, "relief/public.html", context)
