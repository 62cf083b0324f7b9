"""统计分析: per region and year, read through the counting querysets; by sub-region (drill-down province → city →
district → units), by 行业类别 and by 单位性质; the .xlsx export has the page's figures; scoped to the reviewer's region
in every figure, list and export; the query count does not grow with the rows."""

import io
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from declarations import services
from declarations.models import Submission, UnitYearFigures
from declarations.statistics import region_statistics, statistics, total_row
from declarations.statistics_summary import summary_refresh
from placements.models import GridChange, Placement
from placements.selectors import placement_totals
from tests import factories
from tests.factories import declarations as df
from tests.factories import otp_login

pytestmark = pytest.mark.django_db
URL = reverse("admin:declarations_statistics")


@pytest.fixture
def region_units(traveller):
    """东城区: a declared unit (weight 2 + a pending and a rejected placement; 制造业, 企业), a filling unit with
    an unfinished placement (制造业, 机关), an idle unit (教育, 事业单位); 西城区: one declared and exported unit
    (教育, 企业)."""
    factories.region("110101", name="东城区")
    factories.region("110102", name="西城区")
    declared = factories.employer_in("110101", name="东城甲", industry="C", unit_kind="企业")
    df.placement(declared, months=range(1, 13), weight=2)
    df.placement(declared, months=range(1, 5), review="rejected")
    df.placement(declared, months=range(3, 9), review="confirmed")
    services.declaration_declare(employer=declared, year=df.YEAR, by=None)
    filling = factories.employer_in("110101", name="东城乙", industry="C", unit_kind="机关")
    df.placement(filling, months=range(1, 7))
    df.placement(filling, months=range(1, 4), completed=False)
    df.placement(filling, months=range(5, 8), review="pending")
    idle = factories.employer_in("110101", name="东城丙", industry="P", unit_kind="事业单位")
    west = factories.employer_in("110102", name="西城甲", industry="P", unit_kind="企业")
    df.placement(west, months=range(2, 12))
    services.declaration_declare(employer=west, year=df.YEAR, by=None)
    call_command("export_tax", "--authority", "110102", stdout=io.StringIO())
    return [declared, filling, idle, west]


def _sum_totals(units):
    totals = [placement_totals(unit, df.YEAR) for unit in units]
    return {key: sum(t[key] for t in totals) for key in ("confirmed", "approved", "persons", "persons_confirmed")}


def _assert_agrees(row, units):
    expected = _sum_totals(units)
    assert (row.confirmed, row.approved, row.persons, row.persons_counted) == (
        expected["confirmed"],
        expected["approved"],
        expected["persons"],
        expected["persons_confirmed"],
    )


def test_statistics_agree_with_each_units_placement_totals(region_units):
    rows = {row.key: row for row in region_statistics(prefix="1101", year=df.YEAR)}
    assert set(rows) == {"110101", "110102"}
    _assert_agrees(rows["110101"], region_units[:3])
    _assert_agrees(rows["110102"], region_units[3:])
    east, west = rows["110101"], rows["110102"]
    assert (east.units, east.started, east.declared, east.sent) == (3, 2, 1, 0)
    assert (west.units, west.started, west.declared, west.sent) == (1, 1, 1, 1)
    assert west.approved == 10 and west.actual_employed * 12 == 10
    total = total_row(list(rows.values()))
    assert total.units == 4 and total.approved == east.approved + west.approved


def test_breakdowns_by_industry_and_unit_kind_add_up_to_the_same_totals(region_units):
    declared, filling, idle, west = region_units
    by_industry = {r.key: r for r in statistics(scope="11", region="11", year=df.YEAR, by="industry")}
    assert set(by_industry) == {"C", "P"}
    assert by_industry["C"].name == "C 制造业" and by_industry["C"].units == 2
    _assert_agrees(by_industry["C"], [declared, filling])
    _assert_agrees(by_industry["P"], [idle, west])
    by_kind = {r.key: r for r in statistics(scope="11", region="11", year=df.YEAR, by="unit_kind")}
    assert set(by_kind) == {"企业", "机关", "事业单位"}
    _assert_agrees(by_kind["企业"], [declared, west])
    assert (by_kind["企业"].declared, by_kind["企业"].sent) == (2, 1)
    by_region = statistics(scope="11", region="11", year=df.YEAR, by="region")
    for other in (by_industry.values(), by_kind.values()):
        assert total_row(list(other)).figures() == total_row(by_region).figures()


