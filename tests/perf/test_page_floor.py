"""What every signed-in page pays before its own work (issue 16, bench/page_cpu.py), in queries: the session row,
the user, the unit, and the navigation's unread badge as one COUNT statement."""

import pytest
from django.test import Client

from tests import factories
from tests.factories import notices as nf

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk_client(employer):
    for i in range(3):
        nf.published(f"全国通知{i}")
    nf.to_unit(employer, "本单位的通知")
    client = Client()
    user = factories.employer_user(employer, username="floor-clerk", password="Floor-pass-2026x")
    response = client.post("/accounts/login/", {"username": user.username, "password": "Floor-pass-2026x"})
    assert response.status_code == 302
    return client


def _sql(client: Client, url: str, django_assert_max_num_queries, bound: int) -> list[str]:
    client.get(url)
    with django_assert_max_num_queries(bound) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return [q["sql"] for q in captured.captured_queries]


def test_the_floor_of_a_signed_in_page_is_the_user_the_unit_and_the_badge(clerk_client, django_assert_max_num_queries):
    # 修改密码: a page with no query of its own (not employer_required: the badge looks the unit up itself)
    sql = _sql(clerk_client, "/accounts/password_change/", django_assert_max_num_queries, 4)
    assert len([q for q in sql if "django_session" in q]) == 1
    assert len([q for q in sql if "auth_user" in q]) == 1
    assert len([q for q in sql if "notices_notice" in q]) == 1
    assert "未读 4 条" in clerk_client.get("/accounts/password_change/").content.decode()


# tests/perf/test_round_queries.py's BOUNDS: one query of them is the session row
@pytest.mark.parametrize(("url", "bound"), [("/levy/calculator/", 10), ("/notices/", 6), ("/placements/", 9)])
def test_the_round_pages_pay_one_session_query_and_one_badge_query(
    clerk_client, django_assert_max_num_queries, url, bound
):
    sql = _sql(clerk_client, url, django_assert_max_num_queries, bound)
    assert len([q for q in sql if "django_session" in q]) == 1
    # the badge: one COUNT of the unit's unread notices (the notices page counts them with its page's total)
    assert len([q for q in sql if "notices_notice" in q and "COUNT(" in q.upper()]) == 1
