"""统计分析: per region and year, read through the counting querysets; agrees with placement_totals of each unit;
scoped to the reviewer's region."""

import pytest
from django.urls import reverse

from declarations import services
from declarations.statistics import region_statistics, total_row
from placements.selectors import placement_totals
from tests import factories
from tests.factories import declarations as df
from tests.factories import otp_login

pytestmark = pytest.mark.django_db
URL = reverse("admin:declarations_statistics")


@pytest.fixture
def region_units(traveller):
    """东城区: a declared unit (weight 2 + a pending and a rejected placement), a filling unit with an unfinished
    placement, an idle unit; 西城区: one declared and exported unit."""
    declared = factories.employer_in("110101", name="东城甲")
    df.placement(declared, months=range(1, 13), weight=2)
    df.placement(declared, months=range(1, 5), review="rejected")
    df.placement(declared, months=range(3, 9), review="confirmed")
    services.declaration_declare(employer=declared, year=df.YEAR, by=None)
    filling = factories.employer_in("110101", name="东城乙")
    df.placement(filling, months=range(1, 7))
    df.placement(filling, months=range(1, 4), completed=False)
    df.placement(filling, months=range(5, 8), review="pending")
    idle = factories.employer_in("110101", name="东城丙")
    west = factories.employer_in("110102", name="西城甲")
    df.placement(west, months=range(2, 12))
    services.declaration_declare(employer=west, year=df.YEAR, by=None)
    from django.core.management import call_command

    call_command("export_tax", "--authority", "110102", stdout=__import__("io").StringIO())
    return [declared, filling, idle, west]


def test_statistics_agree_with_each_units_placement_totals(region_units):
    rows = {row.code: row for row in region_statistics(prefix="1101", year=df.YEAR)}
    assert set(rows) == {"110101", "110102"}
    by_region = {"110101": region_units[:3], "110102": region_units[3:]}
    for code, units in by_region.items():
        totals = [placement_totals(unit, df.YEAR) for unit in units]
        row = rows[code]
        assert row.confirmed == sum(t["confirmed"] for t in totals)
        assert row.approved == sum(t["approved"] for t in totals)
        assert row.persons == sum(t["persons"] for t in totals)
        assert row.persons_counted == sum(t["persons_confirmed"] for t in totals)
    east, west = rows["110101"], rows["110102"]
    assert (east.units, east.started, east.declared, east.sent) == (3, 2, 1, 0)
    assert (west.units, west.started, west.declared, west.sent) == (1, 1, 1, 1)
    assert west.approved == 10 and west.actual_employed * 12 == 10
    total = total_row(list(rows.values()))
    assert total.units == 4 and total.approved == east.approved + west.approved


def test_a_province_reviewer_gets_one_row_per_city_and_a_district_reviewer_only_the_district(region_units, client):
    assert [r.code for r in region_statistics(prefix="11", year=df.YEAR)] == ["1101"]
    otp_login(client, factories.reviewer_user("110102"))
    page = client.get(URL, {"year": df.YEAR}).content.decode()
    assert "<caption>" in page and 'scope="col"' in page
    html = page.split('data-testid="statistics"')[1]
    assert html.count('<th scope="row">') == 2  # the district and the total
    assert "<td>1</td><td>1</td><td>1</td><td>1</td>" in html  # units, started, declared, sent
    assert 'id="statistics-chart-data"' in page and "js/statistics.js" in page


def test_not_for_non_reviewers(client, employer_user):
    client.force_login(employer_user)
    assert client.get(URL).status_code in (302, 403)


def test_query_count_is_bounded(region_units, client, django_assert_max_num_queries):
    otp_login(client, factories.reviewer_user("110000"))
    with django_assert_max_num_queries(16):
        client.get(URL, {"year": df.YEAR})
    for i in range(20):
        df.placement(factories.employer_in("110105", name=f"朝阳{i}"))
    with django_assert_max_num_queries(16):
        client.get(URL, {"year": df.YEAR})
