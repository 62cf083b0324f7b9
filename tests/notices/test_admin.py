"""The notice admin: publishing within the reviewer's region, sanitised bodies, attachments, system notices."""

from datetime import timedelta
from io import BytesIO

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from core.models import AuditEvent
from notices.constants import NoticeKind
from notices.models import Notice, NoticeAttachment
from notices.services import notice_send_to_unit
from tests import factories
from tests.factories import notices as nf
from tests.factories import otp_login

ADD = reverse("admin:notices_notice_add")
CHANGELIST = reverse("admin:notices_notice_changelist")
SYSTEM_CHANGELIST = reverse("admin:notices_systemnotice_changelist")


def png_upload(name: str = "名单.png") -> SimpleUploadedFile:
    buffer = BytesIO()
    Image.new("RGB", (40, 20), (200, 30, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def form_data(**overrides) -> dict:
    when = timezone.localtime(timezone.now() - timedelta(minutes=1))
    data = {
        "title": "关于做好2025年度按比例就业年审的通知",
        "body": "<h2>一、时间</h2><p>3月1日起。</p>",
        "region": "110000",
        "publish_at_0": when.strftime("%Y-%m-%d"),
        "publish_at_1": when.strftime("%H:%M:%S"),
        "attachments-TOTAL_FORMS": "1",
        "attachments-INITIAL_FORMS": "0",
        "attachments-MIN_NUM_FORMS": "0",
        "attachments-MAX_NUM_FORMS": "1000",
        "_save": "保存",
    }
    data.update(overrides)
    return data


@pytest.fixture
def superuser_client(client, db):
    user = get_user_model().objects.create_superuser("root", "root@example.cn", "root-pass-2026")
    otp_login(client, user)
    return client


@pytest.mark.django_db
def test_reviewer_publishes_a_regional_notice_with_a_sanitised_body_and_an_attachment(reviewer_client, reviewer):
    nf.region("110105", "朝阳区")
    data = form_data(
        region="110105",
        body='<p onclick="steal()">正文<script>alert(1)</script><img src=x onerror="alert(2)"></p>'
        '<a href="javascript:alert(3)">坏链接</a><a href="https://www.cdpf.org.cn">中国残联</a>',
        pinned="on",
    )
    data["attachments-0-upload"] = png_upload()

    response = reviewer_client.post(ADD, data)

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    notice = Notice.objects.get()
    assert notice.kind == NoticeKind.ANNOUNCEMENT
    assert notice.region_id == "110105" and notice.pinned and notice.created_by == reviewer
    assert "<script" not in notice.body and "onerror" not in notice.body and "onclick" not in notice.body
    assert "javascript:" not in notice.body
    assert '<a href="https://www.cdpf.org.cn" rel="noopener noreferrer">中国残联</a>' in notice.body
    attachment = NoticeAttachment.objects.select_related("file").get()
    assert attachment.file.public is False  # served through the notice, once published (ADR 0020)
    assert attachment.file.content_type == "image/png"
    actions = set(AuditEvent.objects.filter(actor=reviewer).values_list("action", flat=True))
    assert {"notice_published", "notice_attachment_added", "file.upload"} <= actions


@pytest.mark.django_db
def test_a_published_attachment_downloads_for_units_in_scope(reviewer_client, employer_user):
    employer_client = Client()
    employer_client.force_login(employer_user)
    data = form_data()
    data["attachments-0-upload"] = png_upload()
    assert reviewer_client.post(ADD, data).status_code == 302
    notice = Notice.objects.get()
    token = notice.attachments.get().file.token

    detail = employer_client.get(reverse("notices:detail", args=[notice.pk]))
    link = reverse("notices:attachment", args=[notice.pk, notice.attachments.get().pk])
    assert f'href="{link}"' in detail.content.decode() and f"/files/{token}/" not in detail.content.decode()
    download = employer_client.get(link)
    assert download.status_code == 200
    assert download["Content-Type"] == "image/png"
    # Decision (issue 12, ADR 0020): attachments are served through the notice, to units that may see it now; the
    # file itself is not public, so its /files/ link is for reviewers (admin preview) only.
    assert employer_client.get(reverse("files:download", args=[token])).status_code == 404
    assert Client().get(reverse("files:download", args=[token])).status_code == 404
    assert reviewer_client.get(reverse("files:download", args=[token])).status_code == 200


@pytest.mark.django_db
def test_a_bad_attachment_is_refused_beside_the_field(reviewer_client):
    data = form_data()
    data["attachments-0-upload"] = SimpleUploadedFile("x.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = reviewer_client.post(ADD, data)
    assert response.status_code == 200
    assert "文件格式不支持" in response.content.decode()
    assert not Notice.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("region", "error"), [("", "这个字段是必填项"), ("310000", "选择一个有效的选项")])
def test_province_reviewer_can_not_publish_nationally_or_elsewhere(reviewer_client, region, error):
    nf.region("310000")
    response = reviewer_client.post(ADD, form_data(region=region))
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not Notice.objects.exists()


@pytest.mark.django_db
def test_district_reviewer_can_not_publish_to_the_province(client):
    district = nf.reviewer("110101", username="dongcheng")
    otp_login(client, district)
    response = client.post(ADD, form_data(region="110000"))
    assert response.status_code == 200
    assert not Notice.objects.exists()
    assert client.post(ADD, form_data(region="110101")).status_code == 302
    assert Notice.objects.get().region_id == "110101"


@pytest.mark.django_db
def test_superuser_publishes_nationally_and_schedules(superuser_client):
    later = timezone.localtime(timezone.now() + timedelta(days=2))
    response = superuser_client.post(
        ADD, form_data(region="", publish_at_0=later.strftime("%Y-%m-%d"), publish_at_1=later.strftime("%H:%M:%S"))
    )
    assert response.status_code == 302
    notice = Notice.objects.get()
    assert notice.region is None
    assert not notice.is_published()
    listing = superuser_client.get(CHANGELIST).content.decode()
    assert "定时待发布" in listing and "全国" in listing


@pytest.mark.django_db
def test_changelist_is_scoped_and_bounded(reviewer_client, django_assert_max_num_queries):
    nf.published("全国公告")
    nf.published("北京公告", region_code="110000")
    nf.published("上海公告", region_code="310000")
    response = reviewer_client.get(CHANGELIST)
    titles = {n.title for n in response.context["cl"].result_list}
    assert titles == {"全国公告", "北京公告"}


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 50])
def test_changelist_query_count(reviewer_client, django_assert_max_num_queries, count):
    for i in range(count):
        nf.published(f"公告{i}", region_code="110000")
    with django_assert_max_num_queries(12):
        response = reviewer_client.get(CHANGELIST)
    assert len(response.context["cl"].result_list) == count


