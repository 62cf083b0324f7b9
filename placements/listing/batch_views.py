"""批量删除 from the list (issue 13): the rows ticked on the list → one confirmation page listing them → one POST
that deletes them all or none, through the single 删除's service (placements.registration.lifecycle)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from core.errors import DomainError
from employers.access import employer_required
from employers.selectors import year_locked
from placements.listing import selectors as ws
from placements.listing.labels import status_text
from placements.registration import lifecycle as registration_lifecycle
from placements.web import LOCKED_MESSAGE, int_param

BATCH_MAX = 200  # a page holds 50; a hand-made URL with thousands of ids is refused


def _ids(values: list[str]) -> list[int] | None:
    """The ticked placement ids (``"12"`` or, from the confirmation page, ``"12:3"`` with the version seen)."""
    ids = [int_param(v.split(":", 1)[0]) for v in values]
    return None if any(i is None for i in ids) else ids


def _versions(values: list[str]) -> dict[int, int]:
    out = {}
    for value in values:
        pk, _, version = value.partition(":")
        if int_param(pk) is not None and int_param(version) is not None:
            out[int(pk)] = int(version)
    return out


@employer_required
def batch_delete(request: HttpRequest) -> HttpResponse:
    employer = request.employer
    data = request.POST if request.method == "POST" else request.GET
    year = int_param(data.get("year"))
    values = data.getlist("ids")
    ids = _ids(values)
    back = f"{reverse('placements:index')}?year={year}" if year else reverse("placements:index")
    if year is None or ids is None:
        raise Http404("没有找到所选人员")
    if not ids:
        messages.info(request, "请先勾选需要删除的人员。")
        return redirect(back)
    if len(set(ids)) > BATCH_MAX:
        messages.error(request, f"一次最多删除 {BATCH_MAX} 人，请分批操作。")
        return redirect(back)
    if year_locked(employer, year):
        messages.error(request, LOCKED_MESSAGE.format(year=year))
        return redirect(back)
    if request.method == "POST":
        try:
            deleted = registration_lifecycle.placements_delete(
                employer=employer, year=year, placement_ids=ids, versions=_versions(values), by=request.user
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            names = "、".join(p.name for p in deleted)
            messages.success(request, f"已删除 {len(deleted)} 人的 {year} 年度安置登记：{names}。")
        return redirect(back)
    placements = ws.batch_placements(employer, year, ids)
    if len(placements) != len(set(ids)):
        raise Http404("没有找到所选人员")  # another unit's, another year's or already deleted: nothing is shown
    context = {
        "title": "批量删除安置人员",
        "year": year,
        "rows": [(p, status_text(p.status)) for p in placements],
        "registered": sum(int(p.n_registered) for p in placements),
        "back": back,
    }
    return render(request, "placements/batch_delete_confirm.html", context)
