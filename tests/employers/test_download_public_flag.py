"""files:download (employers.views.download) no longer serves a file because it is marked ``public`` (issue 15):
another unit's file is 404 whether or not it is flagged, anonymous visitors get 404, notice attachments are served
through their notice only; the view answers through core.uploads.stored_file_response, in a bounded number of
queries."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core import uploads
from core.uploads import FILE_CSP
from tests import factories
from tests.factories import files

pytestmark = pytest.mark.django_db


def _store(employer, user=None):
    upload = SimpleUploadedFile("劳务派遣协议.pdf", files.pdf_bytes(), content_type="application/pdf")
    return uploads.store_upload(uploaded_file=upload, kind="test", employer=employer, by=user)


def _url(stored):
    return f"/files/{stored.token}/"


def _public(stored):
    stored.public = True
    stored.save(update_fields=["public"])
    return stored


@pytest.fixture
def others_file(other_employer):
    return _store(other_employer)


def test_another_units_file_is_404(employer_client, others_file):
    assert employer_client.get(_url(others_file)).status_code == 404


def test_another_units_public_file_is_404_too(employer_client, others_file):
    _public(others_file)
    assert employer_client.get(_url(others_file)).status_code == 404


def test_a_public_file_is_404_for_anonymous_visitors(client, employer):
    stored = _public(_store(employer))
    assert client.get(_url(stored)).status_code == 404


def test_a_public_file_of_no_unit_is_for_staff_only(client, employer_client, employer, settings):
    """Old notice attachments (employer empty, once public): units get them through the notice, not here."""
    settings.ADMIN_REQUIRE_OTP = False
    stored = _public(_store(None))
    assert employer_client.get(_url(stored)).status_code == 404
    client.force_login(factories.reviewer_user("110000"))
    assert client.get(_url(stored)).status_code == 200


def test_the_owner_still_gets_its_public_file_with_the_shared_headers(employer_client, employer, employer_user):
    stored = _public(_store(employer, employer_user))
    response = employer_client.get(_url(stored))
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == FILE_CSP  # stored_file_response's headers
    assert response["X-Content-Type-Options"] == "nosniff" and "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_a_notice_attachment_is_served_through_its_notice_only(employer_client):
    from tests.factories import notices as nf

    stored = _public(_store(None))
    attachment = nf.published().attachments.create(file=stored)
    assert employer_client.get(_url(stored)).status_code == 404
    via_notice = employer_client.get(f"/notices/{attachment.notice_id}/attachments/{attachment.pk}/")
    assert via_notice.status_code == 200 and via_notice["Content-Security-Policy"] == FILE_CSP


@pytest.mark.parametrize("count", [1, 5])
def test_query_count_does_not_grow_with_the_units_files(
    employer_client, employer, count, django_assert_max_num_queries
):
    stored = [_store(employer) for _ in range(count)][-1]
    with django_assert_max_num_queries(8):
        assert employer_client.get(_url(stored)).status_code == 200
