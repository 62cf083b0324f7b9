"""STEP.01's documents: contracts and hand-added certificates (add, edit, delete)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from core.errors import DomainError
from placements import writes
from placements.models import Contract, HandCertificate, Placement
from placements.registration import selectors as ws
from placements.registration import services as registration_services
from placements.registration.forms import ContractForm, HandCertificateForm
from placements.web import clerk_placement, confirm_page, confirmed, step_url, wizard_steps

# --- contracts ---------------------------------------------------------------------------------------------------


def _contract_form_page(request: HttpRequest, p: Placement, contract: Contract | None) -> HttpResponse:
    units = ws.related_units(request.employer, keep=contract)
    kwargs = {"employer": request.employer, "related_units": units, "contract": contract}
    if request.method == "POST":
        form = ContractForm(request.POST, request.FILES, **kwargs)
        if form.is_valid():
            try:
                if contract is None:
                    registration_services.contract_add(
                        placement=p,
                        data=form.contract_data(),
                        file=form.cleaned_data.get("contract_file"),
                        by=request.user,
                        expected_version=form.expected_version,
                        token=form.token_value,
                    )
                else:
                    registration_services.contract_update(
                        contract=contract,
                        data=form.contract_data(),
                        file=form.cleaned_data.get("contract_file"),
                        by=request.user,
                        expected_version=form.expected_version,
                        token=form.token_value,
                    )
            except writes.DuplicateSubmission:
                return redirect(f"{step_url(p, 1)}#contracts")
            except DomainError as error:
                error.add_to_form(form)
            else:
                messages.success(request, "合同已保存。" if contract else "合同已添加。")
                return redirect(f"{step_url(p, 1)}#contracts")
    else:
        form = ContractForm(version=p.version, **kwargs)
    context = {
        "title": "编辑合同" if contract else "添加合同",
        "p": p,
        "form": form,
        "contract": contract,
        "steps": wizard_steps(p, 1),
        "has_dispatch_firm": any(u.relation == "dispatch_firm" for u in units),
    }
    return render(request, "placements/contract_form.html", context)


@clerk_placement(edit="wizard")
def contract_add(request: HttpRequest, p: Placement) -> HttpResponse:
    return _contract_form_page(request, p, None)


@clerk_placement(edit="wizard")
def contract_edit(request: HttpRequest, p: Placement, cid: int) -> HttpResponse:
    contract = get_object_or_404(Contract.objects.select_related("contract_file"), pk=cid, placement=p)
    return _contract_form_page(request, p, contract)


@clerk_placement(edit="wizard")
def contract_delete(request: HttpRequest, p: Placement, cid: int) -> HttpResponse:
    contract = get_object_or_404(Contract, pk=cid, placement=p)
    if request.method == "POST":
        confirmed(
            request,
            lambda version: registration_services.contract_delete(
                contract=contract, by=request.user, expected_version=version
            ),
            "合同已删除。",
        )
        return redirect(f"{step_url(p, 1)}#contracts")
    return confirm_page(
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
        cancel=f"{step_url(p, 1)}#contracts",
    )


# --- hand-added certificates -------------------------------------------------------------------------------------


@clerk_placement(edit="wizard")
def certificate_add(request: HttpRequest, p: Placement) -> HttpResponse:
    registry = ws.registry_certificates(p.id_number)
    allowed = ws.hand_certificate_is_allowed(registry, p.year)
    if request.method == "POST":
        form = HandCertificateForm(request.POST, request.FILES, id_number=p.id_number)
        if form.is_valid():
            try:
                registration_services.hand_certificate_add(
                    placement=p,
                    data=form.certificate_data(),
                    image=form.cleaned_data.get("image"),
                    by=request.user,
                    expected_version=form.expected_version,
                    token=form.token_value,
                )
            except writes.DuplicateSubmission:
                return redirect(f"{step_url(p, 1)}#certificates")
            except DomainError as error:
                error.add_to_form(form)
            else:
                messages.success(request, "残疾证已补录，经残联审核通过后计入。")
                return redirect(f"{step_url(p, 1)}#certificates")
    else:
        form = HandCertificateForm(id_number=p.id_number, version=p.version)
    context = {
        "title": "补录残疾证",
        "p": p,
        "form": form,
        "allowed": allowed,
        "registry_certificates": registry,
        "steps": wizard_steps(p, 1),
    }
    return render(request, "placements/certificate_form.html", context)


@clerk_placement(edit="wizard")
def certificate_delete(request: HttpRequest, p: Placement, cid: int) -> HttpResponse:
    certificate = get_object_or_404(HandCertificate, pk=cid, placement=p)
    if request.method == "POST":
        confirmed(
            request,
            lambda version: registration_services.hand_certificate_delete(
                certificate=certificate, by=request.user, expected_version=version
            ),
            "补录的残疾证已删除。",
        )
        return redirect(f"{step_url(p, 1)}#certificates")
    return confirm_page(
        request,
        p,
        title="删除补录残疾证",
        question=f"确定要删除补录的残疾证 {certificate.cert_no} 吗？",
        note="只有尚未审核的补录残疾证可以删除；已上传的图片仍保留在审计记录中。",
        button="确定删除",
        danger=True,
        cancel=f"{step_url(p, 1)}#certificates",
    )
