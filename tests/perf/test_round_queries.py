"""The clerk's round (bench/load.py, issue 16): each page's queries are bounded and do not grow with the unit.

Two units of the same shape, one with 1 placement and one with 30 (every month selected, contracts, registry
certificates, notices): each page of the round costs the same number of queries for both, within its bound.
Session and user included; the home page with its cache off (the uncached bound) and on (a hit).
"""

from datetime import date

import pytest
from django.test import Client, override_settings

from tests import factories
from tests.factories import dashboard as hf

pytestmark = pytest.mark.django_db

YEAR = hf.YEAR
# page → its bound (session and user included)
BOUNDS = {
    "home": 12,
    "home (cached)": 7,
    "list": 9,
    "grid": 12,
    "step-1": 11,
    "step-2": 7,
    "step-3": 8,
    "step-4": 6,
    "calculator": 10,
    "notices": 6,
}


def _unit(n: int):
    employer = factories.employer()
    user = factories.employer_user(employer)
    hf.relief(employer, staff="300", wage="8000")
    placements = []
    for i in range(n):
        p = hf.placement(employer, weight=2 if i % 2 else 1, review="pending" if i % 5 == 0 else "auto")
        hf.contract(p)
        hf.registry_cert(p.id_number, valid_to=date(YEAR, 9, 30))
        placements.append(p)
    for i in range(25):
        hf.notice(employer if i % 2 else None, title=f"通知{i}", read_by=employer if i % 3 else None)
    client = Client()
    client.force_login(user)
    return client, placements[0].pk


def _queries(client: Client, pk: int, django_assert_max_num_queries) -> dict[str, int]:
    pages = {
        "home": f"/?year={YEAR}",
        "list": f"/placements/?year={YEAR}",
        "grid": f"/placements/{pk}/",
        "step-1": f"/placements/{pk}/step-1/",
        "step-2": f"/placements/{pk}/step-2/",
        "step-3": f"/placements/{pk}/step-3/",
        "step-4": f"/placements/{pk}/step-4/",
        "calculator": "/levy/calculator/",
        "notices": "/notices/",
    }
    counts = {}
    for name, url in pages.items():
        client.get(url)  # warm: a first visit may fill a cache
        with django_assert_max_num_queries(BOUNDS[name]) as captured:
            response = client.get(url)
        assert response.status_code in (200, 302), (name, response.status_code)
        counts[name] = len(captured.captured_queries)
    with override_settings(DASHBOARD_HOME_CACHE=True):
        client.get(pages["home"])
        with django_assert_max_num_queries(BOUNDS["home (cached)"]) as captured:
            assert client.get(pages["home"]).status_code == 200
        counts["home (cached)"] = len(captured.captured_queries)
    return counts


def test_each_round_page_costs_the_same_bounded_queries_for_1_and_30_placements(django_assert_max_num_queries):
    small = _queries(*_unit(1), django_assert_max_num_queries)
    big = _queries(*_unit(30), django_assert_max_num_queries)
    assert small == big
    assert set(big) == set(BOUNDS)
