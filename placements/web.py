"""残疾人安置管理: the list, the four-step registration wizard, evidence, 重新登记 / 删除 and 导入上一年申报名单.

Thin views: bind the form, call a service of ``placements.registration``, turn a domain error into a form error,
redirect (PRG). Every placement is looked up with the logged-in unit in the filter, so another unit's id is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from core.errors import DomainError
from employers.selectors import year_locked
from placements.constants import PlacementStatus
from placements.errors import PlacementError
from placements.forms import ConfirmForm
from placements.grid import selectors as grid_selectors
from placements.grid.recompute import grid_recompute
from placements.listing import selectors as listing_selectors
from placements.models import Placement
from placements.registration import selectors as registration_selectors
from placements.registration.rules import may_edit

STEPS = (
    (1, "安置登记", "STEP.01"),
    (2, "信息校验", "STEP.02"),
    (3, "上传附件", "STEP.03"),
    (4, "完成登记", "STEP.04"),
)
STEP_URLS = {1: "placements:step1", 2: "placements:step2", 3: "placements:step3", 4: "placements:step4"}
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
    placement = registration_selectors.placement_with_status(request.employer, pk)
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


# --- step 1 ------------------------------------------------------------------------------------------------------


def _new_year(request: HttpRequest) -> int:
    years, filing_year = listing_selectors.year_choices(request.employer, timezone.localdate())
    year = _int(request.GET.get("year") or request.POST.get("year"))
    return year if year in years else filing_year


def _refreshed_grid(p: Placement) -> list:
    """Recompute the grid after a save lost the person-month to another unit (the failed transaction rolled its own
    refresh back) and read it again."""
    grid_recompute(placement=p)
    return grid_selectors.month_grid(p)


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
