"""打印 (issue 13): the print view of the list (as filtered, every page) and of one person's month grid — A4
landscape print CSS, a header with the unit, the year and the print date; the 打印 links; 404 for another unit."""

from datetime import date
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse

from placements.models import PlacementMonth
from tests.placements.listing.test_views_list import with_months

pytestmark = pytest.mark.django_db
LIST_PRINT = reverse("placements:list_print")


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def test_print_css_is_a4_landscape():
    css = (Path(settings.BASE_DIR) / "static" / "css" / "print.css").read_text()
    assert "@page { size: A4 landscape;" in css
    assert "@media print" in css


@time_machine.travel(date(2026, 3, 5), tick=False)
def test_list_print_has_the_header_and_every_filtered_row(employer_client, employer):
    for i in range(55):  # more than a page of the list
        with_months(employer, ["auto", "pending"], name=f"待审{i:02d}")
    with_months(employer, ["auto"], name="已确认")
    response = employer_client.get(LIST_PRINT, {"year": 2025, "status": "pending"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "css/print.css" in html and "style=" not in html
    assert employer.name in html and "业务年度：2025年" in html and "打印日期：2026年3月5日" in html
    assert ">待审00<" in html and ">待审54<" in html and ">已确认<" not in html
    assert "审核状态：待审核，共 55 人" in html and "<caption>" in html


def test_list_print_queries_do_not_grow(employer_client, employer, django_assert_max_num_queries):
    with_months(employer, ["auto"], name="员工0")
    with django_assert_max_num_queries(10) as small:
        employer_client.get(LIST_PRINT)
    for i in range(1, 40):
        with_months(employer, ["auto"], name=f"员工{i}")
    cache.clear()
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert ">员工39<" in employer_client.get(LIST_PRINT).content.decode()


def test_the_list_links_to_print_and_export_with_its_filters(employer_client, employer):
    with_months(employer, ["auto"], name="员工")
    html = employer_client.get(reverse("placements:index"), {"year": 2025, "q": "员工"}).content.decode()
    assert f'href="{LIST_PRINT}?year=2025&amp;q=%E5%91%98%E5%B7%A5">打印</a>' in html
    assert f'href="{reverse("placements:export")}?year=2025&amp;q=%E5%91%98%E5%B7%A5">导出 Excel</a>' in html


def test_grid_print_shows_checks_reasons_and_the_header(employer_client, employer):
    p = with_months(employer, ["auto"] * 12, name="王核验")
    PlacementMonth.objects.filter(placement=p).update(
        wage_ok=True, pension_ok=True, medical_ok=True, cert_ok=True, age_ok=True, contract_ok=True, verified=True
    )
    PlacementMonth.objects.filter(placement=p, month=202503).update(
        wage_ok=False, verified=False, reasons="wage_below_min", review_state="pending"
    )
    url = reverse("placements:grid_print", args=[p.pk])
    html = employer_client.get(url).content.decode()
    assert employer.name in html and "业务年度：2025年" in html and "打印日期：" in html
    assert "2025年度残疾人安置月份核验结果" in html and p.id_number not in html
    assert '<span class="pr-fail">✗</span><span class="pr-reason">工资低于最低工资标准</span>' in html
    assert html.count("✓") >= 6 * 11
    assert "<caption>" in html and "2025年12月" in html
    detail = employer_client.get(reverse("placements:detail", args=[p.pk])).content.decode()
    assert f'href="{url}" aria-label="打印核验结果">打印</a>' in detail
    step2 = employer_client.get(reverse("placements:step2", args=[p.pk])).content.decode()
    assert f'href="{url}" aria-label="打印核验结果">打印</a>' in step2


def test_grid_print_of_another_units_person_is_404(employer_client, other_employer):
    theirs = with_months(other_employer, ["auto"], name="别家人")
    assert employer_client.get(reverse("placements:grid_print", args=[theirs.pk])).status_code == 404


def test_grid_print_queries_are_bounded(employer_client, employer, django_assert_max_num_queries):
    p = with_months(employer, ["auto"] * 12, name="王核验")
    with django_assert_max_num_queries(10):
        assert employer_client.get(reverse("placements:grid_print", args=[p.pk])).status_code == 200
