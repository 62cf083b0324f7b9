"""One gunicorn process serves its own static files with DEBUG off: collectstatic (fingerprinted, compressed) into a
temporary STATIC_ROOT, then WhiteNoise serves what the pages link to."""

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.templatetags.static import static
from django.test import Client, override_settings

MANIFEST = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}


def _collected_settings(root) -> dict:
    # (Django's setting_changed handler makes staticfiles_storage re-read STORAGES)
    return {"DEBUG": False, "STATIC_ROOT": root, "STORAGES": {**django_settings.STORAGES, "staticfiles": MANIFEST}}


@pytest.fixture(scope="module")
def collected_root(tmp_path_factory):
    """collectstatic once for the module's tests (~10 s each time)."""
    root = tmp_path_factory.mktemp("static")
    with override_settings(**_collected_settings(root)):
        call_command("collectstatic", interactive=False, verbosity=0)
    return root


@pytest.fixture
def collected(settings, collected_root):
    for name, value in _collected_settings(collected_root).items():
        setattr(settings, name, value)
    return collected_root


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


@pytest.mark.django_db
def test_only_the_linked_vendor_files_are_collected(collected):
    vendor = sorted(str(p.relative_to(collected / "vendor")) for p in (collected / "vendor").rglob("*") if p.is_file())
    originals = [name for name in vendor if name.count(".") >= 1 and not name.endswith((".gz", ".br"))]
    # each linked file, its fingerprinted copy and their compressed forms; nothing else of the packages
    assert {name.split("/")[0] for name in vendor} == {"bootstrap", "htmx", "echarts"}
    assert "echarts/echarts.min.js" in originals and "echarts/echarts.js" not in originals
    assert sum((collected / "vendor" / n).stat().st_size for n in vendor) < 15 * 1024 * 1024


def test_vendor_finder_reports_a_missing_package_file(settings, tmp_path):
    from core.staticfinders import VendorFinder

    settings.STATIC_VENDOR_FILES = {"vendor/x": (tmp_path, ["x.min.js"])}
    errors = VendorFinder().check()
    assert [e.id for e in errors] == ["core.E020"] and "make setup" in errors[0].hint
    (tmp_path / "x.min.js").write_text("/* x */")
    finder = VendorFinder()
    assert finder.check() == []
    assert finder.find("vendor/x/x.min.js") == str(tmp_path / "x.min.js")
    assert finder.find("vendor/x/other.js") is None
    assert [name for name, _ in finder.list([])] == ["x.min.js"]
