from decimal import Decimal

import pytest

from tests import factories


@pytest.fixture
def beijing_reference(db):
    """Beijing's ratio and social average wage for business year 2025."""
    factories.EmploymentRatioFactory(province_code="11", year=2025, ratio_percent=Decimal("1.70"))
    factories.SocialAverageWageFactory(province_code="11", year=2025, annual_amount=Decimal("120000.00"))
