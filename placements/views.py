"""残疾人安置管理: the list, the four-step registration wizard, evidence, 重新登记 / 删除 and 导入上一年申报名单.

Thin views: bind the form, call a service of ``placements.registration``, turn a domain error into a form error,
redirect (PRG). Every placement is looked up with the logged-in unit in the filter, so another unit's id is a 404.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_POST

from core.errors import DomainError
from core.masking import mask_number
from core.models import Region
from employers.access import employer_required
from employers.selectors import year_actions, year_locked
from placements import registration, registry_access
from placements import wizard_selectors as ws
from placements.constants import PlacementStatus
from placements.errors import MonthsTakenError, PlacementError, SelectionError
from placements.forms import (
    ConfirmForm,
    ContractForm,
    EvidenceForm,
    GraduateForm,
    HandCertificateForm,
    ImportForm,
    MonthsForm,
    PersonForm,
)
from placements.models import Contract, Evidence, GraduateRecord, HandCertificate, Placement
from placements.rules import plan_selection
from placements.services import grid_recompute, month_option
from placements.wizard_rules import age_verdict, may_edit, placement_actions

STEPS = (
    (1, "安置登记", "STEP.01"),
    (2, "信息校验", "STEP.02"),
    (3, "上传附件", "STEP.03"),
    (4, "完成登记", "STEP.04"),
)
STEP_URLS = {1: "placements:step1", 2: "placements:step2", 3: "placements:step3", 4: "placements:step4"}
COUNTERS = (
    ("", "已登记"),
    (PlacementStatus.APPROVED_SYSTEM, "审核通过(系统)"),
    (PlacementStatus.APPROVED_MANUAL, "审核通过(人工)"),
    (PlacementStatus.PARTIALLY_REJECTED, "部分审核不通过"),
    (PlacementStatus.REJECTED, "审核不通过"),
    (PlacementStatus.PENDING, "待审核"),
    (PlacementStatus.INCOMPLETE, "资料待完善"),
)
STATUS_LABELS = {s.value: s.list_label for s in PlacementStatus}
LOCKED_MESSAGE = "{year}年度已完成申报，不能再添加、编辑、重新登记或删除安置人员。如需修改，请先申请年审申报撤回。"
APPROVED_MESSAGE = "该人员已审核确认。如需修改，请先点击“重新登记”。"


def _int(value, default: int | None = None) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _error_to_form(form, error: Exception) -> None:
    if isinstance(error, DomainError):
        error.add_to_form(form)
    else:
        form.add_error(None, getattr(error, "message", str(error)))


def _placement(request: HttpRequest, pk: int) -> Placement:
    """The unit's placement with its counts and status; another unit's id → 404."""
    placement = ws.placement_with_status(request.employer, pk)
    if placement is None:
        raise Http404("没有找到该安置人员")
    return placement


def _step_url(p: Placement, step: int) -> str:
    return reverse(STEP_URLS[step], args=[p.pk])


def _resume_url(p: Placement) -> str:
    return _step_url(p, min(max(p.wizard_step, 1), 4))


def _refuse_edit(request: HttpRequest, p: Placement) -> HttpResponse | None:
    """None when the wizard may change the placement, else a redirect to its detail page with the reason."""
    if p.frozen or year_locked(request.employer, p.year):
        messages.error(request, LOCKED_MESSAGE.format(year=p.year))
        return redirect("placements:detail", pk=p.pk)
    if not may_edit(p.status, p.wizard_completed):
        messages.info(request, APPROVED_MESSAGE)
        return redirect("placements:detail", pk=p.pk)
    return None


def _steps(p: Placement | None, current: int) -> list[dict]:
    reachable = p.wizard_step if p is not None else 1
    if p is not None and p.wizard_completed:
        reachable = 4
    out = []
    for number, label, code in STEPS:
        url = _step_url(p, number) if p is not None and number <= reachable and number != current else ""
        state = "current" if number == current else ("done" if number < current or number <= reachable else "todo")
        out.append({"number": number, "label": label, "code": code, "url": url, "state": state})
    return out


# --- the list ----------------------------------------------------------------------------------------------------


@employer_required
def index(request: HttpRequest) -> HttpResponse:
    employer = request.employer
    today = timezone.localdate()
    header = ws.list_header(employer, _int(request.GET.get("year")), today)
    year, years, filing_year, totals = header.year, header.years, header.filing_year, header.totals
    search = ws.normalise_search(request.GET.get("q"))
    status = request.GET.get("status", "")
    if status not in PlacementStatus.values:
        status = ""
    page = ws.list_page(
        employer,
        year,
        search=search,
        status=status,
        page=_int(request.GET.get("page"), 1) or 1,
        totals=totals,
        status_ids=header.status_ids,
    )
    actions = year_actions(employer, year, today=today)
    prefix = reverse("placements:detail", args=[0])[:-2]  # "/placements/"
    rows = [_list_row(n, p, actions.locked, prefix) for n, p in enumerate(page.rows, start=page.start_index + 1)]
    counters = [
        {
            "status": value,
            "label": label,
            "count": totals["persons"] if not value else totals.get(f"status_{value}", 0),
            "current": value == status,
        }
        for value, label in COUNTERS
    ]
    keep = {"year": year, **({"q": search} if search else {})}
    context = {
        "title": "残疾人安置管理",
        "keep_query": urlencode(keep),
        "page_query": urlencode({**keep, **({"status": status} if status else {})}),
        "year": year,
        "years": years,
        "filing_year": filing_year,
        "search": search,
        "status": status,
        "status_label": dict(COUNTERS).get(status, ""),
        "totals": totals,
        "counters": counters,
        "page": page,
        "rows": rows,
        "declaration_actions": actions,
        "locked": actions.locked,
    }
    return render(request, "placements/index.html", context)


# The list's links are built by string formatting from one reversed prefix (50 rows × 5 links: ``reverse`` per
# link is measurable).
STATUS_MARKS = {
    PlacementStatus.APPROVED_SYSTEM: ("✓ ", "（系统）"),
    PlacementStatus.APPROVED_MANUAL: ("✓ ", "（人工）"),
    PlacementStatus.REJECTED: ("✗ ", ""),
    PlacementStatus.PARTIALLY_REJECTED: ("✗ ", ""),
}


def _list_row(n: int, p: Placement, locked: bool, prefix: str) -> SafeString:
    """One ``<tr>`` of the list. Built here rather than in the template: with 50 rows the template engine's
    per-variable cost was most of the page's rendering time (bench/placements.py). Every value is escaped."""
    base = f"{prefix}{p.pk}/"  # "/placements/<pk>/"
    a = placement_actions(p.status, p.wizard_completed, locked or p.frozen)
    links = [("查看", base, "")]
    if a.resume:
        links.append(("继续填写", f"{base}step-{min(max(p.wizard_step, 1), 4)}/", ""))
    if a.edit:
        links.append(("编辑", f"{base}step-1/", ""))
    if a.reregister:
        links.append(("重新登记", f"{base}reregister/", ""))
    if a.delete:
        links.append(("删除", f"{base}delete/", ' class="text-danger"'))
    mark, suffix = STATUS_MARKS.get(p.status, ("", ""))
    name = escape(p.name)
    ops = " ".join(
        f'<a{css} href="{escape(href)}" aria-label="{label} {name}">{label}</a>' for label, href, css in links
    )
    status = escape(f"{mark}{STATUS_LABELS.get(p.status, '')}")
    if suffix:
        status += f'<span class="small text-muted">{suffix}</span>'
    # Safe: every interpolated value above is escaped, an int, or a constant of this module.
    return mark_safe(
        f"<tr><td>{n}</td>"
        f'<th scope="row" class="fw-normal">{name}</th>'
        f"<td>{escape(mask_number(p.id_number))}</td>"
        f"<td>{escape(mask_number(p.cert_no) or '—')}</td>"
        f'<td class="pl-num">{int(p.n_registered)}</td>'
        f'<td class="pl-num">{int(p.n_confirmed)}</td>'
        f'<td class="pl-num">{int(p.n_approved)}</td>'
        f'<td class="pl-num">{int(p.n_rejected)}</td>'
        f"<td>{status}</td>"
        f'<td class="pl-ops">{ops}</td></tr>'
    )


