"""未申报单位 (admin): scoped to the reviewer's region, stages and deadlines, the .xlsx export, and the 申报提醒 at
most once a unit per day."""

import io
from datetime import date, timedelta

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from core.audit import AuditEvent
from core.models import FilingExtension
from declarations import reminders, services
from declarations.models import FilingReminder
from notices.models import Notice
from tests import factories
from tests.factories import declarations as df
from tests.factories import otp_login

pytestmark = pytest.mark.django_db
URL = reverse("admin:declarations_unfiledunit_changelist")


@pytest.fixture
def units(traveller):
    """In 东城区 (110101): one not started, one filling, one declared; in 西城区 (110102): one not started."""
    idle = factories.employer_in("110101", name="东城未开始有限公司")
    filling = factories.employer_in("110101", name="东城填报中有限公司")
    df.placement(filling, months=range(1, 7))
    declared = factories.employer_in("110101", name="东城已申报有限公司")
    df.placement(declared)
    services.declaration_declare(employer=declared, year=df.YEAR, by=None)
    other = factories.employer_in("110102", name="西城未开始有限公司")
    return {"idle": idle, "filling": filling, "declared": declared, "other": other}


def login(client, region: str):
    user = factories.reviewer_user(region)
    otp_login(client, user)
    return user


def test_a_district_reviewer_sees_only_the_districts_undeclared_units(units, client):
    login(client, "110101")
    page = client.get(URL, {"year": df.YEAR}).content.decode()
    assert "东城未开始有限公司" in page and "东城填报中有限公司" in page
    assert "东城已申报有限公司" not in page and "西城未开始有限公司" not in page
    assert "2026-10-31" in page and "剩余 31 天" in page  # default window of 2025: until 2026-10-31
    assert "未开始" in page and "填报中" in page


def test_a_city_reviewer_sees_both_districts_and_filters_by_stage(units, client):
    login(client, "110000")
    page = client.get(URL, {"year": df.YEAR}).content.decode()
    assert "西城未开始有限公司" in page and "东城未开始有限公司" in page
    filling = client.get(URL, {"year": df.YEAR, "stage": "filling"}).content.decode()
    assert "东城填报中有限公司" in filling and "东城未开始有限公司" not in filling


def test_extended_deadline_and_closed_window(units, traveller):
    FilingExtension.objects.create(
        employer=units["idle"], year=df.YEAR, closes_on=date(2026, 12, 15), reason="受灾延期"
    )
    base = reminders.unfiled_units(type(units["idle"]).objects.all(), df.YEAR)
    idle = base.get(pk=units["idle"].pk)
    late = reminders.deadline_of(idle, today=date(2026, 11, 5))
    assert (late.closes_on, late.days_left, late.extended) == (date(2026, 12, 15), 40, True)
    filling = base.get(pk=units["filling"].pk)
    closed = reminders.deadline_of(filling, today=date(2026, 11, 5))
    assert closed.days_left == -5 and closed.label == "已截止 5 天"


def test_export_xlsx_lists_the_selected_units(units, client):
    login(client, "110101")
    ids = [units["idle"].pk, units["filling"].pk, units["other"].pk]  # the other district's id is ignored
    response = client.post(f"{URL}?year={df.YEAR}", {"action": "export_xlsx", "_selected_action": ids, "index": 0})
    assert response.status_code == 200 and "spreadsheetml" in response["Content-Type"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("单位名称", "统一社会信用代码", "残联主管部门")
    assert sorted(r[0] for r in rows[1:]) == ["东城填报中有限公司", "东城未开始有限公司"]
    assert {r[7] for r in rows[1:]} == {31}


def _remind(client, ids):
    return client.post(
        f"{URL}?year={df.YEAR}", {"action": "send_reminders", "_selected_action": ids, "index": 0}, follow=True
    )


def test_reminder_at_most_once_a_unit_per_day(units, client, traveller):
    login(client, "110101")
    ids = [units["idle"].pk, units["filling"].pk]
    page = _remind(client, ids).content.decode()
    assert "已向 2 个单位发送2025年度申报提醒" in page
    notice = Notice.objects.get(employer=units["idle"])
    assert "2025年度" in notice.title and "2026年10月31日" in notice.body
    assert FilingReminder.objects.count() == 2
    assert AuditEvent.objects.filter(action="declaration.filing_reminder").count() == 2
    page = _remind(client, ids).content.decode()
    assert "2 个单位今天已提醒过，未重复发送" in page
    assert FilingReminder.objects.count() == 2 and Notice.objects.filter(employer__in=ids).count() == 2
    listing = client.get(URL, {"year": df.YEAR}).content.decode()
    assert "2026-09-30 10:" in listing  # 最近提醒
    traveller.shift(timedelta(days=1))
    otp_login(client, factories.reviewer_user("110101"))
    assert "已向 2 个单位发送" in _remind(client, ids).content.decode()
    assert FilingReminder.objects.count() == 4


def test_the_service_refuses_a_unit_outside_the_scope(units, traveller):
    reviewer = factories.reviewer_user("110101")
    from core.errors import DomainError

    with pytest.raises(DomainError):
        reminders.filing_reminders_send(units=[units["other"]], year=df.YEAR, by=reviewer)
    assert not FilingReminder.objects.exists()


def test_query_count_does_not_grow_with_rows(units, client, django_assert_max_num_queries):
    login(client, "110101")
    with django_assert_max_num_queries(14):
        client.get(URL, {"year": df.YEAR})
    for i in range(30):
        factories.employer_in("110101", name=f"东城新增单位{i}有限公司")
    with django_assert_max_num_queries(14):
        assert "东城新增单位29有限公司" in client.get(URL, {"year": df.YEAR}).content.decode()
