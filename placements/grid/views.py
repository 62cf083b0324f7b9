"""STEP.02 信息校验: the month grid, the confirmation 「该人员安置月数为 N 个月」 and the save."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from core.errors import DomainError
from placements import writes
from placements.errors import MonthsTakenError, SelectionError
from placements.grid import selectors as ws
from placements.grid import services as grid_services
from placements.grid.forms import MonthsForm
from placements.grid.selection import month_option, plan_selection
from placements.models import Placement
from placements.web import clerk_placement, refreshed_grid, wizard_steps

# --- step 2: the month grid --------------------------------------------------------------------------------------


@clerk_placement(edit="wizard")
def step2(request: HttpRequest, p: Placement) -> HttpResponse:
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
                    "steps": wizard_steps(p, 2),
                    "form": form,
                    "selected": plan.selected,
                    "count": len(plan.selected),
                    "pending": [m for m in plan.selected if plan.states[m] == "pending"],
                }
                return render(request, "placements/step2_confirm.html", context)
            else:
                try:
                    saved = grid_services.months_register(
                        placement=p,
                        months=plan.selected,
                        by=request.user,
                        expected_version=form.expected_version,
                        token=form.token_value,
                    )
                except writes.DuplicateSubmission as done:
                    saved = done.obj
                except DomainError as error:
                    error.add_to_form(form)
                    if isinstance(error, SelectionError):
                        errors = error.errors
                    if isinstance(error, MonthsTakenError):
                        months = refreshed_grid(p)  # the failed save rolled its refresh back: show who holds what
                    saved = None
                if saved is not None:
                    if saved.wizard_completed and saved.wizard_step == 4:
                        messages.success(request, "登记完成：所选月份均已通过系统核验，状态为“审核通过（系统）”。")
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
        "steps": wizard_steps(p, 2),
        "form": form,
        "rows": rows,
        "dispatched": any(m.dispatched for m in months),
        "has_rows": bool(months),
    }
    return render(request, "placements/step2.html", context)
