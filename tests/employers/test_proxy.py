"""窗口代办: a 残联 staff member acts for a unit of their region, with a reason; a banner on every page; every
audited write says "staff X for unit Y"; 完成申报 needs the unit's signed 承诺书 (test_proxy_commitment.py); the
unit is told when it ends."""

import pytest

from core.models import AuditEvent
from employers.models import ProxySession
from notices.models import Notice
from tests import factories
from tests.employers.test_employer_page import URL, form_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_second_factor(settings):
    settings.ADMIN_REQUIRE_OTP = False


@pytest.fixture
def unit(regions):
    return factories.employer(name="朝阳区代办单位", region_code="110105")


@pytest.fixture
def staff(client):
    user = factories.reviewer_user("110000", username="window-staff")
    client.force_login(user)
    client.user = user
    return client


def _start(staff, unit, reason="单位经办人现场办理，委托书已核验"):
    return staff.post(f"/proxy/{unit.pk}/start/", {"reason": reason})


def test_staff_acts_for_a_unit_with_banner_and_marked_audit(staff, unit):
    assert _start(staff, unit)["Location"] == "/employer/"
    page = staff.get(URL).content.decode()
    assert "代办模式" in page and "朝阳区代办单位" in page and "结束代办" in page
    response = staff.post(URL, form_data(unit, contact_name="周敏"))
    assert response.status_code == 302
    unit.refresh_from_db()
    assert unit.contact_name == "周敏"
    event = AuditEvent.objects.get(action="employer.update", object_id=str(unit.pk))
    assert event.actor == staff.user
    assert event.changes["代办"] == f"残联 window-staff 为 朝阳区代办单位（{unit.uscc}）代办"
    assert "代办" in event.reason
    assert AuditEvent.objects.filter(action="proxy.start", object_id=str(unit.pk)).exists()


def test_the_final_step_of_declaring_asks_for_the_signed_commitment(staff, unit):
    _start(staff, unit)
    response = staff.get("/declarations/2025/declare/confirm/")
    assert response.status_code == 302 and response["Location"] == "/employer/proxy/commitment/2025/"


def test_ending_tells_the_unit_and_removes_the_banner(staff, unit):
    _start(staff, unit)
    response = staff.post("/proxy/end/")
    assert response.status_code == 302
    notice = Notice.objects.get(employer=unit, kind="system")
    assert "窗口代办" in notice.title and "window-staff" in notice.body
    assert ProxySession.objects.get(employer=unit).ended_at is not None
    assert AuditEvent.objects.filter(action="proxy.end", object_id=str(unit.pk)).exists()
    assert "代办模式" not in staff.get("/accounts/login/").content.decode()
    assert staff.get(URL).status_code == 403  # back to a reviewer without a unit


def test_a_reason_is_required(staff, unit):
    response = _start(staff, unit, reason="")
    assert response.status_code == 200 and not ProxySession.objects.exists()


def test_unit_of_another_region_is_404(staff, regions):
    shanghai = factories.employer(name="上海单位", region_code="310101")
    assert _start(staff, shanghai).status_code == 404


def test_clerks_cannot_start(employer_client, unit):
    assert employer_client.post(f"/proxy/{unit.pk}/start/", {"reason": "x"}).status_code == 403


def test_started_from_the_units_admin_page(staff, unit):
    from employers import services

    staff.user.groups.add(services.reviewer_group_ensure())
    page = staff.get(f"/admin/employers/employer/{unit.pk}/change/").content.decode()
    assert f'href="/proxy/{unit.pk}/start/"' in page and "窗口代办" in page
