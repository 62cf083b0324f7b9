"""首页's per-unit cache (dashboard.homecache, issue 16): what a hit costs, and every write shows at once.

The cache is on here (``DASHBOARD_HOME_CACHE``; in production it is on with Redis). Real time: the fingerprint reads
``updated_at`` as the services leave it.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from dashboard import homecache, selectors
from levy import services as levy_services
from placements.grid import services as grid_services
from placements.models import GridChange, PlacementMonth
from tests.factories import dashboard as hf
from tests.factories.placements import ready_placement

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("cache_on")]

YEAR = hf.YEAR
URL = reverse("dashboard:index")
# session, user, the unit (with its latest 缓减免申请), the fingerprint with the filing windows, 安排比例, 社会平均工资,
# the notices with the unread count
HIT_QUERIES = 7


@pytest.fixture
def cache_on():
    with override_settings(DASHBOARD_HOME_CACHE=True):
        yield


def home(client) -> str:
    response = client.get(URL, {"year": YEAR})
    assert response.status_code == 200
    return response.content.decode()


def _unit(employer, n: int) -> None:
    hf.relief(employer, staff="300", wage="8000")
    for i in range(n):
        p = hf.placement(employer, weight=2 if i % 2 else 1, review="pending" if i % 5 == 0 else "auto")
        hf.contract(p)
        hf.registry_cert(p.id_number, valid_to=date(YEAR, 9, 30))
    for i in range(5):
        hf.notice(employer if i % 2 else None, title=f"通知{i}")


@pytest.mark.parametrize("n", [1, 40])
def test_a_hit_costs_the_same_few_queries_whatever_the_number_of_placements(
    employer_client, employer, django_assert_num_queries, n
):
    _unit(employer, n)
    first = home(employer_client)
    with django_assert_num_queries(HIT_QUERIES):
        second = home(employer_client)
    assert "levy-payable" in second and "残疾证本年度到期" in second
    # the same page as computed (the tokens aside)
    assert _figures(first) == _figures(second)


def _figures(content: str) -> list[str]:
    import re

    return re.findall(r"<(?:dd|td|strong)[^>]*>([^<]*)<", content)


def test_the_cached_page_is_the_computed_page(employer, employer_user):
    _unit(employer, 12)
    from django.utils import timezone

    args = {"employer": selectors.home_employer(employer_user), "requested_year": YEAR}
    today, now = timezone.localdate(), timezone.now()
    with override_settings(DASHBOARD_HOME_CACHE=False):
        computed = selectors.home_page(**args, today=today, now=now)
    selectors.home_page(**args, today=today, now=now)  # fills the cache
    cached = selectors.home_page(**args, today=today, now=now)
    assert cached.year == computed.year
    assert cached.figures == computed.figures
    assert cached.reminders == computed.reminders
    assert cached.levy.result == computed.levy.result
    assert cached.progress == computed.progress


def test_a_new_placement_shows_at_once(employer_client, employer):
    _unit(employer, 3)
    assert _persons(home(employer_client)) == "3"
    assert _persons(home(employer_client)) == "3"  # from the cache
    hf.placement(employer)
    assert _persons(home(employer_client)) == "4"


def _persons(content: str) -> str:
    """安置登记 (人) of the figures block."""
    return content.split('data-testid="persons">')[1].split("<")[0]


def test_months_registered_by_the_clerk_show_at_once(employer_client, employer, employer_user):
    _unit(employer, 2)
    p = ready_placement(employer, months=range(1, 13))
    home(employer_client)
    figures = selectors.home_page(
        employer=selectors.home_employer(employer_user), requested_year=YEAR, today=_today(), now=_now()
    ).figures
    p.refresh_from_db()
    grid_services.months_register(
        placement=p, months=[YEAR * 100 + 1, YEAR * 100 + 2], by=employer_user, expected_version=p.version
    )
    after = selectors.home_page(
        employer=selectors.home_employer(employer_user), requested_year=YEAR, today=_today(), now=_now()
    ).figures
    assert after != figures
    assert after.confirmed + after.pending > figures.confirmed + figures.pending


def test_a_background_recompute_shows_at_once_through_its_grid_change(employer_client, employer, employer_user):
    """A pass outside a transaction marks the unit's year in GridChange, not a placement: the fingerprint reads it."""
    _unit(employer, 2)
    home(employer_client)

    def figures():
        return selectors.home_page(
            employer=selectors.home_employer(employer_user), requested_year=YEAR, today=_today(), now=_now()
        ).figures

    before = figures()
    PlacementMonth.objects.filter(placement__employer=employer).update(review_state="rejected")  # what a pass wrote
    assert figures() == before  # the cache cannot see a bare month edit…
    later = timezone.now() + timedelta(days=1)
    GridChange.objects.create(employer=employer, year=YEAR, changed_at=later)  # …until the pass marks the year
    after = figures()
    assert after != before
    assert after.confirmed + after.pending < before.confirmed + before.pending


def test_stated_staff_figures_show_at_once(employer_client, employer, employer_user):
    _unit(employer, 2)
    home(employer_client)
    levy_services.staff_figures_save(
        employer=employer, year=YEAR, staff_count=Decimal(987), avg_monthly_wage=Decimal("6543.21"), by=employer_user
    )
    assert "987" in home(employer_client)


def test_a_declaration_shows_at_once(employer_client, employer):
    _unit(employer, 2)
    assert "已完成申报" not in home(employer_client)
    hf.declaration(employer, "declared", year=YEAR)
    assert "已完成申报" in home(employer_client)


def test_a_new_notice_is_never_cached(employer_client, employer):
    _unit(employer, 2)
    home(employer_client)
    hf.notice(employer, title="刚刚发布的审核通知", minutes_ago=0)
    assert "刚刚发布的审核通知" in home(employer_client)


def test_bump_moves_the_unit_to_a_new_key(employer_client, employer, django_assert_max_num_queries):
    _unit(employer, 2)
    home(employer_client)
    homecache.bump(employer.pk)
    with django_assert_max_num_queries(20) as captured:
        home(employer_client)
    assert len(captured.captured_queries) > HIT_QUERIES  # computed again


def _today():
    from django.utils import timezone

    return timezone.localdate()


def _now():
    from django.utils import timezone

    return timezone.now()
