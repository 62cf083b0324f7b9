"""What the clerk's pages of every use case share: :func:`clerk_placement` (the one way a view gets the unit's
placement, refuses edits of a declared year and turns a service's refusal into a message), the wizard's steps
and the confirmation page.

Thin views: bind the form, call one service, turn a domain error into a form error (``error.add_to_form``),
redirect (PRG). Every placement is looked up with the logged-in unit in the filter, so another unit's id is a 404.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Literal

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from core.errors import DomainError
from core.numbers import ascii_int
from employers.access import employer_required
from employers.selectors import year_locked
from placements.constants import PlacementStatus
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


def int_param(value, default: int | None = None) -> int | None:
    """A whole number from a query string or a form: ASCII digits, at most 18 (so it fits a database integer and an
    id of 151 digits is no id rather than an overflow in the query), else ``default``."""
    number = ascii_int(value)
    return default if number is None else number


def _placement(request: HttpRequest, pk: int) -> Placement:
    """The unit's placement with its counts and status; another unit's id → 404."""
    placement = registration_selectors.placement_with_status(request.employer, pk)
    if placement is None:
        raise Http404("没有找到该安置人员")
    return placement


def step_url(p: Placement, step: int) -> str:
    return reverse(STEP_URLS[step], args=[p.pk])


def resume_url(p: Placement) -> str:
    return step_url(p, min(max(p.wizard_step, 1), 4))


def _refusal(request: HttpRequest, p: Placement, edit: Edit) -> HttpResponse | None:
    """None when ``p`` may be changed as ``edit`` asks, else where to go with the reason."""
    if p.frozen or year_locked(request.employer, p.year):
        messages.error(request, LOCKED_MESSAGE.format(year=p.year))
        if edit == "delete":
            return redirect(f"{reverse('placements:index')}?year={p.year}")
        return redirect("placements:detail", pk=p.pk)
    if edit == "wizard" and not may_edit(p.status, p.wizard_completed):
        messages.info(request, APPROVED_MESSAGE)
        return redirect("placements:detail", pk=p.pk)
    return None


type Edit = Literal["wizard", "reopen", "delete"] | None


def clerk_placement(*, edit: Edit = None) -> Callable:
    """Decorate a clerk's view ``view(request, p, **kwargs)`` of the URL ``<pk>/…``.

    - ``p`` is the logged-in unit's placement with its counts and status (:func:`_placement`); another unit's id
      is a 404, before anything else is looked at;
    - ``edit`` refuses a change the year or the placement does not allow, with the message the clerk reads:
      ``"wizard"`` (the registration's pages and their documents: not after 完成申报 or on a frozen placement,
      not once a reviewer approved it), ``"reopen"`` (重新登记: not after 完成申报) and ``"delete"`` (the same,
      back to the year's list);
    - a :class:`core.errors.DomainError` a service raised and the view did not put on a form becomes an error
      message on the placement's page (views that show a form catch it themselves: ``error.add_to_form(form)``).
    """

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @employer_required
        @wraps(view)
        def wrapped(request: HttpRequest, pk: int, **kwargs) -> HttpResponse:
            p = _placement(request, pk)
            if edit and (refused := _refusal(request, p, edit)):
                return refused
            try:
                return view(request, p, **kwargs)
            except DomainError as error:
                messages.error(request, error.message)
                return redirect("placements:detail", pk=p.pk)

        return wrapped

    return decorate


def wizard_steps(p: Placement | None, current: int) -> list[dict]:
    reachable = p.wizard_step if p is not None else 1
    if p is not None and p.wizard_completed:
        reachable = 4
    out = []
    for number, label, code in STEPS:
        url = step_url(p, number) if p is not None and number <= reachable and number != current else ""
        state = "current" if number == current else ("done" if number < current or number <= reachable else "todo")
        out.append({"number": number, "label": label, "code": code, "url": url, "state": state})
    return out


# --- step 1 ------------------------------------------------------------------------------------------------------


def new_year(request: HttpRequest) -> int:
    years, filing_year = listing_selectors.year_choices(request.employer, timezone.localdate())
    year = int_param(request.GET.get("year") or request.POST.get("year"))
    return year if year in years else filing_year


def refreshed_grid(p: Placement) -> list:
    """Recompute the grid after a save lost the person-month to another unit (the failed transaction rolled its own
    refresh back) and read it again."""
    grid_recompute(placement=p)
    return grid_selectors.month_grid(p)


def confirmed(request, action, success: str) -> None:
    """Run ``action(expected_version)`` for a POSTed confirmation form and report the outcome as a message."""
    form = ConfirmForm(request.POST)
    form.is_valid()
    try:
        action(form.expected_version)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success)


def confirm_page(request, p, *, title, question, note, button, danger, cancel) -> HttpResponse:
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
