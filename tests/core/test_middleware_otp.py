"""core.middleware_otp: the session's second-factor device read by a prepared query gives what django-otp's own
``Device.from_persistent_id`` gives, for good and for bad ids, and the admin still asks for the second factor."""

import pytest
from django.contrib.auth import get_user_model
from django_otp.models import Device
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.middleware_otp import OTPMiddleware, device_from_persistent_id

pytestmark = pytest.mark.django_db


@pytest.fixture
def device():
    user = get_user_model().objects.create_user("otp-mw", password="x-Long-enough-2026", is_staff=True)
    TOTPDevice.objects.create(user=user, name="first", confirmed=True)
    return TOTPDevice.objects.create(user=user, name="second", confirmed=False)


def test_the_same_device_as_django_otp(device):
    ids = [
        device.persistent_id,
        f"otp_totp.totpdevice/{device.pk + 1000}",  # no such row
        "otp_totp.totpdevice/abc",
        "otp_totp.totpdevice/99999999999999",  # past a 32-bit integer: the ORM answers
        "otp_totp.totpdevice",
        "otp_totp/1",
        "nope.nothing/1",
        "a.b.c/1",
        "",
    ]
    for persistent_id in ids:
        ours, theirs = device_from_persistent_id(persistent_id), Device.from_persistent_id(persistent_id)
        assert ours == theirs, persistent_id
        assert type(ours) is type(theirs)
    # A model that is no device: django-otp's own lookup fails with AttributeError (a 500 for that session); none here.
    with pytest.raises(AttributeError):
        Device.from_persistent_id("auth.user/1")
    assert device_from_persistent_id("auth.user/1") is None
    found = device_from_persistent_id(device.persistent_id)
    assert (found.pk, found.name, found.confirmed, found.user_id) == (device.pk, "second", False, device.user_id)


def test_the_legacy_full_path_is_normalised_as_before(device):
    legacy = f"django_otp.plugins.otp_totp.models.TOTPDevice/{device.pk}"
    middleware = OTPMiddleware(lambda request: None)
    assert middleware._device_from_persistent_id(legacy) == device


def test_the_admin_still_asks_for_and_accepts_the_second_factor(client):
    from tests.factories.employers import otp_login, reviewer_user

    user = reviewer_user("110000")
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get("/admin/").status_code == 302  # to the second factor
    otp_login(client, user)
    assert client.get("/admin/").status_code == 200
