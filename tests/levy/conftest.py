from decimal import Decimal

import pytest

from core.models import EmploymentRatio, SocialAverageWage
from tests import factories


@pytest.fixture
def beijing_reference(db):
    """Beijing's ratio and social average wage for business year 2025."""
    EmploymentRatio.objects.create(province_code="11", year=2025, ratio_percent=Decimal("1.70"))
    SocialAverageWage.objects.create(province_code="11", year=2025, annual_amount=Decimal("120000.00"))


def add_months(
    employer, year: int, *, weight: int, months: list[int], state: str = "confirmed", selected=True, submitted=True
):
    """A placement of a new person with the given months (1–12) in ``state``; ``submitted``: 完成登记 done."""
    from placements.models import Placement, PlacementMonth

    id_number = factories.make_id_number()
    placement = Placement.objects.create(
        employer=employer, year=year, id_number=id_number, name="王芳", wizard_completed=submitted
    )
    PlacementMonth.objects.bulk_create(
        PlacementMonth(
            placement=placement,
            id_number=id_number,
            year=year,
            month=year * 100 + m,
            weight=weight,
            selected=selected,
            review_state=state if selected else "none",
        )
        for m in months
    )
    return placement