@pytest.mark.django_db
def test_reviewer_can_view_but_not_change_a_national_notice(reviewer_client):
    national = nf.published("全国公告", body="<p>原文</p>")
    url = reverse("admin:notices_notice_change", args=[national.pk])
    assert reviewer_client.get(url).status_code == 200
    response = reviewer_client.post(url, form_data(region="110000", title="改了"))
    assert response.status_code == 403
    national.refresh_from_db()
    assert national.title == "全国公告"
    delete = reviewer_client.post(reverse("admin:notices_notice_delete", args=[national.pk]), {"post": "yes"})
    assert delete.status_code == 403
    assert Notice.objects.filter(pk=national.pk).exists()


@pytest.mark.django_db
def test_other_provinces_notice_is_not_found_for_the_reviewer(reviewer_client):
    shanghai = nf.published("上海公告", region_code="310000")
    response = reviewer_client.get(reverse("admin:notices_notice_change", args=[shanghai.pk]))
    assert response.status_code == 302  # admin answers "does not exist" with a redirect to the index


@pytest.mark.django_db
def test_reviewer_edits_and_deletes_own_region_notice_with_audit(reviewer_client, reviewer):
    notice = nf.published("北京公告", region_code="110000")
    url = reverse("admin:notices_notice_change", args=[notice.pk])
    response = reviewer_client.post(url, form_data(title="北京公告（更正）", body="<p>新<script>x</script></p>"))
    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.title == "北京公告（更正）"
    assert notice.body == "<p>新</p>"
    change = AuditEvent.objects.get(action="notice_changed")
    assert change.changes["title"] == {"before": "北京公告", "after": "北京公告（更正）"}

    reviewer_client.post(reverse("admin:notices_notice_delete", args=[notice.pk]), {"post": "yes"})
    assert not Notice.objects.filter(pk=notice.pk).exists()
    assert AuditEvent.objects.filter(action="notice_deleted", actor=reviewer, object_id=str(notice.pk)).exists()


@pytest.mark.django_db
def test_system_notices_are_read_only_and_scoped_by_the_units_region(reviewer_client, employer, other_employer):
    kind = NoticeKind.REVIEW_RESULT
    mine = notice_send_to_unit(employer=employer, title="北京单位的通知", body="审核通过", kind=kind)
    notice_send_to_unit(employer=other_employer, title="上海单位的通知", body="x", kind=NoticeKind.REVIEW_RESULT)

    response = reviewer_client.get(SYSTEM_CHANGELIST)
    assert [n.title for n in response.context["cl"].result_list] == ["北京单位的通知"]
    assert "未读" in response.content.decode()

    change_url = reverse("admin:notices_systemnotice_change", args=[mine.pk])
    page = reviewer_client.get(change_url)
    assert page.status_code == 200
    assert "审核通过" in page.content.decode()
    assert reviewer_client.post(change_url, {"title": "改"}).status_code == 403
    assert reviewer_client.get(reverse("admin:notices_systemnotice_add")).status_code == 403
    # published notices do not show up among system notices and vice versa
    assert "北京单位的通知" not in reviewer_client.get(CHANGELIST).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 50])
def test_system_notice_changelist_query_count(reviewer_client, employer, django_assert_max_num_queries, count):
    for i in range(count):
        notice_send_to_unit(employer=employer, title=f"通知{i}", body="x", kind=NoticeKind.DECLARATION)
    with django_assert_max_num_queries(12):
        response = reviewer_client.get(SYSTEM_CHANGELIST)
    assert len(response.context["cl"].result_list) == count


@pytest.mark.django_db
def test_staff_without_reviewer_profile_sees_no_notices(client):
    staff = get_user_model().objects.create_user("helpdesk", password="x-pass-2026-long", is_staff=True)
    otp_login(client, staff)
    assert client.get(CHANGELIST).status_code == 403
    assert client.get(ADD).status_code == 403
    factories.employer()  # nothing else to see either
    assert client.get(SYSTEM_CHANGELIST).status_code == 403


@pytest.mark.django_db
def test_reviewer_outside_the_reviewer_group_sees_no_notices(client):
    nf.region("110000")
    lone = factories.reviewer_user("110000", username="no-group")
    otp_login(client, lone)
    assert client.get(CHANGELIST).status_code == 403
    assert client.get(SYSTEM_CHANGELIST).status_code == 403
