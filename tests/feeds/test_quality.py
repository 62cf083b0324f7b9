"""数据质量: each feed import keeps its rejections grouped by reason; the import's page shows the counts and the
groups, to provincial 残联 staff as well (not to city or district reviewers)."""

from datetime import date

import pytest
from django.urls import reverse

from feeds.models import FeedImport
from feeds.quality import OTHER, reason_group, top_groups
from feeds.services import feed_import
from tests import factories
from tests.factories import otp_login
from tests.factories.feeds import bad_check_digit, person_id, unit_uscc, write_csv

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("reason", "group"),
    [
        ("月份“202513”不是有效的YYYYMM", "月份“…”不是有效的YYYYMM"),
        ("月份199912超出范围（202401至202612）", "月份N超出范围（N至N）"),
        ("统一社会信用代码校验位错误", "统一社会信用代码校验位错误"),
        ("字段数为3，与表头的4列不一致", "字段数为N，与表头的N列不一致"),
    ],
)
def test_reason_groups(reason, group):
    assert reason_group(reason) == group


def test_top_groups_orders_and_sums_the_rest():
    assert top_groups({"a": 1, "b": 5, "c": 2}, limit=2) == {"b": 5, "c": 2, OTHER: 1}


@pytest.fixture
def logged_import(tmp_path):
    ids = [person_id(date(1980 + i, 1 + i, 10 + i)) for i in range(3)]
    unit = unit_uscc()
    rows = [
        (ids[0], unit, 202501, "5000"),
        (ids[1], unit, 202513, "5000"),
        (ids[2], unit, 202514, "5000"),
        (ids[1], unit, 199912, "5000"),
        (bad_check_digit(ids[2]), unit, 202501, "5000"),
    ]
    feed_import(kind="pension", path=write_csv(tmp_path / "p.csv", "pension", rows), today=date(2026, 3, 1))
    return FeedImport.objects.get()


def test_the_import_log_keeps_grouped_reasons(logged_import):
    reasons = logged_import.reason_groups
    assert logged_import.rows_rejected == 4 == sum(reasons.values())
    assert reasons["月份“…”不是有效的YYYYMM"] == 2
    assert next(iter(reasons)) == "月份“…”不是有效的YYYYMM"  # the largest group first


def test_the_import_page_for_a_provincial_reviewer(logged_import, client):
    url = reverse("admin:feeds_feedimport_change", args=[logged_import.pk])
    otp_login(client, factories.reviewer_user("110000"))
    page = client.get(url).content.decode()
    assert 'data-testid="rejection-reasons"' in page and "拒绝 4 行" in page
    assert "月份“…”不是有效的YYYYMM" in page and "50.0%" in page
    listing = client.get(reverse("admin:feeds_feedimport_changelist")).content.decode()
    assert "p.csv" in listing


def test_not_for_a_district_reviewer(logged_import, client):
    otp_login(client, factories.reviewer_user("110101"))
    url = reverse("admin:feeds_feedimport_change", args=[logged_import.pk])
    assert client.get(url).status_code in (302, 403)
