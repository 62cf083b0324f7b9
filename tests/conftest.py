import pytest
from django.conf import settings as django_settings

from tests import factories

# Production hashes passwords with Argon2 (config/settings.py), which costs ~0.1–0.5 s of CPU per hash on purpose.
# The suite creates and logs in thousands of users, so tests hash with MD5 first; Argon2 stays in the list (hashes
# made with it still verify) and the tests that are about the hashing itself ask for `production_hashers`.
PRODUCTION_PASSWORD_HASHERS = list(django_settings.PASSWORD_HASHERS)
django_settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PRODUCTION_PASSWORD_HASHERS]


@pytest.fixture
def production_hashers(settings):
    """The password hashers of config/settings.py (Argon2 first), for tests about how passwords are stored: list it
    before the fixtures that create users, so that their passwords are hashed the production way too."""
    settings.PASSWORD_HASHERS = PRODUCTION_PASSWORD_HASHERS


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings, tmp_path):
    """Uploads made by tests land in a temporary directory, never in var/uploads."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }


@pytest.fixture
def employer(db):
    return factories.employer()


@pytest.fixture
def employer_user(employer):
    return factories.employer_user(employer)


@pytest.fixture
def employer_client(client, employer_user):
    client.force_login(employer_user)
    return client


@pytest.fixture
def other_employer(db):
    return factories.employer(name="上海另一家单位有限公司", region_code="310101")
