"""Admin of reference data and the audit trail."""

from datetime import date

import pytest

from core import audit
from core.models import AuditEvent, CalendarDay, EmploymentRatio
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_second_factor(settings):
    settings.ADMIN_REQUIRE_OTP = False


@pytest.fixture
def event(employer, admin_user):
    return audit.record(
        actor=admin_user,
        action="employer.update",
        obj=employer,
        reason="测试",
        changes={"contact_name": {"before": "李娜", "after": "赵敏"}},
    )


def test_audit_trail_is_read_only_even_for_superusers(admin_client, event):
    base = "/admin/core/auditevent/"
    assert admin_client.get(f"{base}add/").status_code == 403
    assert admin_client.get(f"{base}{event.pk}/delete/").status_code == 403
    page = admin_client.get(f"{base}{event.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "赵敏" in html and "李娜" in html and 'name="_save"' not in html
    response = admin_client.post(f"{base}{event.pk}/change/", {"reason": "改掉"})
    assert response.status_code == 403
    listing = admin_client.get(base).content.decode()
    assert "delete_selected" not in listing
    admin_client.post(base, {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"})
    event.refresh_from_db()
    assert event.reason == "测试" and AuditEvent.objects.count() == 1


def test_reviewer_cannot_see_the_audit_trail(client, event):
    from employers.services import reviewer_group_ensure

    user = factories.reviewer_user("110000")
    user.groups.add(reviewer_group_ensure())
    client.force_login(user)
    assert client.get("/admin/core/auditevent/").status_code == 403


def test_regions_are_read_only_and_searchable(admin_client, employer):
    response = admin_client.get("/admin/core/region/", {"q": "1101"})
    assert response.status_code == 200
    assert {r.code for r in response.context["cl"].result_list} >= {"110100", "110101"}
    assert admin_client.get("/admin/core/region/add/").status_code == 403
    assert admin_client.get("/admin/core/region/110101/delete/").status_code == 403


def test_calendar_day_admin_validates_adjusted_workdays(admin_client):
    response = admin_client.post(
        "/admin/core/calendarday/add/", {"date": "2027-02-08", "kind": "workday", "name": "调休"}
    )  # a Monday
    assert response.status_code == 200 and "调休上班日应为周六或周日" in response.content.decode()
    response = admin_client.post(
        "/admin/core/calendarday/add/", {"date": "2027-02-06", "kind": "workday", "name": "春节调休"}
    )
    assert response.status_code == 302
    assert CalendarDay.objects.get(date=date(2027, 2, 6)).kind == "workday"
    assert "星期六" in admin_client.get("/admin/core/calendarday/").content.decode()


def test_ratio_admin_edits_and_validates(admin_client):
    response = admin_client.post(
        "/admin/core/employmentratio/add/", {"province_code": "11", "year": "2027", "ratio_percent": "15"}
    )
    assert "安排比例应在 0 到 10" in response.content.decode()
    admin_client.post(
        "/admin/core/employmentratio/add/", {"province_code": "11", "year": "2027", "ratio_percent": "1.7"}
    )
    assert str(EmploymentRatio.objects.get(province_code="11", year=2027).ratio_percent) == "1.70"


def test_filing_window_admin_validates_dates(admin_client):
    data = {"province_code": "11", "business_year": "2026", "opens_on": "2027-10-31", "closes_on": "2027-03-01"}
    assert "截止日期不能早于开始日期" in admin_client.post("/admin/core/filingwindow/add/", data).content.decode()
    data = {"province_code": "11", "business_year": "2026", "opens_on": "2026-03-01", "closes_on": "2026-10-31"}
    assert "应在业务年度结束之后" in admin_client.post("/admin/core/filingwindow/add/", data).content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/admin/core/minimumwage/",
        "/admin/core/socialaveragewage/",
        "/admin/core/filingwindow/",
        "/admin/core/employmentratio/",
        "/admin/core/calendarday/",
        "/admin/core/storedfile/",
        "/admin/employers/relatedunitproof/",
        "/admin/employers/reviewerprofile/",
    ],
)
def test_admin_pages_load(admin_client, url):
    assert admin_client.get(url).status_code == 200


def test_the_raw_audit_table_names_actions_and_objects_beside_their_codes(admin_client, event):
    """The superusers' raw table reads like 审计记录查询: 修改单位信息 over employer.update, 用人单位 over
    employers.employer (declarations.admin_audit_events registers it with the names)."""
    listing = admin_client.get("/admin/core/auditevent/").content.decode()
    assert '修改单位信息<br><small class="quiet">employer.update</small>' in listing
    assert '<br><small class="quiet">employers.employer</small>' in listing
    page = admin_client.get(f"/admin/core/auditevent/{event.pk}/change/").content.decode()
    assert "修改单位信息" in page and "赵敏" in page