def test_drill_down_from_province_to_city_to_district_to_the_unit_list(region_units, client):
    otp_login(client, factories.reviewer_user("110000"))
    page = client.get(URL, {"year": df.YEAR}).content.decode()
    assert f"?year={df.YEAR}&amp;region=1101&amp;by=region" in page  # the city row links one level down
    page = client.get(URL, {"year": df.YEAR, "region": "1101"}).content.decode()
    assert f"?year={df.YEAR}&amp;region=110101&amp;by=unit" in page  # a district row links to its units
    page = client.get(URL, {"year": df.YEAR, "region": "110101", "by": "unit"}).content.decode()
    table = page.split('data-testid="statistics"')[1]
    assert table.count('<th scope="row">') == 4  # three units and the total
    assert "东城甲" in table and "西城甲" not in table
    assert reverse("admin:employers_employer_change", args=[region_units[0].pk]) in table
    rows = {r.key: r for r in statistics(scope="11", region="110101", year=df.YEAR, by="unit")}
    for unit in region_units[:3]:
        _assert_agrees(rows[str(unit.pk)], [unit])
    path = page.split('data-testid="statistics-path"')[1].split("</ol>")[0]
    assert "北京市" in path and 'aria-current="page"' in path


def test_the_unit_list_only_inside_a_district(region_units):
    rows = statistics(scope="11", region="1101", year=df.YEAR, by="unit")
    assert [r.key for r in rows] == ["110101", "110102"]  # by sub-region instead of 100,000 rows


def test_export_has_the_pages_figures(region_units, client):
    otp_login(client, factories.reviewer_user("110000"))
    call_command("refresh_statistics", "--year", str(df.YEAR), stdout=io.StringIO())  # the cron job
    response = client.get(URL, {"year": df.YEAR, "region": "1101", "by": "industry", "export": "xlsx"})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[1][0] == "行业类别" and values[1][1] == "应申报单位"
    rows = statistics(scope="11", region="1101", year=df.YEAR, by="industry")
    assert [list(v[1:11]) for v in values[2:-1]] == [r.figures() for r in rows]
    assert values[-1][0] == "合计" and list(values[-1][1:11]) == total_row(rows).figures()


def test_a_district_reviewer_sees_only_the_district_in_every_figure_list_and_export(region_units, client):
    otp_login(client, factories.reviewer_user("110102"))
    for by in ("region", "industry", "unit_kind", "unit"):
        # Asking for the province or the neighbouring district is clamped to the reviewer's own district.
        for region in ("", "11", "110101"):
            page = client.get(URL, {"year": df.YEAR, "by": by, "region": region}).content.decode()
            table = page.split('data-testid="statistics"')[1]
            assert "东城" not in table
            total = table.split("<tfoot>")[1]
            assert total.startswith('\n    <tr><th scope="row">合计</th><td>1</td><td>1</td><td>1</td>'), by
            export = client.get(URL, {"year": df.YEAR, "by": by, "region": region, "export": "xlsx"})
            values = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
            assert values[-1][:4] == ("合计", 1, 1, 1)
            assert not any("东城" in str(v[0]) for v in values)


def test_the_page_has_the_table_and_the_chart_data(region_units, client):
    otp_login(client, factories.reviewer_user("110000"))
    page = client.get(URL, {"year": df.YEAR, "region": "1101"}).content.decode()
    assert "<caption>" in page and 'scope="col"' in page
    assert 'id="statistics-chart-data"' in page and "js/statistics.js" in page
    assert "style=" not in page.split('id="content"')[1] and "onclick" not in page  # CSP: no inline style/handler


def test_not_for_non_reviewers(client, employer_user):
    client.force_login(employer_user)
    assert client.get(URL).status_code in (302, 403)


