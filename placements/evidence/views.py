"""残疾人安置管理: the list, the four-step registration wizard, evidence, 重新登记 / 删除 and 导入上一年申报名单.

Thin views: bind the form, call a service of ``placements.registration``, turn a domain error into a form error,
redirect (PRG). Every placement is looked up with the logged-in unit in the filter, so another unit's id is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from core.errors import DomainError
from employers.access import employer_required
from placements import writes
from placements.errors import MonthsTakenError, PlacementError
from placements.evidence import selectors as ws
from placements.evidence import services as evidence_services
from placements.evidence.forms import EvidenceForm
from placements.forms import ConfirmForm
from placements.models import Evidence
from placements.registration import lifecycle as registration_lifecycle
from placements.web import (
    _confirm_page,
    _confirmed,
    _error_to_form,
    _placement,
    _refreshed_grid,
    _refuse_edit,
    _resume_url,
    _step_url,
    _steps,
)

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
            registration_lifecycle.placement_finish(
                placement=p,
                by=request.user,
                expected_version=finish_form.expected_version,
                token=finish_form.token_value,
            )
        except writes.DuplicateSubmission:
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
                evidence_services.evidence_upload(
                    placement=p,
                    kind=upload_form.cleaned_data["kind"],
                    months=upload_form.cleaned_data["months"],
                    file=upload_form.cleaned_data["file"],
                    by=request.user,
                    expected_version=upload_form.expected_version,
                    token=upload_form.token_value,
                )
            except writes.DuplicateSubmission:
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
            lambda version: evidence_services.evidence_withdraw(
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
