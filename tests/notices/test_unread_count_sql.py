"""The navigation badge's count (notices.selectors.unread_notice_count, one hand-written statement since issue 16)
equals the queryset it stands for — ``notices_visible_to(employer, now).unread_by(employer).count()`` — for every
kind of notice and unit, on SQLite and PostgreSQL; a new notice shows at once; a signed-in page pays one query."""

from datetime import timedelta

import pytest
from django.utils import timezone

from notices.models import NoticeRead
from notices.selectors import notices_visible_to, unread_notice_count
from tests import factories
from tests.factories import notices as nf

pytestmark = pytest.mark.django_db


def _orm_count(employer, now=None) -> int:
    return notices_visible_to(employer, now).order_by().unread_by(employer).count()


@pytest.fixture
def world():
    """Units in Beijing (three different regions), Shanghai and a unit without regions' codes being canonical;
    notices national, to each level of Beijing, to Shanghai, to each unit, scheduled, and some of them read."""
    chaoyang = factories.employer(region_code="110105")
    chaoyang.tax_region = nf.region("110108")
    chaoyang.registration_region = nf.region("120101")  # another province: its notices reach the unit too
    chaoyang.save()
    dongcheng = factories.employer(region_code="110101")
    shanghai = factories.employer(region_code="310101")
    now = timezone.now()
    notices = [
        nf.published("全国"),
        nf.published("北京市", "110000"),
        nf.published("北京市辖区", "110100"),
        nf.published("朝阳区", "110105"),
        nf.published("海淀区", "110108"),
        nf.published("天津市和平区", "120101"),
        nf.published("天津市", "120000"),
        nf.published("东城区", "110101"),
        nf.published("上海市", "310000"),
        nf.published("定时全国", publish_at=now + timedelta(hours=2)),
        nf.published("定时北京", "110000", publish_at=now + timedelta(minutes=30)),
        nf.to_unit(chaoyang, "朝阳单位的通知"),
        nf.to_unit(chaoyang, "朝阳单位的定时通知", publish_at=now + timedelta(days=1)),
        nf.to_unit(dongcheng, "东城单位的通知"),
        nf.to_unit(shanghai, "上海单位的通知"),
    ]
    for i, notice in enumerate(notices):
        for j, unit in enumerate((chaoyang, dongcheng, shanghai)):
            if (i + j) % 3 == 0:
                NoticeRead.objects.create(notice=notice, employer=unit)
    return {"units": (chaoyang, dongcheng, shanghai), "now": now}


def test_the_statement_counts_what_the_queryset_counts(world):
    for unit in world["units"]:
        for delta in (timedelta(0), timedelta(minutes=45), timedelta(hours=3), timedelta(days=2)):
            at = world["now"] + delta  # the scheduled ones come in as time passes
            assert unread_notice_count(unit, at) == _orm_count(unit, at), (unit.name, delta)
    chaoyang = world["units"][0]
    assert unread_notice_count(chaoyang, world["now"] + timedelta(days=2)) > unread_notice_count(chaoyang)


def test_a_new_notice_and_a_read_show_at_once(world):
    chaoyang = world["units"][0]
    before = unread_notice_count(chaoyang)
    notice = nf.published("刚刚发布", "110000", publish_at=timezone.now() - timedelta(seconds=1))
    assert unread_notice_count(chaoyang) == before + 1 == _orm_count(chaoyang)
    NoticeRead.objects.create(notice=notice, employer=chaoyang)
    assert unread_notice_count(chaoyang) == before == _orm_count(chaoyang)


def test_a_unit_whose_region_codes_are_not_canonical_sees_national_and_its_own(world):
    odd = factories.employer(region_code="110105")
    odd.federation_region = odd.tax_region = odd.registration_region = nf.region("11010X")
    odd.save()
    nf.to_unit(odd, "自己的通知")
    assert unread_notice_count(odd) == _orm_count(odd) >= 2


def test_the_badge_costs_one_query_on_a_signed_in_page(world, client, django_assert_max_num_queries):
    chaoyang = world["units"][0]
    client.force_login(factories.employer_user(chaoyang))
    client.get("/levy/calculator/")
    with django_assert_max_num_queries(50) as captured:
        response = client.get("/levy/calculator/")
    counts = [q["sql"] for q in captured.captured_queries if "notices_notice" in q["sql"]]
    assert len(counts) == 1
    assert f'aria-label="未读 {_orm_count(chaoyang)} 条"' in response.content.decode()
