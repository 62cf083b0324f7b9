import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import notices as nf
from tests.factories import otp_login


def totp_now(device: TOTPDevice) -> str:
    """The code an authenticator app would show for ``device`` right now."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings, tmp_path):
    """Uploads go to a temporary directory, never to var/uploads."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    return tmp_path / "media"


@pytest.fixture
def reviewer(db):
    return nf.reviewer("110000", username="bj-reviewer")


@pytest.fixture
def reviewer_client(client, reviewer):
    otp_login(client, reviewer)
    return client
