from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.test import RequestFactory
from django.utils import timezone

from core.models import AuditEvent, StoredFile
from notices.constants import NoticeKind
from notices.context_processors import unread
from notices.models import Notice, NoticeRead
from notices.selectors import notices_visible_to, unread_notice_count
from notices.services import (
    NoticeError,
    NoticeScopeError,
    notice_attach,
    notice_mark_read,
    notice_publish,
)
from tests.factories import notices as nf


def stored_file(**fields) -> StoredFile:
    data = {
        "file": "uploads/aa/x.pdf",
        "original_name": "附件.pdf",
        "content_type": "application/pdf",
        "extension": "pdf",
        "size": 100,
        "sha256": "0" * 64,
    }
    data.update(fields)
    return StoredFile.objects.create(**data)


@pytest.mark.django_db
def test_publish_within_region_sanitises_and_keeps_attachments_private(reviewer):
    beijing = nf.region("110000")
    attachment = stored_file()
    notice = notice_publish(
        title="通知",
        body='<p>见附件</p><script>alert(1)</script><img src=x onerror="alert(1)">',
        region=beijing,
        publish_at=None,
        pinned=True,
        attachments=[attachment],
        by=reviewer,
    )
    notice.refresh_from_db()
    attachment.refresh_from_db()
    assert notice.body == "<p>见附件</p>"
    assert notice.pinned and notice.is_published()
    assert attachment.public is False  # units get it through the notice once published (ADR 0020)
    assert notice.attachments.get().file == attachment
    assert AuditEvent.objects.filter(action="notice_published", object_id=str(notice.pk)).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("reviewer_region", "target"), [("110000", None), ("110000", "310000"), ("110101", "110000")])
def test_publish_outside_the_reviewers_region_is_refused(reviewer_region, target):
    by = nf.reviewer(reviewer_region)
    region = nf.region(target) if target else None
    with pytest.raises(NoticeScopeError):
        notice_publish(title="t", body="b", region=region, publish_at=None, pinned=False, by=by)
    assert not Notice.objects.exists()


@pytest.mark.django_db
def test_publish_by_a_non_reviewer_is_refused(employer_user):
    with pytest.raises(NoticeScopeError):
        notice_publish(title="t", body="b", region=nf.region("110000"), publish_at=None, pinned=False, by=employer_user)


@pytest.mark.django_db
def test_superuser_and_system_publish_nationally():
    root = get_user_model().objects.create_superuser("root", "r@example.cn", "root-pass-2026")
    assert notice_publish(title="a", body="", region=None, publish_at=None, pinned=False, by=root).region is None
    assert notice_publish(title="b", body="", region=None, publish_at=None, pinned=False, by=None).region is None


@pytest.mark.django_db
def test_database_refuses_a_notice_with_both_or_no_target(employer):
    with pytest.raises(IntegrityError), transaction.atomic():
        Notice.objects.create(title="x", kind=NoticeKind.ANNOUNCEMENT, employer=employer)
    with pytest.raises(IntegrityError), transaction.atomic():
        Notice.objects.create(title="x", kind=NoticeKind.REVIEW_RESULT)


@pytest.mark.django_db
def test_mark_read_is_idempotent_and_only_for_visible_targets(employer, other_employer):
    notice = nf.to_unit(employer)
    notice_mark_read(notice=notice, employer=employer)
    notice_mark_read(notice=notice, employer=employer)
    assert NoticeRead.objects.filter(notice=notice, employer=employer).count() == 1
    with pytest.raises(NoticeError):
        notice_mark_read(notice=notice, employer=other_employer)
    national = nf.published()
    notice_mark_read(notice=national, employer=other_employer)
    assert NoticeRead.objects.filter(notice=national).count() == 1


@pytest.mark.django_db
def test_system_notice_attachment_must_belong_to_the_unit(employer, other_employer):
    notice = nf.to_unit(employer)
    with pytest.raises(NoticeError):
        notice_attach(notice=notice, stored_file=stored_file(employer=other_employer), by=None)
    own = stored_file(employer=employer)
    notice_attach(notice=notice, stored_file=own, by=None)
    own.refresh_from_db()
    assert own.public is False


@pytest.mark.django_db
def test_unread_count_and_visibility(employer, other_employer):
    now = timezone.now()
    nf.published("全国")
    nf.published("北京", region_code="110000")
    nf.published("上海", region_code="310000")
    nf.published("将来", publish_at=now + timedelta(days=1))
    read = nf.to_unit(employer, "已读的")
    nf.to_unit(other_employer, "别人的")
    notice_mark_read(notice=read, employer=employer)
    assert {n.title for n in notices_visible_to(employer)} == {"全国", "北京", "已读的"}
    assert unread_notice_count(employer) == 2
    assert unread_notice_count(other_employer) == 3  # 全国, 上海 and its own


@pytest.mark.django_db
def test_context_processor(employer_user, employer, django_assert_num_queries):
    nf.published()
    nf.to_unit(employer)
    request = RequestFactory().get("/")
    request.user = employer_user
    context = unread(request)
    with django_assert_num_queries(2):  # the unit, then one COUNT
        assert context["unread_notice_count"] == 2
    with django_assert_num_queries(0):  # cached on the request
        assert unread(request)["unread_notice_count"] == 2
    request.user = nf.reviewer()
    assert unread(request) == {}
    request.user = get_user_model().objects.create_user("nobody", password="x-pass-2026-long")
    request.__dict__.pop("_unread_notice_count", None)
    assert unread(request)["unread_notice_count"] == 0


@pytest.mark.django_db
def test_context_processor_for_anonymous():
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    assert unread(request) == {}


@pytest.mark.django_db
def test_badge_on_a_page_without_employer_required(employer_client, employer):
    nf.to_unit(employer)
    response = employer_client.get("/accounts/password_change/")
    assert 'aria-label="未读 1 条"' in response.content.decode()