@pytest.mark.parametrize("by", ["region", "industry", "unit_kind", "unit"])
def test_query_count_is_bounded(region_units, client, django_assert_max_num_queries, by):
    otp_login(client, factories.reviewer_user("110000"))
    params = {"year": df.YEAR, "by": by, "region": "110105" if by == "unit" else "11"}
    with django_assert_max_num_queries(24):
        assert client.get(URL, params).status_code == 200
    for i in range(20):
        unit = factories.employer_in("110105", name=f"朝阳{i}", industry="ABCDE"[i % 5])
        df.placement(unit)
    with django_assert_max_num_queries(24):
        assert client.get(URL, params).status_code == 200


def test_a_province_reads_the_summary_as_the_cron_job_left_it_a_district_is_live(region_units, client):
    cache.clear()  # the time of the last refresh is kept in the cache (another test's refresh must not count)
    otp_login(client, factories.reviewer_user("110000"))
    page = client.get(URL, {"year": df.YEAR}).content.decode()
    assert "尚未汇总" in page.split('data-testid="statistics-as-of"')[1].split("</p>")[0]
    out = io.StringIO()
    call_command("refresh_statistics", "--year", str(df.YEAR), stdout=out)
    assert f"{df.YEAR}: 3 units with placements, recomputed 3, removed 0" in out.getvalue()
    page = client.get(URL, {"year": df.YEAR}).content.decode()
    assert "统计截至" in page.split('data-testid="statistics-as-of"')[1].split("</p>")[0]
    live = client.get(URL, {"year": df.YEAR, "region": "110101", "by": "unit"}).content.decode()
    assert "实时统计" in live.split('data-testid="statistics-as-of"')[1].split("</p>")[0]


def test_the_refresh_recomputes_only_what_changed(region_units):
    _declared, filling, idle, west = region_units
    assert summary_refresh(year=df.YEAR).recomputed == 3
    assert summary_refresh(year=df.YEAR).recomputed == 0
    df.placement(idle, months=range(1, 4))  # a new placement: a new fingerprint
    Placement.objects.filter(employer=filling, wizard_completed=True).update(version=F("version") + 1)
    assert summary_refresh(year=df.YEAR, dry_run=True).recomputed == 2
    assert summary_refresh(year=df.YEAR).recomputed == 2
    # A background pass marks a unit's year in GridChange (not a placement): a new fingerprint too.
    GridChange.objects.create(employer=idle, year=df.YEAR, changed_at=timezone.now() + timedelta(days=1))
    assert summary_refresh(year=df.YEAR).recomputed == 1
    assert summary_refresh(year=df.YEAR).recomputed == 0
    Placement.objects.filter(employer=west).delete()
    result = summary_refresh(year=df.YEAR)
    assert (result.recomputed, result.removed) == (0, 1)
    rows = {r.key: r for r in statistics(scope="11", region="110101", year=df.YEAR, by="unit", refresh=False)}
    _assert_agrees(rows[str(idle.pk)], [idle])
    assert not UnitYearFigures.objects.filter(employer=west).exists()


def test_the_command_refuses_a_bad_region():
    with pytest.raises(CommandError, match="行政区划代码前缀"):
        call_command("refresh_statistics", "--region", "1")


def test_certified_and_withdrawn(region_units, traveller):
    declared, _filling, _idle, west = region_units
    Submission.objects.filter(declaration__employer=declared).update(certificate_issued_at=timezone.now())
    withdrawal = services.withdrawal_request(employer=west, year=df.YEAR, reason="漏报一人", by=None)
    services.withdrawal_approve(withdrawal=withdrawal, reason="同意撤回", by=None)
    rows = {r.key: r for r in statistics(scope="11", region="1101", year=df.YEAR)}
    east, west_row = rows["110101"], rows["110102"]
    assert (east.declared, east.certified, east.withdrawn) == (1, 1, 0)
    assert (west_row.declared, west_row.certified, west_row.withdrawn) == (0, 0, 1)  # back to 填报中
