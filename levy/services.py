"""Writes of the levy app: the figures a unit states for its estimate (audited)."""

from decimal import Decimal

from django.db import transaction

from core.actors import Actor
from core.audit import record
from employers.models import Employer
from levy.models import StaffFigures


@transaction.atomic
def staff_figures_save(
    *, employer: Employer, year: int, staff_count: Decimal, avg_monthly_wage: Decimal, by: Actor | None
) -> StaffFigures:
    """Create or change the unit's 职工人数 / 月平均工资 of ``year`` (the row is locked; before/after audited)."""
    cents = Decimal("0.01")
    staff_count, avg_monthly_wage = staff_count.quantize(cents), avg_monthly_wage.quantize(cents)
    figures = StaffFigures.objects.select_for_update().filter(employer=employer, year=year).first()
    before = (
        {"staff_count": str(figures.staff_count), "avg_monthly_wage": str(figures.avg_monthly_wage)}
        if figures is not None
        else {}
    )
    if figures is None:
        figures = StaffFigures(employer=employer, year=year)
    figures.staff_count, figures.avg_monthly_wage = staff_count, avg_monthly_wage
    figures.updated_by = by if getattr(by, "is_authenticated", False) else None
    figures.save()
    after = {"staff_count": str(staff_count), "avg_monthly_wage": str(avg_monthly_wage)}
    record(
        actor=by,
        action="levy.staff_figures_saved",
        obj=figures,
        changes={k: {"before": before.get(k), "after": v} for k, v in after.items() if before.get(k) != v},
    )
    return figures
