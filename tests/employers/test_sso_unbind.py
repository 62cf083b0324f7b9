"""法人统一身份认证账号 in the admin: reviewers of the unit's region see the bindings and 解除绑定 with a reason
(audited); another region's binding is out of reach; the clerk logins stay."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.models import AuditEvent
from employers import services
from employers.models import EmployerAccount, SSOIdentity
from tests import factories

pytestmark = pytest.mark.django_db
URL = "/admin/employers/ssoidentity/"
ISSUER = "https://zwfw.example.gov.cn"


@pytest.fixture(autouse=True)
def _no_second_factor(settings):
    settings.ADMIN_REQUIRE_OTP = False


def _bound(region_code: str, subject: str) -> SSOIdentity:
    unit = factories.employer(region_code=region_code)
    login = factories.employer_user(unit)
    EmployerAccount.objects.filter(user=login).update(is_admin=True)
    return SSOIdentity.objects.create(issuer=ISSUER, subject=subject, employer=unit, user=login)


@pytest.fixture
def staff(client, regions):
    user = factories.reviewer_user("110000")
    user.groups.add(services.reviewer_group_ensure())
    client.force_login(user)
    client.user = user
    return client


def test_unbind_needs_a_reason_and_is_audited(staff):
    identity = _bound("110105", "legal-person-1")
    ask = staff.post(URL, {"action": "unbind", "_selected_action": [identity.pk]})
    assert ask.status_code == 200 and "解除原因" in ask.content.decode()
    empty = staff.post(URL, {"action": "unbind", "_selected_action": [identity.pk], "confirm": "1", "reason": ""})
    assert "请填写解除原因" in empty.content.decode() and SSOIdentity.objects.filter(pk=identity.pk).exists()
    done = staff.post(
        URL,
        {"action": "unbind", "_selected_action": [identity.pk], "confirm": "1", "reason": "法定代表人变更"},
    )
    assert done.status_code == 302
    assert not SSOIdentity.objects.exists()
    assert EmployerAccount.objects.filter(employer=identity.employer).exists()  # the logins stay
    event = AuditEvent.objects.get(action="sso.unbind")
    assert event.actor == staff.user and event.reason == "法定代表人变更"
    assert event.object_id == str(identity.employer_id) and event.changes["subject"] == "legal-person-1"


def test_another_regions_binding_is_out_of_reach(staff):
    shanghai = _bound("310101", "legal-sh")
    assert "legal-sh" not in staff.get(URL).content.decode()
    staff.post(URL, {"action": "unbind", "_selected_action": [shanghai.pk], "confirm": "1", "reason": "试图越权"})
    assert SSOIdentity.objects.filter(pk=shanghai.pk).exists()
    assert not AuditEvent.objects.filter(action="sso.unbind").exists()


def test_a_reviewer_without_the_accounts_permission_cannot_unbind(client, regions):
    identity = _bound("110105", "legal-2")
    viewer = factories.reviewer_user("110000")
    client.force_login(viewer)
    assert "legal-2" in client.get(URL).content.decode()
    client.post(URL, {"action": "unbind", "_selected_action": [identity.pk], "confirm": "1", "reason": "x"})
    assert SSOIdentity.objects.filter(pk=identity.pk).exists()


def test_list_query_count_does_not_grow(staff, django_assert_max_num_queries):
    _bound("110105", "legal-q-0")
    with CaptureQueriesContext(connection) as one:
        staff.get(URL)
    budget = len(one)
    for n in range(1, 30):
        _bound("110105", f"legal-q-{n}")
    with django_assert_max_num_queries(budget):
        assert staff.get(URL).status_code == 200
