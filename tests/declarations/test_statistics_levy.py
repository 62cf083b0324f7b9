"""统计分析's levy figures (issue 15): 实际安排比例 beside the province's 规定比例 and the 应缴保障金 estimate, in the
table, the charts, the drill-down and the .xlsx; units without staff figures counted as 无法估算; the summary
re-estimates a unit when an input changes (its figures, the province's ratio, its months) and only then. That each
estimate equals the unit's own calculator is tests/consistency/test_statistics_agreement.py's."""

import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from core.models import EmploymentRatio
from declarations.models import UnitYearFigures
from declarations.statistics import statistics, total_row
from declarations.statistics_summary import summary_refresh
from levy.models import StaffFigures
from levy.services import staff_figures_save
from tests import factories
from tests.factories import declarations as df
from tests.factories import otp_login

pytestmark = pytest.mark.django_db
URL = reverse("admin:declarations_statistics")


def _stated(unit, staff="100", wage="10000"):
    staff_figures_save(employer=unit, year=df.YEAR, staff_count=Decimal(staff), avg_monthly_wage=Decimal(wage), by=None)


@pytest.fixture
def levy_units(traveller):
    """Beijing 2025, ratio 1.70 %, no social wage (no cap). 东城区: 甲 (机关, 1 person of 100: 42,000 元), 乙 (企业,
    2 persons of 50: above the ratio, 0 元), 丙 (nothing stated: 无法估算); 西城区: 丁 (事业单位, 200 staff, no
    placements: 3.4 × 96,000 × 90 % = 293,760 元)."""
    factories.region("110101", name="东城区")
    factories.region("110102", name="西城区")
    factories.EmploymentRatioFactory(province_code="11", year=df.YEAR, ratio_percent=Decimal("1.70"))
    jia = factories.employer_in("110101", name="东城甲", industry="C", unit_kind="机关")
    df.placement(jia)
    _stated(jia)
    yi = factories.employer_in("110101", name="东城乙", industry="C", unit_kind="企业")
    df.placement(yi, weight=2)
    _stated(yi, staff="50", wage="9000")
    bing = factories.employer_in("110101", name="东城丙", industry="P", unit_kind="企业")
    df.placement(bing)
    ding = factories.employer_in("110102", name="西城丁", industry="P", unit_kind="事业单位")
    _stated(ding, staff="200", wage="8000")
    return jia, yi, bing, ding


def test_rows_sum_their_units_and_count_the_units_without_figures_as_unknown(levy_units):
    jia, yi, bing, ding = levy_units
    units = {
        int(r.key): r
        for district in ("110101", "110102")
        for r in statistics(scope="11", region=district, year=df.YEAR, by="unit")
    }
    assert units[jia.pk].levy_payable == Decimal("42000.00")
    assert units[yi.pk].levy_payable == Decimal("0.00")  # above the ratio: 0, an estimate
    assert units[bing.pk].levy_payable is None and units[bing.pk].levy_unknown == 1  # not 0
    assert units[ding.pk].levy_payable == Decimal("293760.00") and units[ding.pk].persons == 0
    assert units[ding.pk].actual_ratio_text == "0.00%" and units[ding.pk].below_required
    by_region = {r.key: r for r in statistics(scope="11", region="1101", year=df.YEAR)}
    east, west = by_region["110101"], by_region["110102"]
    assert (east.levy_payable, east.levy_units, east.levy_unknown) == (Decimal("42000.00"), 2, 1)
    assert (west.levy_payable, west.levy_units, west.levy_unknown) == (Decimal("293760.00"), 1, 0)
    # 实际安排比例 of 东城区 over the units with an estimate: (1 + 2) persons / 150 staff; 丙's person not in it.
    assert east.actual_ratio_text == "2.00%" and east.required_ratio_text == "1.70%"
    assert east.actual_employed == 4  # 实际安排人数 still counts every unit
    total = total_row(list(by_region.values()))
    assert total.levy_cents == sum(r.levy_cents for r in units.values()) == 33_576_000
    assert (total.levy_units, total.levy_unknown, total.staff) == (3, 1, Decimal("350.00"))
    for by in ("industry", "unit_kind"):
        other = total_row(statistics(scope="11", region="11", year=df.YEAR, by=by))
        assert (other.levy_cents, other.levy_units, other.levy_unknown) == (33_576_000, 3, 1), by


def test_a_row_without_any_estimate_shows_the_provinces_ratio_or_a_dash_across_provinces(levy_units):
    factories.EmploymentRatioFactory(province_code="31", year=df.YEAR, ratio_percent=Decimal("1.60"))
    shanghai = factories.employer_in("310101", name="浦东甲", industry="A", unit_kind="其他")
    df.placement(shanghai)
    summary_refresh(year=df.YEAR)
    provinces = {r.key: r for r in statistics(scope="", region="", year=df.YEAR, refresh=False)}
    assert provinces["31"].required_ratio_text == "1.60%" and provinces["31"].actual_ratio_text == "无法估算"
    assert provinces["11"].required_ratio_text == "1.70%"
    by_industry = {r.key: r for r in statistics(scope="", region="", year=df.YEAR, by="industry", refresh=False)}
    assert by_industry["A"].required_ratio_text == "—"  # the country by 行业类别: no province of its own
    assert total_row(list(by_industry.values())).required_ratio_text == "1.70%"