# --- step 1 ------------------------------------------------------------------------------------------------------


def _new_year(request: HttpRequest) -> int:
    years, filing_year = ws.year_choices(request.employer, timezone.localdate())
    year = _int(request.GET.get("year") or request.POST.get("year"))
    return year if year in years else filing_year


def _refreshed_grid(p: Placement) -> list:
    """Recompute the grid after a save lost the person-month to another unit (the failed transaction rolled its own
    refresh back) and read it again."""
    grid_recompute(placement=p)
    return ws.month_grid(p)


@employer_required
def declare_redirect(request: HttpRequest) -> HttpResponse:
    """/placements/declare/ (the URL map's address of 完成申报): the declarations app's page of the year asked for
    (``?year=``), else of the unit's current filing year (docs/adr/0006)."""
    years, filing_year = ws.year_choices(request.employer, timezone.localdate())
    year = _int(request.GET.get("year"))
    return redirect("declarations:declare", year=year if year in years else filing_year)


@employer_required
def new(request: HttpRequest) -> HttpResponse:
    """STEP.01 for a new person: the ID number first (查询 fills what the registry knows), then the basic info."""
    employer = request.employer
    year = _new_year(request)
    if year_locked(employer, year):
        messages.error(request, LOCKED_MESSAGE.format(year=year))
        return redirect(f"{reverse('placements:index')}?year={year}")
    lookup = None
    existing = None
    verdict = None
    if request.method == "POST":
        form = PersonForm(request.POST, year=year)
        if form.looking_up:
            form.is_valid()  # checks the ID number only
            number = form.cleaned_data.get("id_number")
            if number:
                try:
                    lookup = registry_access.lookup(user=request.user, employer=employer, id_number=number)
                except registry_access.LookupRefused as refused:
                    form.add_error("id_number", refused.message)
                existing = Placement.objects.filter(employer=employer, year=year, id_number=number).first()
                if lookup is not None and lookup.found:
                    region_exists = Region.objects.filter(code=lookup.person.region_code).exists()
                    form.fill_from_registry(lookup.person, region_exists)
                verdict = _verdict_for(number, form.data.get("retirement_baseline", ""), year)
        elif form.is_valid() and _registry_read_allowed(request, form, employer):
            try:
                p = registration.placement_create(
                    employer=employer,
                    year=year,
                    id_number=form.cleaned_data["id_number"],
                    data=form.person_data(),
                    graduate=form.graduate_data(),
                    by=request.user,
                    token=form.token_value,
                )
            except registration.DuplicateSubmission as done:
                return redirect("placements:step1", pk=done.obj.pk)
            except registration.DuplicatePersonError as error:
                existing = error.existing
                _error_to_form(form, error)
            except (DomainError, PlacementError) as error:
                _error_to_form(form, error)
            else:
                messages.success(request, "基本信息已保存。请在“合同管理”中添加合同，然后点击“保存，下一步”。")
                return redirect("placements:step1", pk=p.pk)
        number = getattr(form, "cleaned_data", {}).get("id_number")
        if number and lookup is None and not form.looking_up:
            try:  # the form came back with errors: show again what the registry knows of a valid number
                lookup = registry_access.lookup(user=request.user, employer=employer, id_number=number)
            except registry_access.LookupRefused:
                lookup = None
    else:
        form = PersonForm(year=year)
    context = {
        "title": "添加残疾人",
        "form": form,
        "year": year,
        "steps": _steps(None, 1),
        "lookup": lookup,
        "existing": existing,
        "verdict": verdict,
        "looked_up": form.is_bound and form.looking_up,
    }
    if request.headers.get("HX-Request") and form.looking_up:
        return render(request, "placements/includes/person_form.html", context)
    return render(request, "placements/new.html", context)


