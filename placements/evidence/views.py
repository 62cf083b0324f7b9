"""STEP.03 上传附件: the upload, 完成登记 from this page, and withdrawing an upload."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from core.errors import DomainError
from placements import writes
from placements.errors import MonthsTakenError
from placements.evidence import selectors as ws
from placements.evidence import services as evidence_services
from placements.evidence.forms import EvidenceForm
from placements.forms import ConfirmForm
from placements.models import Evidence, Placement
from placements.registration import lifecycle as registration_lifecycle
from placements.web import clerk_placement, confirm_page, confirmed, refreshed_grid, resume_url, step_url, wizard_steps

# --- step 3: evidence --------------------------------------------------------------------------------------------


@clerk_placement(edit="wizard")
def step3(request: HttpRequest, p: Placement) -> HttpResponse:
    if p.wizard_step < 3 and not p.wizard_completed:
        return redirect(resume_url(p))
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
        except DomainError as error:
            error.add_to_form(finish_form)
            if isinstance(error, MonthsTakenError):
                refreshed_grid(p)  # so that 信息校验 shows these months as 已在其他单位登记, ready to untick
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
            except DomainError as error:
                error.add_to_form(upload_form)
            else:
                messages.success(request, "证明材料已上传。")
                return redirect("placements:step3", pk=p.pk)
    context = {
        "title": f"上传附件 · {p.name}",
        "p": p,
        "steps": wizard_steps(p, 3),
        "page": page,
        "upload_form": upload_form,
        "finish_form": finish_form,
        "withdraw_form": ConfirmForm(version=p.version),
    }
    return render(request, "placements/step3.html", context)


@clerk_placement(edit="wizard")
def evidence_withdraw(request: HttpRequest, p: Placement, eid: int) -> HttpResponse:
    evidence = get_object_or_404(Evidence, pk=eid, placement=p)
    if request.method == "POST":
        confirmed(
            request,
            lambda version: evidence_services.evidence_withdraw(
                evidence=evidence, by=request.user, expected_version=version
            ),
            "证明材料已撤回（文件仍保留在审计记录中）。",
        )
        return redirect("placements:step3", pk=p.pk)
    return confirm_page(
        request,
        p,
        title="撤回证明材料",
        question=f"确定要撤回这份{evidence.get_kind_display()}（{'、'.join(evidence.month_labels)}）吗？",
        note="撤回后该材料不再用于审核，相关月份如缺少材料需重新上传；文件仍保留在审计记录中。",
        button="确定撤回",
        danger=True,
        cancel=step_url(p, 3),
    )
