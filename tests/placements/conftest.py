import pytest

from tests.factories import otp_login
from tests.factories import placements as pf


@pytest.fixture
def minimum_wage(db):
    return pf.min_wage("11", "2420.00")


@pytest.fixture
def admin_otp_client(client, admin_user):
    otp_login(client, admin_user)
    return client
