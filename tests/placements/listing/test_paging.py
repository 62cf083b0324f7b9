"""Paging (issue 13): the person list keeps its filters in the page links (共 N 条); the import-last-year list pages
too and imports a person of any page; no inline style (CSP)."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from placements.models import Placement
from tests.placements.listing.test_views_list import with_months

pytestmark = pytest.mark.django_db
LIST = reverse("placements:index")
IMPORT = reverse("placements:import_last_year")


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def test_list_page_links_keep_the_filters(employer_client, employer):
    for i in range(55):
        with_months(employer, ["auto", "pending"], name=f"待审{i:02d}")
    html = employer_client.get(LIST, {"year": 2025, "status": "pending", "q": "待审"}).content.decode()
    assert "共 55 条，每页 50 条" in html and "第 1 / 2 页" in html
    assert 'href="?year=2025&amp;q=%E5%BE%85%E5%AE%A1&amp;status=pending&amp;page=2">下一页</a>' in html
    assert 'class="form-control form-control-sm pl-page-jump"' in html and "style=" not in html


@pytest.fixture
def last_year(employer):
    return [with_months(employer, ["auto"], year=2024, name=f"去年{i:02d}") for i in range(53)]


def test_import_list_pages_with_count_and_links(employer_client, last_year):
    first = employer_client.get(IMPORT, {"year": 2025}).content.decode()
    assert "共 53 条，每页 50 条" in first and "第 1 / 2 页" in first
    assert ">去年49<" in first and ">去年50<" not in first
    assert 'href="?year=2025&amp;page=2">下一页</a>' in first
    assert '<label class="visually-hidden" for="select-all">全选本页人员</label>' in first and "<caption" in first
    second = employer_client.get(IMPORT, {"year": 2025, "page": 2}).content.decode()
    assert ">去年50<" in second and ">去年52<" in second and ">去年00<" not in second
    assert "<td>51</td>" in second  # 序号 continues
    searched = employer_client.get(IMPORT, {"year": 2025, "q": "去年5"}).content.decode()
    assert ">去年50<" in searched and ">去年05<" not in searched and "共 3 条" in searched


def test_a_person_of_the_second_page_can_be_imported(employer_client, last_year):
    target = last_year[52]
    response = employer_client.post(f"{IMPORT}?year=2025", {"persons": [target.pk]})
    assert response.status_code == 302
    assert list(Placement.objects.filter(year=2025).values_list("id_number", flat=True)) == [target.id_number]


def test_import_of_another_units_person_is_refused(employer_client, other_employer, last_year):
    theirs = with_months(other_employer, ["auto"], year=2024, name="别家人")
    response = employer_client.post(f"{IMPORT}?year=2025", {"persons": [theirs.pk]})
    assert response.status_code == 200  # the form again, with the error beside the choice
    assert not Placement.objects.filter(year=2025).exists()


def test_import_page_queries_do_not_grow(employer_client, employer, django_assert_max_num_queries):
    with_months(employer, ["auto"], year=2024, name="去年0")
    with django_assert_max_num_queries(12) as small:
        employer_client.get(IMPORT, {"year": 2025})
    for i in range(1, 70):
        with_months(employer, ["auto"], year=2024, name=f"去年{i}")
    with django_assert_max_num_queries(len(small.captured_queries)):
        employer_client.get(IMPORT, {"year": 2025, "page": 2})
