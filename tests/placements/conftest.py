import pytest

from tests.placements import factories as pf


@pytest.fixture
def minimum_wage(db):
    return pf.min_wage("11", "2420.00")
