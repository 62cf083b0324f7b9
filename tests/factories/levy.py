"""What the levy counts: placement months of a unit and year, and the figures a unit states."""

from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from levy.models import StaffFigures
from placements.models import Placement
from tests.factories.core import make_id_number
from tests.factories.employers import EmployerFactory
from tests.factories.placements import PlacementFactory, selected_months


class StaffFiguresFactory(DjangoModelFactory):
    class Meta:
        model = StaffFigures

    employer = factory.SubFactory(EmployerFactory)
    year = 2025
    staff_count = Decimal("100")
    avg_monthly_wage = Decimal("8000.00")


def add_months(
    employer, year: int, *, weight: int, months: list[int], state: str = "confirmed", selected=True, submitted=True
) -> Placement:
    """A placement of a new person with the given months (1–12) in ``state``; ``submitted``: 完成登记 done."""
    placement = PlacementFactory(
        employer=employer, year=year, id_number=make_id_number(), name="王芳", wizard_completed=submitted
    )
    selected_months(placement, months, weight=weight, selected=selected, review_state=state if selected else "none")
    return placement
