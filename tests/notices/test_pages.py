from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from notices.models import NoticeRead
from tests import factories
from tests.factories import notices as nf

INDEX = reverse("notices:index")


def titles(response) -> list[str]:
    return [n.title for n in response.context["page"].object_list]


@pytest.mark.django_db
def test_login_required(client):
    response = client.get(INDEX)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_reviewer_without_unit_is_refused(client):
    client.force_login(nf.reviewer())
    assert client.get(INDEX).status_code == 403


@pytest.mark.django_db
def test_list_shows_what_the_unit_may_see_pinned_first_then_newest(employer_client, employer, other_employer):
    now = timezone.now()
    nf.published("全国通知旧", publish_at=now - timedelta(days=3))
    nf.published("全国通知新", publish_at=now - timedelta(days=1))
    nf.published("全国置顶", publish_at=now - timedelta(days=9), pinned=True)
    nf.published("北京市通知", region_code="110000", publish_at=now - timedelta(days=2))
    nf.published("东城区通知", region_code="110101", publish_at=now - timedelta(days=2, hours=1))
    nf.published("上海市通知", region_code="310000")
    nf.published("西城区通知", region_code="110102")
    nf.published("定时发布", publish_at=now + timedelta(hours=1))
    nf.to_unit(employer, "本单位通知", publish_at=now - timedelta(hours=2))
    nf.to_unit(other_employer, "别人的通知")

    response = employer_client.get(INDEX)

    assert response.status_code == 200
    assert titles(response) == ["全国置顶", "本单位通知", "全国通知新", "北京市通知", "东城区通知", "全国通知旧"]
    content = response.content.decode()
    assert "置顶</span>" in content
    assert content.count(">未读</span>") == 6
    assert response.context["unread_notice_count"] == 6
    assert 'aria-label="未读 6 条"' in content


@pytest.mark.django_db
def test_a_unit_sees_notices_of_its_tax_and_registration_regions_too(client):
    unit = factories.employer(
        region_code="110101",
        tax_region=nf.region("110105", "朝阳区"),
        registration_region=nf.region("120101", "和平区"),
    )
    client.force_login(factories.employer_user(unit))
    nf.published("朝阳区通知", region_code="110105")
    nf.published("天津市通知", region_code="120000")
    nf.published("天津市辖区通知", region_code="120100")
    nf.published("上海市通知", region_code="310000")
    assert sorted(titles(client.get(INDEX))) == sorted(["朝阳区通知", "天津市通知", "天津市辖区通知"])


@pytest.mark.django_db
def test_detail_marks_read_and_the_badge_goes_down(employer_client, employer):
    notice = nf.to_unit(employer)
    nf.published("另一条")
    assert employer_client.get(INDEX).context["unread_notice_count"] == 2

    response = employer_client.get(reverse("notices:detail", args=[notice.pk]))

    assert response.status_code == 200
    assert NoticeRead.objects.filter(notice=notice, employer=employer).count() == 1
    assert response.context["unread_notice_count"] == 1
    employer_client.get(reverse("notices:detail", args=[notice.pk]))
    assert NoticeRead.objects.filter(notice=notice, employer=employer).count() == 1
    listed = {n.title: n.is_read for n in employer_client.get(INDEX).context["page"].object_list}
    assert listed == {notice.title: True, "另一条": False}


@pytest.mark.django_db
def test_detail_of_another_units_notice_is_404(employer_client, other_employer):
    notice = nf.to_unit(other_employer)
    assert employer_client.get(reverse("notices:detail", args=[notice.pk])).status_code == 404
    assert not NoticeRead.objects.exists()


@pytest.mark.django_db
def test_detail_of_an_unpublished_or_out_of_scope_notice_is_404(employer_client):
    future = nf.published("尚未发布", publish_at=timezone.now() + timedelta(days=1))
    shanghai = nf.published("上海市通知", region_code="310000")
    assert employer_client.get(reverse("notices:detail", args=[future.pk])).status_code == 404
    assert employer_client.get(reverse("notices:detail", args=[shanghai.pk])).status_code == 404
    assert employer_client.get(reverse("notices:detail", args=[999999])).status_code == 404


@pytest.mark.django_db
def test_scheduled_notice_appears_when_its_time_comes(employer_client, employer_user, time_machine):
    now = timezone.now()
    time_machine.move_to(now, tick=False)
    nf.published("定时通知", publish_at=now + timedelta(hours=2))
    assert titles(employer_client.get(INDEX)) == []
    time_machine.move_to(now + timedelta(hours=2, seconds=1), tick=False)
    employer_client.force_login(employer_user)  # sessions end after 30 idle minutes
    assert titles(employer_client.get(INDEX)) == ["定时通知"]


@pytest.mark.django_db
def test_detail_renders_sanitised_body_and_attachment_links(employer_client, employer):
    from core.models import StoredFile

    notice = nf.published(body='<h2>要点</h2><p>见<a href="https://www.cdpf.org.cn/">中国残联</a></p>')
    stored = StoredFile.objects.create(
        file="uploads/ab/x.pdf",
        original_name="年审通知.pdf",
        content_type="application/pdf",
        extension="pdf",
        size=2048,
        sha256="0" * 64,
        public=True,
    )
    attachment = notice.attachments.create(file=stored)
    response = employer_client.get(reverse("notices:detail", args=[notice.pk]))
    content = response.content.decode()
    assert "<h2>要点</h2>" in content
    assert 'href="https://www.cdpf.org.cn/" rel="noopener noreferrer"' in content
    assert f'href="/notices/{notice.pk}/attachments/{attachment.pk}/"' in content
    assert "年审通知.pdf" in content
