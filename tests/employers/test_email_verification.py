"""A clerk's e-mail address is verified by a link mailed to it (real SMTP server on loopback, aiosmtpd); only then
does 忘记密码 mail a reset link to it. Links last one hour and are used up; sending is rate-limited; the unit
administrator's new clerk gets the mail at once; 残联 staff mail a reset link only to a verified address."""

import re
from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.test import Client

from core.models import AuditEvent
from employers import mail
from employers.models import EmployerAccount
from tests import factories
from tests.employers.test_password_reset import RESET, _body, _wait, smtp  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db
ME = "/employer/accounts/me/"
VERIFY = re.compile(r"http://testserver(/employer/email/verify/\S+)")


@pytest.fixture
def clerk(employer):
    user = factories.employer_user(employer, username="clerk-verify", password="Clerk-pass-2026x")
    return user


@pytest.fixture
def clerk_client(client, clerk):
    client.force_login(clerk)
    return client


def _verification_link(inbox, n=1) -> str:
    _wait(inbox, n)
    return VERIFY.search(_body(inbox.messages[n - 1][1])).group(1)


def test_reset_mail_only_after_the_address_is_verified(clerk_client, clerk, smtp):  # noqa: F811
    response = clerk_client.post(ME, {"step": "email", "email": "Li.Na@example.cn"})
    assert response.status_code == 302
    account = EmployerAccount.objects.get(user=clerk)
    assert account.user.email == "Li.Na@example.cn" and account.email_verified is False
    link = _verification_link(smtp)
    assert smtp.messages[0][0] == ["Li.Na@example.cn"] and "1 小时" in _body(smtp.messages[0][1])

    anonymous = Client()
    anonymous.post(RESET, {"email": "li.na@example.cn"})  # not verified yet: no reset mail
    _wait(smtp, 2)
    assert len(smtp.messages) == 1

    page = anonymous.get(link)  # the link works without signing in
    assert page.status_code == 200 and "已验证" in page.content.decode()
    account.refresh_from_db()
    assert account.email_verified is True
    assert anonymous.get(link).status_code == 400  # used up
    assert AuditEvent.objects.filter(action="account.email_verified", actor=clerk).exists()

    anonymous.post(RESET, {"email": "li.na@example.cn"})
    _wait(smtp, 2)
    assert len(smtp.messages) == 2 and "/accounts/reset/" in _body(smtp.messages[1][1])


def test_changing_the_address_unverifies_it_and_kills_the_old_link(clerk_client, clerk, smtp):  # noqa: F811
    clerk_client.post(ME, {"step": "email", "email": "first@example.cn"})
    old_link = _verification_link(smtp)
    clerk_client.post(ME, {"step": "email", "email": "second@example.cn"})
    _verification_link(smtp, 2)
    assert Client().get(old_link).status_code == 400
    assert EmployerAccount.objects.get(user=clerk).email_verified is False
    assert AuditEvent.objects.filter(action="account.email_change").count() == 2


def test_the_link_lasts_one_hour(clerk_client, clerk, smtp):  # noqa: F811
    clerk_client.post(ME, {"step": "email", "email": "late@example.cn"})
    link = _verification_link(smtp)
    later = PasswordResetTokenGenerator()._now() + timedelta(seconds=3601)
    with mock.patch.object(PasswordResetTokenGenerator, "_now", return_value=later):
        assert Client().get(link).status_code == 400
    assert EmployerAccount.objects.get(user=clerk).email_verified is False


def test_a_bad_address_is_a_chinese_error_beside_the_field(clerk_client):
    response = clerk_client.post(ME, {"step": "email", "email": "not-an-address"})
    html = response.content.decode()
    assert response.status_code == 200 and "请输入正确的电子邮箱地址" in html and "请修改以下" in html
    assert 'for="id_email"' in html


def test_sending_is_rate_limited(clerk_client, clerk, smtp, settings):  # noqa: F811
    clerk_client.post(ME, {"step": "email", "email": "often@example.cn"})
    _wait(smtp)
    for _ in range(mail.VERIFY_MAILS_PER_WINDOW + 2):
        clerk_client.post(ME, {"step": "send"})
    _wait(smtp, mail.VERIFY_MAILS_PER_WINDOW)
    assert len(smtp.messages) == mail.VERIFY_MAILS_PER_WINDOW
    page = clerk_client.get(ME)
    assert page.status_code == 200


def test_new_clerk_with_an_address_gets_the_verification_mail(employer, client, smtp):  # noqa: F811
    admin = factories.employer_user(employer, username="unit-admin")
    EmployerAccount.objects.filter(user=admin).update(is_admin=True)
    client.force_login(admin)
    response = client.post(
        "/employer/accounts/", {"username": "new-clerk", "contact_name": "周杰", "email": "zhou@example.cn"}
    )
    assert response.status_code == 200 and "验证邮件已发送至 zhou@example.cn" in response.content.decode()
    _wait(smtp)
    assert smtp.messages[0][0] == ["zhou@example.cn"]


def test_my_account_page_is_a_clerks_own_and_bounded(clerk_client, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        page = clerk_client.get(ME)
    assert page.status_code == 200 and "clerk-verify" in page.content.decode()


def test_staff_mail_a_reset_link_only_to_a_verified_address(client, employer, smtp, settings):  # noqa: F811
    from employers import services

    settings.ADMIN_REQUIRE_OTP = False
    verified = factories.employer_user(employer, username="has-mail", password="Old-pass-2026x")
    verified.email = "has@example.cn"
    verified.save(update_fields=["email"])
    EmployerAccount.objects.filter(user=verified).update(email_verified=True)
    unverified = factories.employer_user(employer, username="no-verified-mail", password="Old-pass-2026x")
    staff = factories.reviewer_user("110000")
    staff.groups.add(services.reviewer_group_ensure())
    client.force_login(staff)
    ids = list(EmployerAccount.objects.filter(user__in=[verified, unverified]).values_list("pk", flat=True))
    response = client.post(
        "/admin/employers/employeraccount/",
        {"action": "mail_password_link", "_selected_action": ids},
        follow=True,
    )
    said = " ".join(str(m) for m in response.context["messages"])
    assert "no-verified-mail：没有已验证的电子邮箱" in said and "已重置 1 个账号的密码" in said
    _wait(smtp)
    assert [rcpt for rcpt, _ in smtp.messages] == [["has@example.cn"]]
    link = re.search(r"http://testserver(/accounts/reset/\S+)", _body(smtp.messages[0][1])).group(1)
    verified.refresh_from_db()
    unverified.refresh_from_db()
    assert not verified.has_usable_password()  # the old password stopped working
    assert unverified.check_password("Old-pass-2026x")  # untouched
    page = Client().get(link, follow=True)
    assert page.context["validlink"]
    assert AuditEvent.objects.filter(action="account.password_link_mailed", actor=staff).count() == 1