def _registry_read_allowed(request: HttpRequest, form: PersonForm, employer) -> bool:
    """Saving a new person shows the registry's certificates and the feed facts of that ID number on the next
    pages, so it counts against the account's lookup limit like 查询 (registry_access); refused beside the field."""
    try:
        registry_access.record_access(user=request.user, employer=employer, id_number=form.cleaned_data["id_number"])
    except registry_access.LookupRefused as refused:
        form.add_error("id_number", refused.save_message)
        return False
    return True


def _verdict_for(id_number: str, baseline: str, year: int):
    from placements.models import identity_from_id_number

    birth, gender = identity_from_id_number(id_number)
    verdict = age_verdict(birth, gender, baseline if gender == "女" else "", year)
    return verdict if verdict.message else None


def _step1_context(request: HttpRequest, p: Placement, form: PersonForm, **extra) -> dict:
    registry = ws.registry_certificates(p.id_number)
    context = {
        "title": f"安置登记 · {p.name}",
        "p": p,
        "form": form,
        "year": p.year,
        "steps": _steps(p, 1),
        "contracts": ws.contracts_of(p),
        "graduates": ws.graduates_of(p) if p.is_graduate else [],
        "graduate_form": extra.pop("graduate_form", None) or GraduateForm(version=p.version),
        "registry_certificates": registry,
        "hand_certificates": ws.hand_certificates_of(p),
        "hand_allowed": ws.hand_certificate_is_allowed(registry, p.year),
        "verdict": _verdict_for(p.id_number, p.retirement_baseline, p.year),
        "delete_form": ConfirmForm(version=p.version),
    }
    context.update(extra)
    return context


