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
