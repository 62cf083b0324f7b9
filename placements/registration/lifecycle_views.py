"""STEP.04 完成登记, 查看, 重新登记, 删除 and 导入上一年申报名单."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from core.errors import DomainError
from employers.access import employer_required
from employers.selectors import year_locked
from placements import writes
from placements.evidence import selectors as evidence_selectors
from placements.forms import ConfirmForm
from placements.grid import selectors as grid_selectors
from placements.listing import selectors as listing_selectors
from placements.models import Placement
from placements.registration import importing as registration_importing
from placements.registration import lifecycle as registration_lifecycle
from placements.registration import selectors as registration_selectors
from placements.registration.forms import ImportForm
from placements.registration.rules import placement_actions
from placements.rendered import KeptContent
from placements.web import (
    LOCKED_MESSAGE,
    STATUS_LABELS,
    clerk_placement,
    confirm_page,
    confirmed,
    int_param,
    new_year,
    resume_url,
    wizard_steps,
)

MAX_PAGE = 100_000  # pages of 20 persons: more than any unit has; a page number beyond it is that page (empty)

# --- step 4 ------------------------------------------------------------------------------------------------------


@clerk_placement()
def step4(request: HttpRequest, p: Placement) -> HttpResponse:
    if not p.wizard_completed:
        return redirect(resume_url(p))
    months = p.grid
    context = {
        "title": f"完成登记 · {p.name}",
        "p": p,
        "steps": wizard_steps(p, 4),
        "summary": registration_selectors.summary_of(months),
        "status_label": STATUS_LABELS.get(p.status, ""),
    }
    return render(request, "placements/step4.html", context)


# --- 查看, 重新登记, 删除 ------------------------------------------------------------------------------------------


@clerk_placement()
def detail(request: HttpRequest, p: Placement) -> HttpResponse:
    months = p.grid
    locked = p.frozen or year_locked(request.employer, p.year)
    context = {
        "title": f"查看 · {p.name}",
        "p": p,
        "status_label": STATUS_LABELS.get(p.status, ""),
        "contracts": registration_selectors.contracts_of(p),
        "graduates": registration_selectors.graduates_of(p),
        "registry_certificates": registration_selectors.registry_certificates(p.id_number),
        "hand_certificates": registration_selectors.hand_certificates_of(p),
        "evidence": evidence_selectors.evidence_page(p, months).uploads,
        "actions": placement_actions(p.status, p.wizard_completed, locked),
        "resume_url": resume_url(p),
        "locked": locked,
    }

    def with_grid() -> dict:
        """The context with the grid's rows and the counts, both functions of the months alone (``p.grid``)."""
        return {
            **context,
            "rows": grid_selectors.grid_rows(p, months),
            "summary": registration_selectors.summary_of(months),
        }

    # The content is rendered from this context alone and kept under its fingerprint (placements.rendered). The key
    # is the context without the rows and counts: the months they are computed from are in it (the placement's
    # ``grid``), so a page asked for again computes neither (issue 16).
    content = DETAIL.render(context, build=with_grid)
    return render(request, "placements/detail.html", {"title": context["title"], "content": content})


DETAIL = KeptContent("placements/_detail.html", kept=64)  # ~160 kB each (the HTML and the key)


@clerk_placement(edit="reopen")
def reregister(request: HttpRequest, p: Placement) -> HttpResponse:
    if request.method == "POST":
        form = ConfirmForm(request.POST)
        form.is_valid()
        try:
            registration_lifecycle.placement_reregister(
                placement=p, by=request.user, expected_version=form.expected_version, token=form.token_value
            )
        except writes.DuplicateSubmission:
            return redirect("placements:step1", pk=p.pk)
        messages.success(request, "已重新打开登记：请核对信息后依次完成各步骤，系统或残联将重新审核认定。")
        return redirect("placements:step1", pk=p.pk)
    return confirm_page(
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


@clerk_placement(edit="delete")
def delete(request: HttpRequest, p: Placement) -> HttpResponse:
    back = f"{reverse('placements:index')}?year={p.year}"
    if request.method == "POST":
        confirmed(
            request,
            lambda version: registration_lifecycle.placement_delete(
                placement=p, by=request.user, expected_version=version
            ),
            f"已删除 {p.name} 的 {p.year} 年度安置登记。",
        )
        return redirect(back)
    return confirm_page(
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
    year = new_year(request)
    back = f"{reverse('placements:index')}?year={year}"
    if year_locked(employer, year):
        messages.error(request, LOCKED_MESSAGE.format(year=year))
        return redirect(back)
    search = listing_selectors.normalise_search(request.GET.get("q"))
    number = min(max(1, int_param(request.GET.get("page"), 1) or 1), MAX_PAGE)
    size = listing_selectors.PAGE_SIZE
    candidates, count = registration_selectors.import_candidates_page(
        employer, year, search, offset=(number - 1) * size, limit=size
    )
    page = listing_selectors.ListPage(candidates, number, count)
    if request.method == "POST":
        posted = [i for i in (int_param(v) for v in request.POST.getlist("persons")) if i is not None]
        chosen = registration_selectors.import_candidates(employer, year, ids=posted)  # any page's
        form = ImportForm(request.POST, candidates=chosen)
        if form.is_valid():
            try:
                result = registration_importing.placements_import_last_year(
                    employer=employer, year=year, placement_ids=form.cleaned_data["persons"], by=request.user
                )
            except DomainError as error:
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
        "page": page,
        "page_query": urlencode({"year": year, **({"q": search} if search else {})}),
    }
    return render(request, "placements/import.html", context)