@employer_required
def step1(request: HttpRequest, pk: int) -> HttpResponse:
    p = _placement(request, pk)
    if refused := _refuse_edit(request, p):
        return refused
    if request.method == "POST":
        form = PersonForm(request.POST, placement=p, year=p.year)
        finish = "_next" in request.POST
        if form.is_valid():
            try:
                registration.placement_update(
                    placement=p,
                    data=form.person_data(),
                    by=request.user,
                    expected_version=form.expected_version,
                    token=form.token_value,
                    finish_step=finish,
                )
            except registration.DuplicateSubmission:
                return redirect(_step_url(p, 2) if finish else _step_url(p, 1))
            except (DomainError, PlacementError) as error:
                _error_to_form(form, error)
            else:
                if finish:
                    return redirect("placements:step2", pk=p.pk)
                messages.success(request, "基本信息已保存。")
                return redirect("placements:step1", pk=p.pk)
    else:
        form = PersonForm(placement=p, year=p.year)
    return render(request, "placements/step1.html", _step1_context(request, p, form))


@employer_required
@require_POST
def graduate_add(request: HttpRequest, pk: int) -> HttpResponse:
    p = _placement(request, pk)
    if refused := _refuse_edit(request, p):
        return refused
    form = GraduateForm(request.POST)
    if form.is_valid():
        try:
            registration.graduate_add(
                placement=p,
                data=form.cleaned_data,
                by=request.user,
                expected_version=form.expected_version,
                token=form.token_value,
            )
        except registration.DuplicateSubmission:
            pass
        except (DomainError, PlacementError) as error:
            _error_to_form(form, error)
        else:
            messages.success(request, "学历信息已添加。")
            return redirect(f"{_step_url(p, 1)}#graduates")
        if not form.errors:
            return redirect(f"{_step_url(p, 1)}#graduates")
    person_form = PersonForm(placement=p, year=p.year)
    return render(request, "placements/step1.html", _step1_context(request, p, person_form, graduate_form=form))


@employer_required
@require_POST
def graduate_delete(request: HttpRequest, pk: int, gid: int) -> HttpResponse:
    p = _placement(request, pk)
    if refused := _refuse_edit(request, p):
        return refused
    graduate = get_object_or_404(GraduateRecord, pk=gid, placement=p)
    form = ConfirmForm(request.POST)
    form.is_valid()
    try:
        registration.graduate_delete(graduate=graduate, by=request.user, expected_version=form.expected_version)
    except (DomainError, PlacementError) as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "学历信息已删除。")
    return redirect(f"{_step_url(p, 1)}#graduates")


# --- contracts ---------------------------------------------------------------------------------------------------