def test_the_summary_re_estimates_a_unit_when_an_input_changes_and_only_then(levy_units):
    jia, _yi, bing, ding = levy_units
    first = summary_refresh(year=df.YEAR)
    assert (first.recomputed, first.estimated) == (4, 3)  # 丁: a row for its figures, without placements
    assert UnitYearFigures.objects.get(employer=ding).placements == 0
    assert summary_refresh(year=df.YEAR).recomputed == 0
    _stated(jia, staff="120")  # its figures
    again = summary_refresh(year=df.YEAR)
    assert (again.recomputed, again.estimated) == (1, 1)
    assert UnitYearFigures.objects.get(employer=jia).levy_cents == 11_232_000  # (2.04 − 1) × 120,000 × 90 % (< 1 %)
    EmploymentRatio.objects.filter(province_code="11").update(ratio_percent=Decimal("1.50"))  # the province's ratio
    assert summary_refresh(year=df.YEAR).estimated == 3
    assert UnitYearFigures.objects.get(employer=ding).ratio_percent == Decimal("1.50")
    df.placement(ding, months=range(1, 7))  # its months
    assert (summary_refresh(year=df.YEAR).recomputed, UnitYearFigures.objects.get(employer=ding).other) == (1, 6)
    _stated(bing)  # figures stated: an estimate, no longer 无法估算
    assert summary_refresh(year=df.YEAR).estimated == 1
    assert UnitYearFigures.objects.get(employer=bing).levy_cents is not None
    StaffFigures.objects.filter(employer=bing).delete()  # figures gone: 无法估算 again
    summary_refresh(year=df.YEAR)
    assert UnitYearFigures.objects.get(employer=bing).levy_cents is None
    idle = factories.employer_in("110102", name="西城戊")
    _stated(idle)
    summary_refresh(year=df.YEAR)
    StaffFigures.objects.filter(employer=idle).delete()  # no figures, no placements: no row
    assert summary_refresh(year=df.YEAR).removed == 1
    assert not UnitYearFigures.objects.filter(employer=idle).exists()


def test_rows_from_before_the_levy_columns_are_recomputed(levy_units):
    jia, _yi, _bing, _ding = levy_units
    summary_refresh(year=df.YEAR)
    # What migration 0012 leaves: an impossible fingerprint, no 一二级 / 三四级 months, no estimate.
    UnitYearFigures.objects.update(version_sum=-1, severe=0, other=0, levy_cents=None, levy_key="")
    summary_refresh(year=df.YEAR)
    row = UnitYearFigures.objects.get(employer=jia)
    assert (row.other, row.levy_cents) == (12, 4_200_000)


def test_the_page_the_chart_and_the_export_show_the_ratio_beside_the_provinces_and_the_estimate(levy_units, client):
    otp_login(client, factories.reviewer_user("110000"))
    call_command("refresh_statistics", "--year", str(df.YEAR), stdout=io.StringIO())  # a city reads the summary
    response = client.get(URL, {"year": df.YEAR, "region": "1101"})
    page = response.content.decode()
    head = page.split('data-testid="statistics"')[1].split("</thead>")[0]
    for label in ("实际安排比例", "规定比例", "应缴保障金估算（元）", "可估算单位", "无法估算单位"):
        assert f'<th scope="col">{label}</th>' in head
    east = page.split("东城区</a></th>")[1].split("</tr>")[0]
    assert "<td>2.00%</td><td>1.70%</td><td>42,000.00</td><td>2</td><td>1</td>" in east
    total = page.split("<tfoot>")[1]
    assert "<td>1.70%</td><td>335,760.00</td><td>3</td><td>1</td>" in total
    chart = json.loads(page.split('id="statistics-chart-data" type="application/json">')[1].split("</script>")[0])
    assert chart["levy"] == {"ratio": [2.0, 0.0], "required": [1.7, 1.7], "payable": [4.2, 29.38]}
    assert 'id="statistics-levy-chart"' in page

    # The drill-down: a district's unit list has each unit's figures (丙: 无法估算).
    units = client.get(URL, {"year": df.YEAR, "region": "110101", "by": "unit"}).content.decode()
    bing = units.split("东城丙")[1].split("</tr>")[0]
    assert "<td>无法估算</td><td>1.70%</td><td>无法估算</td><td>0</td><td>1</td>" in bing

    export = client.get(URL, {"year": df.YEAR, "region": "1101", "export": "xlsx"})
    sheet = load_workbook(io.BytesIO(export.content)).active
    header = [c.value for c in sheet[2]]
    assert header[12:17] == ["实际安排比例", "规定比例", "应缴保障金估算（元）", "可估算单位", "无法估算单位"]
    east_row = [c for c in sheet[3]]
    assert east_row[0].value == "东城区"
    assert east_row[12].value == pytest.approx(0.02) and east_row[12].number_format == "0.00%"
    assert east_row[13].value == pytest.approx(0.017) and east_row[13].number_format == "0.00%"
    assert east_row[14].value == 42000 and east_row[14].number_format == "#,##0.00"
    assert [c.value for c in sheet[sheet.max_row]][14:17] == [335760, 3, 1]


def test_query_count_is_the_same_with_4_and_50_units_estimated(levy_units, client, django_assert_max_num_queries):
    otp_login(client, factories.reviewer_user("110000"))
    for params in ({"region": "11"}, {"region": "110101", "by": "unit"}):
        with django_assert_max_num_queries(24):
            assert client.get(URL, {"year": df.YEAR, **params}).status_code == 200
    for i in range(46):  # 50 units
        unit = factories.employer_in("110101", name=f"东城新{i}", unit_kind="企业")
        df.placement(unit)
        _stated(unit, staff=str(40 + i))
    call_command("refresh_statistics", "--year", str(df.YEAR), stdout=io.StringIO())
    for params in ({"region": "11"}, {"region": "110101", "by": "unit"}):
        with django_assert_max_num_queries(24):
            assert client.get(URL, {"year": df.YEAR, **params}).status_code == 200
