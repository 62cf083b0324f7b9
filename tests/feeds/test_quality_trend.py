"""数据质量趋势 and the rejections' download (feeds.admin): per kind the latest imports with their counts as an
accessible table, each import's rejection groups as CSV — for provincial 残联 staff (not city or district reviewers),
in a bounded number of queries."""

import csv
import io
from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse

from feeds.models import FeedImport
from feeds.services import feed_import
from tests import factories
from tests.factories import otp_login
from tests.factories.feeds import person_id, unit_uscc, write_csv

pytestmark = pytest.mark.django_db
TREND = reverse("admin:feeds_feedimport_trend")


def _log(kind: str, day: int, read: int, rejected: int, reasons=None) -> FeedImport:
    at = datetime(2026, 3, day, 8, 0).astimezone()
    return FeedImport.objects.create(
        kind=kind,
        file_name=f"{kind}-{day:02d}.csv",
        method="copy",
        started_at=at,
        finished_at=at + timedelta(minutes=1),
        rows_read=read,
        rows_inserted=read - rejected,
        rows_updated=0,
        rows_unchanged=0,
        rows_rejected=rejected,
        rejection_reasons=reasons or {},
    )


def test_the_trend_per_kind_oldest_first(client):
    _log("pension", 2, 100, 10)
    _log("pension", 1, 200, 0)
    _log("wages", 3, 50, 5)
    otp_login(client, factories.reviewer_user("110000"))
    page = client.get(TREND).content.decode()
    pension = page.split('data-testid="feed-trend-pension"')[1].split("</table>")[0]
    assert "<caption>社保（养老保险缴费）" in pension and 'scope="col"' in pension
    assert pension.index("pension-01.csv") < pension.index("pension-02.csv")
    assert "10.0%" in pension and "0.0%" in pension
    assert "wages-03.csv" in page.split('data-testid="feed-trend-wages"')[1]


def test_the_rejections_download(tmp_path, client):
    ids = [person_id(date(1980 + i, 1 + i, 10 + i)) for i in range(3)]
    unit = unit_uscc()
    rows = [(ids[0], unit, 202501, "5000"), (ids[1], unit, 202513, "5000"), (ids[2], unit, 202514, "5000")]
    feed_import(kind="pension", path=write_csv(tmp_path / "p.csv", "pension", rows), today=date(2026, 3, 1))
    entry = FeedImport.objects.get()
    otp_login(client, factories.reviewer_user("110000"))
    assert (
        reverse("admin:feeds_feedimport_rejections", args=[entry.pk])
        in client.get(reverse("admin:feeds_feedimport_change", args=[entry.pk])).content.decode()
    )
    response = client.get(reverse("admin:feeds_feedimport_rejections", args=[entry.pk]))
    assert response["Content-Type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert lines[0][3] == "拒绝原因（按类归并）"
    assert lines[1][0] == "pension" and lines[1][1] == "p.csv" and lines[1][3:] == ["月份“…”不是有效的YYYYMM", "2"]


def test_not_for_city_or_district_reviewers(client):
    entry = _log("pension", 2, 100, 10, {"x": 10})
    for code in ("110100", "110101"):
        otp_login(client, factories.reviewer_user(code))
        assert client.get(TREND).status_code in (302, 403)
        assert client.get(reverse("admin:feeds_feedimport_rejections", args=[entry.pk])).status_code in (302, 403)


def test_trend_queries_do_not_grow_with_imports(client, django_assert_max_num_queries):
    _log("pension", 1, 10, 1)
    otp_login(client, factories.reviewer_user("110000"))
    with django_assert_max_num_queries(10):
        assert client.get(TREND).status_code == 200
    for day in range(2, 28):
        _log("pension", day, 10, 1)
        _log("medical", day, 10, 2)
    with django_assert_max_num_queries(10):
        page = client.get(TREND).content.decode()
    assert page.count('<tr><th scope="row">') == 40  # 20 per kind
