import pytest

from core import reference

PROVINCES = ("11", "31", "44")


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
def regions(db):
    """The real GB/T 2260 rows of Beijing, Shanghai and Guangdong (with abolished ones), loaded in bulk."""
    rows = [r for r in reference.parse_loc_dat(reference.stdnum_region_lines()) if r.code[:2] in PROVINCES]
    reference.load_regions(rows)
    return rows
