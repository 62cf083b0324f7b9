"""employers.views.download serves a stored upload only to whoever may see it; everyone else gets 404."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core import uploads
from tests import factories
from tests.factories import files

pytestmark = pytest.mark.django_db


@pytest.fixture
def stored(employer, employer_user):
    # employer's 残联主管部门 is 110101 (北京市东城区)
    upload = SimpleUploadedFile("劳务派遣协议.pdf", files.pdf_bytes(), content_type="application/pdf")
    return uploads.store_upload(uploaded_file=upload, kind="test", employer=employer, by=employer_user)


def _url(stored, inline=False):
    return f"/files/{stored.token}/" + ("?inline=1" if inline else "")


def test_owner_gets_the_file(employer_client, stored):
    response = employer_client.get(_url(stored))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    inline = employer_client.get(_url(stored, inline=True))
    assert inline.status_code == 200 and "inline" in inline["Content-Disposition"]


def test_other_unit_gets_404(client, stored, other_employer):
    client.force_login(factories.employer_user(other_employer))
    assert client.get(_url(stored)).status_code == 404


def test_anonymous_gets_404(client, stored):
    assert client.get(_url(stored)).status_code == 404


def test_unknown_token_gets_404(employer_client, stored):
    assert employer_client.get("/files/not-a-token/").status_code == 404


@pytest.mark.parametrize("region", ["110000", "110100", "110101"])
def test_reviewer_in_region_gets_the_file(client, stored, region, settings):
    settings.ADMIN_REQUIRE_OTP = False
    client.force_login(factories.reviewer_user(region))
    assert client.get(_url(stored)).status_code == 200


def test_reviewer_without_second_factor_gets_404(client, stored, settings):
    settings.ADMIN_REQUIRE_OTP = True
    client.force_login(factories.reviewer_user("110000"))
    assert client.get(_url(stored)).status_code == 404


@pytest.mark.parametrize("region", ["310000", "110102"])
def test_reviewer_outside_region_gets_404(client, stored, region):
    factories.region(region, name="上海市" if region == "310000" else "西城区")
    client.force_login(factories.reviewer_user(region))
    assert client.get(_url(stored)).status_code == 404


def test_login_without_unit_or_region_gets_404(client, stored, django_user_model):
    client.force_login(django_user_model.objects.create_user("nobody", password="x-pass-2026-long"))
    assert client.get(_url(stored)).status_code == 404


def test_file_missing_from_storage_is_404_not_500(employer_client, stored):
    stored.file.delete(save=False)
    assert employer_client.get(_url(stored)).status_code == 404


def test_a_file_marked_public_is_still_only_its_units(client, stored, other_employer):
    """StoredFile.public grants nothing through /files/: notice attachments are served by their published notice."""
    stored.public = True
    stored.save(update_fields=["public"])
    assert client.get(_url(stored)).status_code == 404
    client.force_login(factories.employer_user(other_employer))
    assert client.get(_url(stored)).status_code == 404
