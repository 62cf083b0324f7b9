"""残联 staff and units' logins in the admin: open an account for a unit of their region (one-time link shown
once), reset a clerk's password (old one stops working, link shown), disable accounts — scoped by region, audited."""

import re

import pytest
from django.test import Client

from core.models import AuditEvent
from employers import services
from employers.models import EmployerAccount
from tests import factories

pytestmark = pytest.mark.django_db
URL = "/admin/employers/employeraccount/"


@pytest.fixture(autouse=True)
def _no_second_factor(settings):
    settings.ADMIN_REQUIRE_OTP = False


@pytest.fixture
def units(regions):
    return {
        "beijing": factories.employer(name="朝阳区示范单位", region_code="110105"),
        "shanghai": factories.employer(name="上海黄浦示范单位", region_code="310101"),
    }


@pytest.fixture
def staff(client):
    user = factories.reviewer_user("110000")
    user.groups.add(services.reviewer_group_ensure())
    client.force_login(user)
    client.user = user
    return client


def _link(html):
    return re.search(r"http://testserver(/accounts/reset/[^<\s]+)", html).group(1)


def test_staff_opens_the_first_account_of_a_unit_of_their_region(staff, units):
    response = staff.post(
        f"{URL}open/",
        {"uscc": units["beijing"].uscc, "username": "chaoyang-admin", "contact_name": "孙丽", "email": "s@example.cn"},
    )
    assert response.status_code == 200
    link = _link(response.content.decode())
    account = EmployerAccount.objects.get(user__username="chaoyang-admin")
    assert account.employer == units["beijing"] and account.is_admin and account.email_verified
    assert AuditEvent.objects.get(action="account.open", object_id=str(account.pk)).actor == staff.user
    clerk = Client()
    form = clerk.get(link, follow=True)
    clerk.post(form.redirect_chain[-1][0], {"new_password1": "Sun-pass-2027x", "new_password2": "Sun-pass-2027x"})
    login = clerk.post("/accounts/login/", {"username": "chaoyang-admin", "password": "Sun-pass-2027x"})
    assert login.status_code == 302


def test_staff_cannot_open_an_account_outside_their_region(staff, units):
    response = staff.post(f"{URL}open/", {"uscc": units["shanghai"].uscc, "username": "sh-admin", "contact_name": "钱"})
    assert "本辖区没有该统一社会信用代码的单位" in response.content.decode()
    assert not EmployerAccount.objects.filter(user__username="sh-admin").exists()


def test_staff_resets_a_password_and_disables_an_account(staff, units):
    clerk = factories.employer_user(units["beijing"], username="bj-clerk", password="Old-pass-2026")
    account = clerk.employer_account
    response = staff.post(URL, {"action": "reset_password", "_selected_action": [account.pk]})
    assert response.status_code == 200
    assert "/accounts/reset/" in response.content.decode()
    clerk.refresh_from_db()
    assert not clerk.check_password("Old-pass-2026")
    assert AuditEvent.objects.filter(action="account.password_reset", object_id=str(account.pk)).exists()

    staff.post(URL, {"action": "disable_accounts", "_selected_action": [account.pk]})
    clerk.refresh_from_db()
    assert not clerk.is_active
    assert AuditEvent.objects.get(action="account.disable", object_id=str(account.pk)).actor == staff.user


def test_accounts_of_another_region_are_not_listed_nor_acted_on(staff, units):
    stranger = factories.employer_user(units["shanghai"], username="sh-clerk")
    mine = factories.employer_user(units["beijing"], username="bj-clerk2")
    listed = {a.user.username for a in staff.get(URL).context["cl"].result_list}
    assert "bj-clerk2" in listed and "sh-clerk" not in listed
    staff.post(URL, {"action": "disable_accounts", "_selected_action": [stranger.employer_account.pk]})
    stranger.refresh_from_db()
    assert stranger.is_active and mine.is_active