def _contract_form_page(request: HttpRequest, p: Placement, contract: Contract | None) -> HttpResponse:
    units = ws.related_units(request.employer, keep=contract)
    kwargs = {"employer": request.employer, "related_units": units, "contract": contract}
    if request.method == "POST":
        form = ContractForm(request.POST, request.FILES, **kwargs)
        if form.is_valid():
            try:
                if contract is None:
                    registration.contract_add(
                        placement=p,
                        data=form.contract_data(),
                        file=form.cleaned_data.get("contract_file"),
                        by=request.user,
                        expected_version=form.expected_version,
                        token=form.token_value,
                    )
                else:
                    registration.contract_update(
                        contract=contract,
                        data=form.contract_data(),
                        file=form.cleaned_data.get("contract_file"),
                        by=request.user,
                        expected_version=form.expected_version,
                        token=form.token_value,
                    )
            except registration.DuplicateSubmission:
                return redirect(f"{_step_url(p, 1)}#contracts")
            except (DomainError, PlacementError) as error:
                _error_to_form(form, error)
            else:
                messages.success(request, "合同已保存。" if contract else "合同已添加。")
                return redirect(f"{_step_url(p, 1)}#contracts")
    else:
        form = ContractForm(version=p.version, **kwargs)
    context = {
        "title": "编辑合同" if contract else "添加合同",
        "p": p,
        "form": form,
        "contract": contract,
        "steps": _steps(p, 1),
        "has_dispatch_firm": any(u.relation == "dispatch_firm" for u in units),
    }
    return render(request, "placements/contract_form.html", context)


@employer_required
def contract_add(request: HttpRequest, pk: int) -> HttpResponse:
    p = _placement(request, pk)
    if refused := _refuse_edit(request, p):
        return refused
    return _contract_form_page(request, p, None)


@employer_required
def contract_edit(request: HttpRequest, pk: int, cid: int) -> HttpResponse:
    p = _placement(request, pk)
    contract = get_object_or_404(Contract.objects.select_related("contract_file"), pk=cid, placement=p)
    if refused := _refuse_edit(request, p):
        return refused
    return _contract_form_page(request, p, contract)


@employer_required
def contract_delete(request: HttpRequest, pk: int, cid: int) -> HttpResponse:
    p = _placement(request, pk)
    contract = get_object_or_404(Contract, pk=cid, placement=p)
    if refused := _refuse_edit(request, p):
        return refused
    if request.method == "POST":
        _confirmed(
            request,
            lambda version: registration.contract_delete(contract=contract, by=request.user, expected_version=version),
            "合同已删除。",
        )
        return redirect(f"{_step_url(p, 1)}#contracts")
    return _confirm_page(
        request,
        p,
        title="删除合同",
        question=(
            f"确定要删除 {p.name} 的这份合同"
            f"（{contract.get_contract_type_display()}，{contract.start:%Y-%m-%d} 起）吗？"
        ),
        note="删除后系统将重新核验该人员的合同状态；已上传的合同文件仍保留在审计记录中。",
        button="确定删除",
        danger=True,
        cancel=f"{_step_url(p, 1)}#contracts",
    )


# --- hand-added certificates -------------------------------------------------------------------------------------


@employer_required
def certificate_add(request: HttpRequest, pk: int) -> HttpResponse:
    p = _placement(request, pk)
    if refused := _refuse_edit(request, p):
        return refused
    registry = ws.registry_certificates(p.id_number)
    allowed = ws.hand_certificate_is_allowed(registry, p.year)
    if request.method == "POST":
        form = HandCertificateForm(request.POST, request.FILES, id_number=p.id_number)
        if form.is_valid():
            try:
                registration.hand_certificate_add(
                    placement=p,
                    data=form.certificate_data(),
                    image=form.cleaned_data.get("image"),
                    by=request.user,
                    expected_version=form.expected_version,
                    token=form.token_value,
                )
            except registration.DuplicateSubmission:
                return redirect(f"{_step_url(p, 1)}#certificates")
            except (DomainError, PlacementError) as error:
                _error_to_form(form, error)
            else:
                messages.success(request, "残疾证已补录，经残联审核通过后计入。")
                return redirect(f"{_step_url(p, 1)}#certificates")
    else:
        form = HandCertificateForm(id_number=p.id_number, version=p.version)
    context = {
        "title": "补录残疾证",
        "p": p,
        "form": form,
        "allowed": allowed,
        "registry_certificates": registry,
        "steps": _steps(p, 1),
    }
    return render(request, "placements/certificate_form.html", context)


@employer_required
def certificate_delete(request: HttpRequest, pk: int, cid: int) -> HttpResponse:
    p = _placement(request, pk)
    certificate = get_object_or_404(HandCertificate, pk=cid, placement=p)
    if refused := _refuse_edit(request, p):
        return refused
    if request.method == "POST":
        _confirmed(
            request,
            lambda version: registration.hand_certificate_delete(
                certificate=certificate, by=request.user, expected_version=version
            ),
            "补录的残疾证已删除。",
        )
        return redirect(f"{_step_url(p, 1)}#certificates")
    return _confirm_page(
        request,
        p,
        title="删除补录残疾证",
        question=f"确定要删除补录的残疾证 {certificate.cert_no} 吗？",
        note="只有尚未审核的补录残疾证可以删除；已上传的图片仍保留在审计记录中。",
        button="确定删除",
        danger=True,
        cancel=f"{_step_url(p, 1)}#certificates",
    )


