from datetime import datetime

import pytest
import time_machine
from django.contrib.auth import get_user_model

from tests import factories
from tests.factories import otp_login
from tests.factories.declarations import SHANGHAI

# Inside the default filing window of business year 2025 (2026-03-01 … 2026-10-31).
DECLARE_AT = datetime(2026, 9, 30, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Stored documents go to a temporary directory, never to var/uploads."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    settings.TAX_EXPORT_DIR = tmp_path / "exports"
    return tmp_path


@pytest.fixture
def traveller():
    """Time frozen on 2026-09-30 10:00 (Shanghai); ``traveller.move_to(...)`` to go elsewhere."""
    with time_machine.travel(DECLARE_AT, tick=False) as t:
        yield t


@pytest.fixture
def reviewer(db):
    return factories.reviewer_user("110000", username="bj-reviewer")


@pytest.fixture
def reviewer_client(client, reviewer):
    otp_login(client, reviewer)
    return client


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root", "root@example.cn", "root-pass-2026")
