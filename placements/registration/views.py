"""STEP.01 安置登记: a new person (the ID number first, 查询 fills what the registry knows), the person's page and
its 学历."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.errors import DomainError
from core.models import Region
from employers.access import employer_required
from employers.selectors import year_locked
from placements import writes
from placements.forms import ConfirmForm
from placements.models import GraduateRecord, Placement
from placements.registration import registry_access
from placements.registration import selectors as ws
from placements.registration import services as registration_services
from placements.registration.forms import GraduateForm, PersonForm
from placements.registration.rules import age_verdict
from placements.web import LOCKED_MESSAGE, clerk_placement, new_year, step_url, wizard_steps


@employer_required
def new(request: HttpRequest) -> HttpResponse:
    """STEP.01 for a new person: the ID number first (查询 fills what the registry knows), then the basic info."""
    employer = request.employer
    year = new_year(request)
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
                p = registration_services.placement_create(
                    employer=employer,
                    year=year,
                    id_number=form.cleaned_data["id_number"],
                    data=form.person_data(),
                    graduate=form.graduate_data(),
                    by=request.user,
                    token=form.token_value,
                )
            except writes.DuplicateSubmission as done:
                return redirect("placements:step1", pk=done.obj.pk)
            except registration_services.DuplicatePersonError as error:
                existing = error.existing
                error.add_to_form(form)
            except DomainError as error:
                error.add_to_form(form)
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
        "steps": wizard_steps(None, 1),
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
        "steps": wizard_steps(p, 1),
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


@clerk_placement(edit="wizard")
def step1(request: HttpRequest, p: Placement) -> HttpResponse:
    if request.method == "POST":
        form = PersonForm(request.POST, placement=p, year=p.year)
        finish = "_next" in request.POST
        if form.is_valid():
            try:
                registration_services.placement_update(
                    placement=p,
                    data=form.person_data(),
                    by=request.user,
                    expected_version=form.expected_version,
                    token=form.token_value,
                    finish_step=finish,
                )
            except writes.DuplicateSubmission:
                return redirect(step_url(p, 2) if finish else step_url(p, 1))
            except DomainError as error:
                error.add_to_form(form)
            else:
                if finish:
                    return redirect("placements:step2", pk=p.pk)
                messages.success(request, "基本信息已保存。")
                return redirect("placements:step1", pk=p.pk)
    else:
        form = PersonForm(placement=p, year=p.year)
    return render(request, "placements/step1.html", _step1_context(request, p, form))


@clerk_placement(edit="wizard")
@require_POST
def graduate_add(request: HttpRequest, p: Placement) -> HttpResponse:
    form = GraduateForm(request.POST)
    if form.is_valid():
        try:
            registration_services.graduate_add(
                placement=p,
                data=form.cleaned_data,
                by=request.user,
                expected_version=form.expected_version,
                token=form.token_value,
            )
        except writes.DuplicateSubmission:
            pass
        except DomainError as error:
            error.add_to_form(form)
        else:
            messages.success(request, "学历信息已添加。")
            return redirect(f"{step_url(p, 1)}#graduates")
        if not form.errors:
            return redirect(f"{step_url(p, 1)}#graduates")
    person_form = PersonForm(placement=p, year=p.year)
    return render(request, "placements/step1.html", _step1_context(request, p, person_form, graduate_form=form))


@clerk_placement(edit="wizard")
@require_POST
def graduate_delete(request: HttpRequest, p: Placement, gid: int) -> HttpResponse:
    graduate = get_object_or_404(GraduateRecord, pk=gid, placement=p)
    form = ConfirmForm(request.POST)
    form.is_valid()
    try:
        registration_services.graduate_delete(
            graduate=graduate, by=request.user, expected_version=form.expected_version
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "学历信息已删除。")
    return redirect(f"{step_url(p, 1)}#graduates")