# --- step 2: the month grid --------------------------------------------------------------------------------------


@employer_required
def step2(request: HttpRequest, pk: int) -> HttpResponse:
    p = _placement(request, pk)
    if refused := _refuse_edit(request, p):
        return refused
    if p.wizard_step < 2 and not p.wizard_completed:
        messages.info(request, "请先完成“安置登记”（基本信息和合同），再点击“保存，下一步”。")
        return redirect("placements:step1", pk=p.pk)
    months = p.grid
    requested = None
    errors: dict[int, str] = {}
    form = MonthsForm(request.POST or None, year=p.year, version=p.version)
    if request.method == "POST":
        if form.is_valid():
            requested = set(form.cleaned_data["months"])
            plan = plan_selection([month_option(m) for m in months], requested)
            if "_cancel" in request.POST:
                pass  # back from the confirmation page: show the grid with the ticks kept
            elif plan.errors:
                errors = plan.errors
                form.add_error(None, SelectionError(plan.errors).message)
            elif not plan.selected:
                form.add_error(None, "请至少勾选一个安置登记月份。")
            elif "_confirm" not in request.POST:
                context = {
                    "title": "确认安置月数",
                    "p": p,
                    "steps": _steps(p, 2),
                    "form": form,
                    "selected": plan.selected,
                    "count": len(plan.selected),
                    "pending": [m for m in plan.selected if plan.states[m] == "pending"],
                }
                return render(request, "placements/step2_confirm.html", context)
            else:
                try:
                    saved = registration.months_register(
                        placement=p,
                        months=plan.selected,
                        by=request.user,
                        expected_version=form.expected_version,
                        token=form.token_value,
                    )
                except registration.DuplicateSubmission as done:
                    saved = done.obj
                except (DomainError, PlacementError) as error:
                    _error_to_form(form, error)
                    if isinstance(error, SelectionError):
                        errors = error.errors
                    if isinstance(error, MonthsTakenError):
                        months = _refreshed_grid(p)  # the failed save rolled its refresh back: show who holds what
                    saved = None
                if saved is not None:
                    if saved.wizard_completed and saved.wizard_step == 4:
                        messages.success(request, "登记完成：所选月份均已通过系统核验（审核通过(系统)）。")
                        return redirect("placements:step4", pk=p.pk)
                    return redirect("placements:step3", pk=p.pk)
        else:
            requested = None
    rows = ws.grid_rows(p, months, requested)
    for row in rows:
        row.error = errors.get(row.month, "")
    context = {
        "title": f"信息校验 · {p.name}",
        "p": p,
        "steps": _steps(p, 2),
        "form": form,
        "rows": rows,
        "dispatched": any(m.dispatched for m in months),
        "has_rows": bool(months),
    }
    return render(request, "placements/step2.html", context)


# --- step 3: evidence --------------------------------------------------------------------------------------------


