"""A unit's clerks: its administrator adds, disables and re-enables them (each with their own login, password set
through a one-time link), audited with who did it; another unit's clerks answer 404; a plain clerk may not."""

import re

import pytest
from django.test import Client

from core.models import AuditEvent
from employers.models import EmployerAccount
from tests import factories


@pytest.fixture
def admin_client(client, employer):
    admin = factories.employer_user(employer, username="unit-admin")
    EmployerAccount.objects.filter(user=admin).update(is_admin=True)
    client.force_login(admin)
    client.admin = admin
    return client


def test_administrator_adds_a_clerk_who_sets_a_password_once(admin_client, employer):
    response = admin_client.post(
        "/employer/accounts/",
        {"username": "clerk-li", "contact_name": "李娜", "contact_phone": "13900139001", "email": "li@example.cn"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    link = re.search(r"http://testserver(/accounts/reset/[^<\s]+)", html).group(1)
    account = EmployerAccount.objects.select_related("user").get(user__username="clerk-li")
    assert account.employer == employer and not account.is_admin and not account.user.has_usable_password()
    event = AuditEvent.objects.get(action="account.add", object_id=str(account.pk))
    assert event.actor == admin_client.admin

    clerk = Client()
    form = clerk.get(link, follow=True)
    assert form.status_code == 200
    done = clerk.post(
        form.redirect_chain[-1][0], {"new_password1": "Clerk-pass-2027", "new_password2": "Clerk-pass-2027"}
    )
    assert done.status_code == 302
    account.user.refresh_from_db()
    assert account.user.check_password("Clerk-pass-2027")
    assert clerk.get(link, follow=True).context["validlink"] is False  # used up
    assert clerk.post("/accounts/login/", {"username": "clerk-li", "password": "Clerk-pass-2027"}).status_code == 302


def test_duplicate_username_is_a_form_error(admin_client):
    response = admin_client.post("/employer/accounts/", {"username": "unit-admin", "contact_name": "王"})
    assert "该用户名已被使用" in response.content.decode()


def test_administrator_disables_and_reenables_a_clerk(admin_client, employer):
    other = factories.employer_user(employer, username="clerk-zhao")
    account = other.employer_account
    assert admin_client.post(f"/employer/accounts/{account.pk}/disable/").status_code == 302
    other.refresh_from_db()
    assert not other.is_active
    assert AuditEvent.objects.get(action="account.disable", object_id=str(account.pk)).actor == admin_client.admin
    admin_client.post(f"/employer/accounts/{account.pk}/enable/")
    other.refresh_from_db()
    assert other.is_active
    assert AuditEvent.objects.filter(action="account.enable", object_id=str(account.pk)).exists()


def test_administrator_cannot_disable_themself(admin_client):
    own = admin_client.admin.employer_account
    page = admin_client.post(f"/employer/accounts/{own.pk}/disable/", follow=True)
    assert "不能停用自己的账号" in page.content.decode()
    admin_client.admin.refresh_from_db()
    assert admin_client.admin.is_active


def test_another_units_clerk_is_404(admin_client, other_employer):
    stranger = factories.employer_user(other_employer).employer_account
    assert admin_client.post(f"/employer/accounts/{stranger.pk}/disable/").status_code == 404
    assert admin_client.post(f"/employer/accounts/{stranger.pk}/enable/").status_code == 404
    stranger.user.refresh_from_db()
    assert stranger.user.is_active


def test_plain_clerk_may_not_manage_accounts(employer_client, employer):
    assert employer_client.get("/employer/accounts/").status_code == 403
    colleague = factories.employer_user(employer).employer_account
    assert employer_client.post(f"/employer/accounts/{colleague.pk}/disable/").status_code == 403


def test_disabled_clerk_cannot_log_in(admin_client, employer):
    factories.employer_user(employer, username="clerk-qian", password="Qian-pass-2027")
    account = EmployerAccount.objects.get(user__username="clerk-qian")
    admin_client.post(f"/employer/accounts/{account.pk}/disable/")
    response = Client().post("/accounts/login/", {"username": "clerk-qian", "password": "Qian-pass-2027"})
    assert response.status_code == 200  # the login form again, not a redirect
