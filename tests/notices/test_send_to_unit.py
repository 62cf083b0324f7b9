import pytest

from core.models import AuditEvent
from notices.constants import NoticeKind
from notices.models import Notice
from notices.services import notice_send_to_unit
from tests.factories import notices as nf


@pytest.mark.django_db
def test_send_to_unit_escapes_and_formats_plain_text(employer):
    reviewer = nf.reviewer()
    notice = notice_send_to_unit(
        employer=employer,
        title='安置人员"王伟"资料审核完成通知',
        body="审核通过：2025年1月、2月\n审核不通过：2025年3月\n\n原因：材料不清晰 <script>alert(1)</script>",
        kind=NoticeKind.REVIEW_RESULT,
        by=reviewer,
    )
    notice.refresh_from_db()
    assert notice.employer == employer
    assert notice.region is None
    assert notice.body.startswith("<p>审核通过：2025年1月、2月<br>审核不通过：2025年3月</p>")
    assert "<script>" not in notice.body
    assert "&lt;script&gt;" in notice.body
    assert "材料不清晰" in notice.body_text
    assert AuditEvent.objects.filter(action="notice_sent", object_id=str(notice.pk), actor=reviewer).exists()


@pytest.mark.django_db
def test_send_to_unit_refuses_the_announcement_kind(employer):
    with pytest.raises(ValueError):
        notice_send_to_unit(employer=employer, title="x", body="y", kind=NoticeKind.ANNOUNCEMENT)
    assert not Notice.objects.exists()


@pytest.mark.django_db
def test_send_to_unit_without_actor_is_the_system(employer):
    notice = notice_send_to_unit(employer=employer, title="申报已受理", body="", kind=NoticeKind.DECLARATION)
    assert notice.created_by is None
    assert AuditEvent.objects.get(action="notice_sent").actor_label == "系统"