@employer_required
def step3(request: HttpRequest, pk: int) -> HttpResponse:
    p = _placement(request, pk)
    if refused := _refuse_edit(request, p):
        return refused
    if p.wizard_step < 3 and not p.wizard_completed:
        return redirect(_resume_url(p))
    months = p.grid
    page = ws.evidence_page(p, months)
    masks = ws.pending_fail_masks(months)
    # With one kind of evidence needed, the form starts with it and the months still lacking it.
    initial = {}
    if len(page.kinds) == 1:
        kind = page.kinds[0][0]
        initial = {"kind": kind, "months": [m.month for m in page.missing if kind in m.needed]}
    upload_form = EvidenceForm(kinds=page.kinds, months=list(masks), version=p.version, initial=initial)
    finish_form = ConfirmForm(version=p.version)
    if request.method == "POST" and "_finish" in request.POST:
        finish_form = ConfirmForm(request.POST)
        finish_form.is_valid()
        try:
            registration.placement_finish(
                placement=p,
                by=request.user,
                expected_version=finish_form.expected_version,
                token=finish_form.token_value,
            )
        except registration.DuplicateSubmission:
            return redirect("placements:step4", pk=p.pk)
        except (DomainError, PlacementError) as error:
            _error_to_form(finish_form, error)
            if isinstance(error, MonthsTakenError):
                _refreshed_grid(p)  # so that 信息校验 shows these months as 已在其他单位登记, ready to untick
        else:
            return redirect("placements:step4", pk=p.pk)
    elif request.method == "POST":
        upload_form = EvidenceForm(request.POST, request.FILES, kinds=page.kinds, months=list(masks))
        if upload_form.is_valid():
            try:
                registration.evidence_upload(
                    placement=p,
                    kind=upload_form.cleaned_data["kind"],
                    months=upload_form.cleaned_data["months"],
                    file=upload_form.cleaned_data["file"],
                    by=request.user,
                    expected_version=upload_form.expected_version,
                    token=upload_form.token_value,
                )
            except registration.DuplicateSubmission:
                return redirect("placements:step3", pk=p.pk)
            except (DomainError, PlacementError) as error:
                _error_to_form(upload_form, error)
            else:
                messages.success(request, "证明材料已上传。")
                return redirect("placements:step3", pk=p.pk)
    context = {
        "title": f"上传附件 · {p.name}",
        "p": p,
        "steps": _steps(p, 3),
        "page": page,
        "upload_form": upload_form,
        "finish_form": finish_form,
        "withdraw_form": ConfirmForm(version=p.version),
    }
    return render(request, "placements/step3.html", context)


@employer_required
def evidence_withdraw(request: HttpRequest, pk: int, eid: int) -> HttpResponse:
    p = _placement(request, pk)
    evidence = get_object_or_404(Evidence, pk=eid, placement=p)
    if refused := _refuse_edit(request, p):
        return refused
    if request.method == "POST":
        _confirmed(
            request,
            lambda version: registration.evidence_withdraw(
                evidence=evidence, by=request.user, expected_version=version
            ),
            "证明材料已撤回（文件仍保留在审计记录中）。",
        )
        return redirect("placements:step3", pk=p.pk)
    return _confirm_page(
        request,
        p,
        title="撤回证明材料",
        question=f"确定要撤回这份{evidence.get_kind_display()}（{'、'.join(evidence.month_labels)}）吗？",
        note="撤回后该材料不再用于审核，相关月份如缺少材料需重新上传；文件仍保留在审计记录中。",
        button="确定撤回",
        danger=True,
        cancel=_step_url(p, 3),
    )


# --- step 4 ------------------------------------------------------------------------------------------------------


@employer_required
def step4(request: HttpRequest, pk: int) -> HttpResponse:
    p = _placement(request, pk)
    if not p.wizard_completed:
        return redirect(_resume_url(p))
    months = p.grid
    context = {
        "title": f"完成登记 · {p.name}",
        "p": p,
        "steps": _steps(p, 4),
        "summary": ws.summary_of(months),
        "status_label": STATUS_LABELS.get(p.status, ""),
    }
    return render(request, "placements/step4.html", context)


# --- 查看, 重新登记, 删除 ------------------------------------------------------------------------------------------


@employer_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    p = _placement(request, pk)
    months = p.grid
    locked = p.frozen or year_locked(request.employer, p.year)
    context = {
        "title": f"查看 · {p.name}",
        "p": p,
        "status_label": STATUS_LABELS.get(p.status, ""),
        "contracts": ws.contracts_of(p),
        "graduates": ws.graduates_of(p),
        "registry_certificates": ws.registry_certificates(p.id_number),
        "hand_certificates": ws.hand_certificates_of(p),
        "rows": ws.grid_rows(p, months),
        "summary": ws.summary_of(months),
        "evidence": ws.evidence_page(p, months).uploads,
        "actions": placement_actions(p.status, p.wizard_completed, locked),
        "resume_url": _resume_url(p),
        "locked": locked,
    }
    return render(request, "placements/detail.html", context)


def _confirmed(request, action, success: str) -> None:
    """Run ``action(expected_version)`` for a POSTed confirmation form and report the outcome as a message."""
    form = ConfirmForm(request.POST)
    form.is_valid()
    try:
        action(form.expected_version)
    except (DomainError, PlacementError) as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success)


