"""One gunicorn process serves its own static files with DEBUG off: collectstatic (fingerprinted, compressed) into a
temporary STATIC_ROOT, then WhiteNoise serves what the pages link to."""

import shutil

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.templatetags.static import static
from django.test import Client

MANIFEST = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}


# What base.html links from node_modules (copied to a temporary folder: collecting and compressing the whole of the
# packages, ECharts above all, is the same code path and only slower).
VENDOR = {
    "vendor/bootstrap": (
        "bootstrap/dist",
        [
            "css/bootstrap.min.css",
            "css/bootstrap.min.css.map",
            "js/bootstrap.bundle.min.js",
            "js/bootstrap.bundle.min.js.map",
        ],
    ),
    "vendor/htmx": ("htmx.org/dist", ["htmx.min.js"]),
}


@pytest.fixture
def collected(settings, tmp_path):
    dirs = [django_settings.BASE_DIR / "static"]
    for prefix, (package, files) in VENDOR.items():
        for name in files:
            target = tmp_path / "node_modules" / package / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(django_settings.BASE_DIR / "node_modules" / package / name, target)
        dirs.append((prefix, tmp_path / "node_modules" / package))
    settings.DEBUG = False
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STATICFILES_DIRS = dirs
    # (Django's setting_changed handler makes staticfiles_storage re-read STORAGES)
    settings.STORAGES = {**settings.STORAGES, "staticfiles": MANIFEST}
    call_command("collectstatic", interactive=False, verbosity=0)
    return settings.STATIC_ROOT


@pytest.mark.django_db
def test_whitenoise_serves_fingerprinted_compressed_files(collected):
    url = static("css/site.css")
    assert url.startswith("/static/css/site.") and url != "/static/css/site.css"  # fingerprinted
    client = Client()  # a new handler: WhiteNoise reads the new STATIC_ROOT
    response = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "immutable" in response["Cache-Control"]
    assert client.get(static("vendor/bootstrap/css/bootstrap.min.css")).status_code == 200


@pytest.mark.django_db
def test_pages_link_the_collected_files(collected):
    html = Client().get("/accounts/login/").content.decode()
    assert static("vendor/bootstrap/css/bootstrap.min.css") in html
    assert (collected / "staticfiles.json").exists()
