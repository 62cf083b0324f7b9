"""The employer's declaration pages under ``/declarations/<year>/`` and the public ``/verify/<code>/`` page.

Thin views: bind the form, call a service, turn a domain error into a message or form error, redirect (PRG).
Every lookup is by ``request.employer`` and the year in the URL: another unit's year answers 404 or shows this unit's
own (empty) state, never the other unit's data.
"""

import secrets

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from core.errors import DomainError
from core.pdf import pdf_response
from core.selectors import employment_ratio
from declarations import document_services, selectors, services
from declarations.documents import commitment_items
from declarations.forms import CommitmentForm, ConfirmForm, VerifyForm, WithdrawalForm
from declarations.models import CODE_ALPHABET, CODE_LENGTH, Declaration, actual_employed_2dp, normalise_code
from employers.access import employer_required
from employers.declaration_states import LOCKED_STATUSES
from employers.selectors import year_actions
from placements.selectors import placement_totals

FIRST_YEAR = 2000
_NONE_MESSAGE = "{year}年度还没有安置登记人员，不能完成申报。请先在「残疾人安置管理」中添加并完成安置登记。"


def _check_year(year: int) -> int:
    if not FIRST_YEAR <= year <= timezone.localdate().year:
        raise Http404
    return year


def _ack_key(request: HttpRequest, year: int) -> str:
    return f"declarations:ack:{request.employer.pk}:{year}"


def _placements_url(year: int) -> str:
    return f"{reverse('placements:index')}?year={year}"


def _locked_declaration(request: HttpRequest, year: int) -> Declaration:
    """The unit's declared (locked) declaration of ``year`` with its current submission, or 404."""
    return get_object_or_404(
        Declaration.objects.select_related("current"),
        employer=request.employer,
        year=_check_year(year),
        status__in=LOCKED_STATUSES,
        current__isnull=False,
    )


@employer_required
def year_page(request: HttpRequest, year: int) -> HttpResponse:
    """The year's declaration: status, buttons, what was declared, the withdrawal history."""
    _check_year(year)
    declaration = selectors.declaration_for(request.employer, year)
    state = selectors.state_of(declaration)
    submission = declaration.current if declaration is not None and state.locked else None
    declared_at = submission.declared_at if submission is not None else None
    actions = year_actions(request.employer, year, state=state, declared_at=declared_at)
    people = selectors.submission_people(submission) if submission is not None else []
    context = {
        "title": f"{year}年度年审申报",
        "year": year,
        "declaration_actions": actions,
        "submission": submission,
        "people": people,
        "totals": None if actions.locked else placement_totals(request.employer, year),
        "withdrawals": selectors.withdrawals_of(declaration),
        "placements_url": _placements_url(year),
        # the province's 安排比例 with its source (or 待核实), as the calculator shows it (ADR 0009)
        "ratio": employment_ratio(request.employer.federation_region_id[:2], year),
    }
    return render(request, "declarations/year.html", context)


def _refusal(request: HttpRequest, year: int, actions, *, blockers=None, message: str = "") -> HttpResponse:
    context = {
        "title": "完成申报",
        "year": year,
        "declaration_actions": actions,
        "blockers": blockers or [],
        "message": message,
        "placements_url": _placements_url(year),
    }
    return render(request, "declarations/declare_refused.html", context)


def _precheck(request: HttpRequest, year: int):
    """``(actions, refusal response or None)`` for the two steps of 完成申报."""
    actions = year_actions(request.employer, year)
    if actions.locked:
        messages.info(request, f"{year}年度已完成申报（{actions.status_label}）。")
        return actions, redirect("declarations:year", year=year)
    if not actions.window_open:
        window = actions.window
        message = (
            f"{year}年度的申报期为 {window.opens_on:%Y年%m月%d日} 至 {window.closes_on:%Y年%m月%d日}，"
            "当前不在申报期内，不能完成申报。如需延期请联系残联主管部门。"
        )
        return actions, _refusal(request, year, actions, message=message)
    blockers = services.declaration_blockers(request.employer, year)
    if blockers:
        message = f"还有 {len(blockers)} 名人员的审核状态为「资料待完善」或「待审核」，全部处理完成后才能完成申报。"
        return actions, _refusal(request, year, actions, blockers=blockers, message=message)
    return actions, None


@employer_required
def declare(request: HttpRequest, year: int) -> HttpResponse:
    """Step 1 of 完成申报: the 申报资料真实性承诺书 and 「已阅读、确认」 (or the refusal with the blocking persons)."""
    _check_year(year)
    actions, refusal = _precheck(request, year)
    if refusal is not None:
        return refusal
    people, totals = selectors.declaration_snapshot(request.employer, year)
    if not totals["registered"]:  # no placement at all (an unfinished one is a blocker above)
        return _refusal(request, year, actions, message=_NONE_MESSAGE.format(year=year))
    if request.method == "POST":
        form = CommitmentForm(request.POST)
        if form.is_valid():
            request.session[_ack_key(request, year)] = form.cleaned_data["token"]
            return redirect("declarations:declare_confirm", year=year)
    else:
        form = CommitmentForm(initial={"token": secrets.token_urlsafe(24)})
    context = {
        "title": "申报资料真实性承诺书",
        "year": year,
        "form": form,
        "people": people,
        "totals": totals,
        "items": commitment_items(year),
        "placements_url": _placements_url(year),
    }
    return render(request, "declarations/declare.html", context)