def _confirm_page(request, p, *, title, question, note, button, danger, cancel) -> HttpResponse:
    context = {
        "title": title,
        "p": p,
        "question": question,
        "note": note,
        "button": button,
        "danger": danger,
        "cancel": cancel,
        "form": ConfirmForm(version=p.version),
    }
    return render(request, "placements/confirm.html", context)


@employer_required
def reregister(request: HttpRequest, pk: int) -> HttpResponse:
    p = _placement(request, pk)
    if p.frozen or year_locked(request.employer, p.year):
        messages.error(request, LOCKED_MESSAGE.format(year=p.year))
        return redirect("placements:detail", pk=p.pk)
    if request.method == "POST":
        form = ConfirmForm(request.POST)
        form.is_valid()
        try:
            registration.placement_reregister(
                placement=p, by=request.user, expected_version=form.expected_version, token=form.token_value
            )
        except registration.DuplicateSubmission:
            return redirect("placements:step1", pk=p.pk)
        except (DomainError, PlacementError) as error:
            messages.error(request, error.message)
            return redirect("placements:detail", pk=p.pk)
        messages.success(request, "已重新打开登记：请核对信息后依次完成各步骤，系统或残联将重新审核认定。")
        return redirect("placements:step1", pk=p.pk)
    return _confirm_page(
        request,
        p,
        title="重新登记",
        question=f"确定要重新登记 {p.name} 的 {p.year} 年度安置信息吗？",
        note=(
            "重新登记后该人员状态变为“资料待完善”，需重新完成安置登记、信息校验、上传附件和完成登记；"
            "残联已审核的月份将重新审核，审核不通过的月份可重新勾选并补充材料。已上传的材料会保留。"
        ),
        button="确定重新登记",
        danger=False,
        cancel=reverse("placements:detail", args=[p.pk]),
    )


@employer_required
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    p = _placement(request, pk)
    back = f"{reverse('placements:index')}?year={p.year}"
    if p.frozen or year_locked(request.employer, p.year):
        messages.error(request, LOCKED_MESSAGE.format(year=p.year))
        return redirect(back)
    if request.method == "POST":
        _confirmed(
            request,
            lambda version: registration.placement_delete(placement=p, by=request.user, expected_version=version),
            f"已删除 {p.name} 的 {p.year} 年度安置登记。",
        )
        return redirect(back)
    return _confirm_page(
        request,
        p,
        title="删除安置人员",
        question=f"确定要删除 {p.name}（{p.year} 年度）的安置登记吗？",
        note=(
            f"该人员已登记 {p.n_registered} 个月，删除后这些月份不再计入本单位，其他单位可以登记；"
            "已上传的文件保留在审计记录中。"
        ),
        button="确定删除",
        danger=True,
        cancel=back,
    )


# --- 导入上一年申报名单 ---------------------------------------------------------------------------------------------


@employer_required
def import_last_year(request: HttpRequest) -> HttpResponse:
    employer = request.employer
    year = _new_year(request)
    back = f"{reverse('placements:index')}?year={year}"
    if year_locked(employer, year):
        messages.error(request, LOCKED_MESSAGE.format(year=year))
        return redirect(back)
    search = ws.normalise_search(request.GET.get("q"))
    candidates = ws.import_candidates(employer, year, search)
    if request.method == "POST":
        all_candidates = ws.import_candidates(employer, year)
        form = ImportForm(request.POST, candidates=all_candidates)
        if form.is_valid():
            try:
                result = registration.placements_import_last_year(
                    employer=employer, year=year, placement_ids=form.cleaned_data["persons"], by=request.user
                )
            except (DomainError, PlacementError) as error:
                messages.error(request, error.message)
                return redirect(back)
            text = f"已导入 {len(result.created)} 人，状态为“资料待完善”：请逐一点击“继续填写”完成信息校验。"
            if result.out_of_age:
                text += f"另有 {'、'.join(result.out_of_age)} 在 {year} 年不在法定就业年龄段，未导入。"
            messages.success(request, text)
            return redirect(back)
    else:
        form = ImportForm(candidates=candidates)
    context = {
        "title": "导入上一年申报名单",
        "year": year,
        "form": form,
        "candidates": candidates,
        "search": search,
    }
    return render(request, "placements/import.html", context)
