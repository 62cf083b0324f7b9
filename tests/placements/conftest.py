import pytest
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.placements import factories as pf


@pytest.fixture
def minimum_wage(db):
    return pf.min_wage("11", "2420.00")


def otp_login(client, user) -> None:
    """Sign ``user`` in to the admin with a confirmed TOTP device and a verified session."""
    device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


@pytest.fixture
def admin_otp_client(client, admin_user):
    otp_login(client, admin_user)
    return client
