import pytest

from tests import factories


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