@employer_required
def declare_confirm(request: HttpRequest, year: int) -> HttpResponse:
    """Step 2 of 完成申报: the final 确定 (a real page, a POST with the form token)."""
    _check_year(year)
    key = _ack_key(request, year)
    acknowledged = request.session.get(key)
    if request.method == "POST":
        form = ConfirmForm(request.POST)
        token = form.data.get("token", "")
        if not form.is_valid() or token != acknowledged:
            declaration = selectors.declaration_for(request.employer, year)
            if declaration is not None and declaration.locked and declaration.current.form_token == token:
                return redirect("declarations:year", year=year)  # a repeated 确定: the first one declared
            messages.warning(request, "页面已过期，请重新阅读承诺书并确认。")
            return redirect("declarations:declare", year=year)
        try:
            submission = services.declaration_declare(
                employer=request.employer, year=year, by=request.user, token=token
            )
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("declarations:declare", year=year)
        request.session.pop(key, None)
        messages.success(
            request,
            f"{year}年度已完成申报：申报 {submission.persons} 人，安置核定 {submission.approved_months} 个月，"
            f"实际安排人数 {submission.actual_employed_2dp} 人。",
        )
        return redirect("declarations:year", year=year)
    if not acknowledged:
        messages.warning(request, "请先阅读承诺书并勾选「已阅读、确认」。")
        return redirect("declarations:declare", year=year)
    actions, refusal = _precheck(request, year)
    if refusal is not None:
        return refusal
    _people, totals = selectors.declaration_snapshot(request.employer, year)
    if not totals["registered"]:
        return _refusal(request, year, actions, message=_NONE_MESSAGE.format(year=year))
    context = {
        "title": "确认完成申报",
        "year": year,
        "form": ConfirmForm(initial={"token": acknowledged}),
        "totals": totals,
        "actual_employed": actual_employed_2dp(totals["approved"]),
    }
    return render(request, "declarations/declare_confirm.html", context)


@employer_required
@require_GET
def commitment_pdf(request: HttpRequest, year: int) -> HttpResponse:
    """下载承诺书: generated once, then the stored file."""
    declaration = _locked_declaration(request, year)
    stored = document_services.commitment_issue(submission=declaration.current, by=request.user)
    with stored.file.open("rb") as handle:
        data = handle.read()
    return pdf_response(data, stored.original_name, fallback=f"commitment-{year}.pdf")


@employer_required
@require_GET
def certificate_pdf(request: HttpRequest, year: int) -> HttpResponse:
    """下载审核认定书: from the 3rd working day after 完成申报; generated on the first download, then stored."""
    declaration = _locked_declaration(request, year)
    try:
        stored = document_services.certificate_issue(
            submission=declaration.current, by=request.user, base_url=request.build_absolute_uri("/")
        )
    except services.NotYetAvailable as error:
        context = {
            "title": "下载审核认定书",
            "year": year,
            "available_on": error.available_on,
            "message": error.message,
        }
        return render(request, "declarations/certificate_not_yet.html", context)
    with stored.file.open("rb") as handle:
        data = handle.read()
    return pdf_response(data, stored.original_name, fallback=f"certificate-{year}.pdf")


@employer_required
def withdraw(request: HttpRequest, year: int) -> HttpResponse:
    """年审申报撤回: the reason (required, ≤ 500 characters), reviewed by the 残联."""
    declaration = _locked_declaration(request, year)
    if request.method == "POST":
        form = WithdrawalForm(request.POST)
        if form.is_valid():
            try:
                services.withdrawal_request(
                    employer=request.employer, year=year, reason=form.cleaned_data["reason"], by=request.user
                )
            except DomainError as error:
                error.add_to_form(form)
            else:
                messages.success(request, "撤回申请已提交，请等待残联主管部门审核。")
                return redirect("declarations:year", year=year)
    else:
        form = WithdrawalForm()
    context = {
        "title": "年审申报撤回",
        "year": year,
        "form": form,
        "declaration": declaration,
        "declaration_actions": year_actions(request.employer, year),
    }
    return render(request, "declarations/withdraw.html", context)


# --- public ---------------------------------------------------------------------------------------------------------


def _well_formed(code: str) -> bool:
    """Only the code alphabet (after normalise_code): the only codes that can exist, and always a valid URL part."""
    return bool(code) and len(code) <= CODE_LENGTH and all(ch in CODE_ALPHABET for ch in code)


@require_GET
def verify_form(request: HttpRequest) -> HttpResponse:
    """``/verify/?code=…``: the form; a well-formed code goes to its page, anything else is answered "not found"."""
    form = VerifyForm(request.GET or None)
    if form.is_valid():
        code = normalise_code(form.cleaned_data["code"])
        if _well_formed(code):
            return redirect("verify:check", code=code)
        return _verify_page(request, form.cleaned_data["code"], None)
    return render(request, "declarations/verify.html", {"title": "审核认定书核验", "form": form})


@require_GET
def verify(request: HttpRequest, code: str) -> HttpResponse:
    """The public check of a certificate: unit, year, 实际安排人数, valid / 已撤销. Nothing personal. 404 if unknown."""
    normalised = normalise_code(code)
    return _verify_page(request, code, selectors.verify_code(normalised) if _well_formed(normalised) else None)


def _verify_page(request: HttpRequest, code: str, result) -> HttpResponse:
    context = {
        "title": "审核认定书核验",
        "result": result,
        "code": code[:40],
        "form": VerifyForm(initial={"code": code[:40]}),
    }
    response = render(request, "declarations/verify.html", context, status=200 if result else 404)
    response["X-Robots-Tag"] = "noindex"
    response["Cache-Control"] = "no-store"
    return response
