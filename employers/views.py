"""单位信息维护管理: the unit's basic information and its related units. Thin views: form → service → redirect.

Also the permission-checked download of stored uploads (``/files/<token>/``, ``files:download``): who may see a
file follows from the unit it belongs to and the login's unit or reviewer region, which this app owns.
"""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from core.errors import DomainError
from core.models import StoredFile
from core.otp import second_factor_ok
from core.uploads import stored_file_response
from employers import selectors, services
from employers.access import employer_for_user, employer_required, reviewer_region_prefix
from employers.forms import EmployerForm, RelatedUnitForm
from employers.models import RelatedUnit, RelatedUnitProof


def _related_unit(request: HttpRequest, pk: int) -> RelatedUnit:
    """The current unit's own related unit, or 404 (another unit's id never reveals anything)."""
    return get_object_or_404(
        RelatedUnit.objects.select_related("region", "employer"), pk=pk, employer=request.employer, is_active=True
    )


@employer_required
def employer_edit(request: HttpRequest) -> HttpResponse:
    employer = request.employer
    uscc_locked = services.uscc_is_locked(employer)
    if request.method == "POST":
        form = EmployerForm(request.POST, instance=employer, uscc_locked=uscc_locked)
        if not form.refreshing and form.is_valid():
            try:
                services.employer_update(
                    employer=employer,
                    data=form.changed_data_for_service(),
                    by=request.user,
                    expected_version=form.cleaned_data.get("version"),
                )
            except DomainError as error:
                error.add_to_form(form)
            else:
                messages.success(request, "单位基本信息已保存。")
                return redirect("employers:index")
    else:
        form = EmployerForm(instance=employer, uscc_locked=uscc_locked)
    context = {
        "title": "单位信息维护管理",
        "form": form,
        "related_units": selectors.related_units_for(employer),
        "uscc_locked": uscc_locked,
    }
    return render(request, "employers/employer_form.html", context)


@employer_required
def related_unit_list(request: HttpRequest) -> HttpResponse:
    context = {"title": "关联单位", "related_units": selectors.related_units_for(request.employer)}
    return render(request, "employers/related_unit_list.html", context)


@employer_required
def related_unit_create(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = RelatedUnitForm(request.POST, request.FILES, proof_required=True)
        if not form.refreshing and form.is_valid():
            try:
                services.related_unit_create(
                    employer=request.employer,
                    data=form.data_for_service(),
                    proof=form.cleaned_data["proof"],
                    by=request.user,
                )
            except DomainError as error:
                error.add_to_form(form)
            else:
                messages.success(request, "关联单位已添加，证明材料待残联审核。")
                return redirect("employers:related_list")
    else:
        form = RelatedUnitForm(proof_required=True)
    return render(request, "employers/related_unit_form.html", {"title": "添加关联单位", "form": form})


@employer_required
def related_unit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _related_unit(request, pk)
    if request.method == "POST":
        form = RelatedUnitForm(request.POST, request.FILES, instance=unit)
        if not form.refreshing and form.is_valid():
            try:
                saved = services.related_unit_update(
                    unit=unit, data=form.data_for_service(), proof=form.cleaned_data.get("proof"), by=request.user
                )
            except DomainError as error:
                error.add_to_form(form)
            else:
                if saved.pk != unit.pk:
                    messages.warning(
                        request,
                        "该关联单位已被已确认的安置登记引用，标识不能直接修改：已按新标识新建关联单位，请为其上传证明材料。",
                    )
                    return redirect("employers:related_edit", pk=saved.pk)
                messages.success(request, "关联单位已保存。")
                return redirect("employers:related_list")
    else:
        form = RelatedUnitForm(instance=unit)
    context = {
        "title": "编辑关联单位",
        "form": form,
        "unit": unit,
        "proofs": selectors.related_unit_proofs(unit),
        "referenced": services.related_unit_is_referenced(unit),
    }
    return render(request, "employers/related_unit_form.html", context)


@employer_required
def related_unit_delete(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _related_unit(request, pk)
    if request.method == "POST":
        services.related_unit_delete(unit=unit, by=request.user)
        messages.success(request, f"关联单位「{unit.name}」已删除。")
        return redirect("employers:related_list")
    return render(request, "employers/related_unit_confirm_delete.html", {"title": "删除关联单位", "unit": unit})


@employer_required
@require_POST
def related_unit_proof_withdraw(request: HttpRequest, pk: int, proof_pk: int) -> HttpResponse:
    unit = _related_unit(request, pk)
    proof = get_object_or_404(RelatedUnitProof, pk=proof_pk, related_unit=unit)
    try:
        services.related_unit_proof_withdraw(proof=proof, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "证明材料已撤回（记录保留在审计日志中）。")
    return redirect("employers:related_edit", pk=unit.pk)


# --- stored uploads ------------------------------------------------------------------------------------------------


def _may_view(user, stored: StoredFile) -> bool:
    # StoredFile.public grants nothing (issue 15): notice attachments are served through their notice, which checks
    # publication (notices.views.attachment); a file is the unit's, its region's reviewers' or (no unit) staff's.
    if not user.is_authenticated:
        return False
    employer = employer_for_user(user)
    if employer is not None:
        return stored.employer_id == employer.pk
    if not second_factor_ok(user):
        return False  # a reviewer who typed the password but not yet the TOTP code
    prefix = reviewer_region_prefix(user)
    if prefix is None:
        return False
    if prefix == "" or stored.employer_id is None:
        return user.is_staff
    return stored.employer is not None and stored.employer.federation_region_id.startswith(prefix)


@xframe_options_sameorigin
def download(request: HttpRequest, token: str) -> HttpResponse:
    """Serve a stored upload to whoever may see it; everyone else gets 404 (not 403: no existence oracle)."""
    stored = get_object_or_404(StoredFile.objects.select_related("employer"), token=token)
    if not _may_view(request.user, stored):
        raise Http404
    return stored_file_response(stored, inline=request.GET.get("inline") == "1")
