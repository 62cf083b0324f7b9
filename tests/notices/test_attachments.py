"""Attachments of a notice are downloadable by a unit only while it may see the notice: not before the publish time
(issue 12), not from another region's or another unit's notice; reviewers preview them in admin."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core import uploads
from notices.services import notice_publish
from tests import factories
from tests.factories import files, otp_login
from tests.factories import notices as nf

pytestmark = pytest.mark.django_db


@pytest.fixture
def beijing_reviewer(db):
    return nf.reviewer("110000", username="bj-attachments")


def _publish(reviewer, *, region_code: str | None = "110000", publish_at=None, name: str = "年审名单.pdf"):
    stored = uploads.store_upload(uploaded_file=files.pdf_upload(name), kind="notice", by=reviewer)
    notice = notice_publish(
        title="关于2025年度年审的通知",
        body="<p>见附件。</p>",
        region=nf.region(region_code) if region_code else None,
        publish_at=publish_at,
        pinned=False,
        attachments=[stored],
        by=reviewer,
    )
    return notice, notice.attachments.get()


def _link(notice, attachment) -> str:
    return reverse("notices:attachment", args=[notice.pk, attachment.pk])


def test_an_attachment_of_a_notice_due_later_is_404_until_its_publish_time(
    employer_client, beijing_reviewer, time_machine
):
    due = timezone.now() + timedelta(minutes=10)  # within the session's idle limit, so the clerk stays logged in
    notice, attachment = _publish(beijing_reviewer, publish_at=due)
    token = attachment.file.token

    assert employer_client.get(reverse("notices:detail", args=[notice.pk])).status_code == 404
    assert employer_client.get(_link(notice, attachment)).status_code == 404
    assert employer_client.get(reverse("files:download", args=[token])).status_code == 404
    assert Client().get(reverse("files:download", args=[token])).status_code == 404

    time_machine.move_to(due + timedelta(seconds=1))
    response = employer_client.get(_link(notice, attachment))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert response["Content-Type"] == "application/pdf" and "attachment" in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store" and response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == uploads.FILE_CSP
    inline = employer_client.get(_link(notice, attachment) + "?inline=1")
    assert inline.status_code == 200 and "inline" in inline["Content-Disposition"]
    # still only through the notice: the file is not public
    assert employer_client.get(reverse("files:download", args=[token])).status_code == 404


def test_a_reviewer_previews_the_attachment_before_the_publish_time(client, beijing_reviewer):
    _notice, attachment = _publish(beijing_reviewer, publish_at=timezone.now() + timedelta(days=3))
    otp_login(client, beijing_reviewer)
    response = client.get(reverse("files:download", args=[attachment.file.token]) + "?inline=1")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_a_reviewer_without_the_second_factor_gets_nothing(client, beijing_reviewer):
    _notice, attachment = _publish(beijing_reviewer, publish_at=timezone.now() + timedelta(days=3))
    client.force_login(beijing_reviewer)  # password only
    assert client.get(reverse("files:download", args=[attachment.file.token])).status_code == 404


def test_a_notice_to_another_region_or_unit_is_404(client, beijing_reviewer, other_employer):
    notice, attachment = _publish(beijing_reviewer)  # Beijing; other_employer is in Shanghai
    client.force_login(factories.employer_user(other_employer))
    assert client.get(_link(notice, attachment)).status_code == 404

    own = nf.to_unit(factories.employer(name="北京市另一家单位有限公司", region_code="110105"))
    stored = uploads.store_upload(uploaded_file=files.pdf_upload(), kind="notice", employer=own.employer)
    to_someone_else = own.attachments.create(file=stored)
    assert client.get(_link(own, to_someone_else)).status_code == 404


def test_an_attachment_id_under_another_visible_notice_is_404(employer_client, beijing_reviewer):
    first, _ = _publish(beijing_reviewer)
    _second, theirs = _publish(beijing_reviewer, publish_at=timezone.now() + timedelta(days=1))
    assert employer_client.get(_link(first, theirs)).status_code == 404  # the pk of a visible notice is no key


def test_anonymous_is_sent_to_the_login_page(beijing_reviewer):
    notice, attachment = _publish(beijing_reviewer)
    response = Client().get(_link(notice, attachment))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_published_national_notice_attachment_downloads(employer_client):
    superuser = nf.reviewer("110000", username="national")  # a superuser may publish to the whole country
    superuser.is_superuser = True
    superuser.save()
    notice, attachment = _publish(superuser, region_code=None)
    assert employer_client.get(_link(notice, attachment)).status_code == 200


def test_the_attachment_page_is_a_bounded_query(employer_client, beijing_reviewer, django_assert_max_num_queries):
    notice, attachment = _publish(beijing_reviewer)
    with django_assert_max_num_queries(8):
        assert employer_client.get(_link(notice, attachment)).status_code == 200
