"""A unit's accounts in a browser (issue 14): the unit's administrator adds a second clerk, who sets a password
through the one-time link and signs in; a clerk verifies an e-mail address and, having forgotten the password,
resets it by mail. The mail goes through a real SMTP server on loopback (aiosmtpd), which the test reads."""

import re

import pytest

from employers.models import EmployerAccount
from tests import factories
from tests.e2e.conftest import login
from tests.employers.test_password_reset import _body, _wait, smtp  # noqa: F401  (fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _set_password(page, password: str) -> None:
    page.get_by_label("新密码", exact=True).fill(password)
    page.get_by_label("再次输入新密码").fill(password)
    page.get_by_role("button", name="设置密码").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("heading", name="✓ 密码已设置").is_visible()


def test_the_unit_admin_adds_a_second_clerk_who_signs_in(browser_page, browser, live_server, screenshot):
    page = browser_page
    unit = factories.employer(name="北京市多经办人科技有限公司")
    admin = factories.employer_user(unit, username="unit-admin", password="admin-pass-2026")
    EmployerAccount.objects.filter(user=admin).update(is_admin=True)

    login(page, live_server, "unit-admin", "admin-pass-2026")
    page.goto(f"{live_server.url}/employer/")
    page.get_by_role("link", name="经办人账号管理").click()
    page.get_by_label("登录用户名").fill("second-clerk")
    page.get_by_label("经办人姓名").fill("刘洋")
    page.get_by_label("经办人电话").fill("13911112222")
    page.get_by_role("button", name="添加经办人").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("heading", name="✓ 经办人账号已添加").is_visible()
    link = page.locator("code").inner_text()
    assert re.match(rf"{re.escape(live_server.url)}/accounts/reset/", link)
    screenshot("accounts-clerk-added")

    second = browser.new_context(locale="zh-CN").new_page()
    second.goto(link)
    _set_password(second, "Qm7-harbour-2026")
    login(second, live_server, "second-clerk", "Qm7-harbour-2026")
    assert "/accounts/login/" not in second.url
    assert "北京市多经办人科技有限公司" in second.content()
    second.goto(f"{live_server.url}/employer/accounts/")
    assert "只有本单位的管理员账号" in second.content()  # a plain clerk does not manage clerks
    second.context.close()

    page.goto(f"{live_server.url}/employer/accounts/")
    row = page.get_by_role("row").filter(has_text="second-clerk")
    assert "刘洋" in row.inner_text() and "正常" in row.inner_text()


def test_a_clerk_verifies_the_address_then_resets_the_password_by_mail(
    browser_page,
    browser,
    live_server,
    smtp,  # noqa: F811
):
    page = browser_page
    factories.employer_user(username="forgetful", password="forgetful-pass-2026")
    login(page, live_server, "forgetful", "forgetful-pass-2026")

    # 我的账号: the address, then the link mailed to it
    page.goto(f"{live_server.url}/employer/accounts/me/")
    page.get_by_label("电子邮箱").fill("forgetful@example.cn")
    page.get_by_role("button", name="保存").click()
    page.wait_for_load_state("networkidle")
    assert "验证邮件已发送至 forgetful@example.cn" in page.content()
    _wait(smtp)
    verify = re.search(r"http://\S+/employer/email/verify/\S+", _body(smtp.messages[0][1])).group(0)
    page.goto(verify)
    assert "已验证" in page.content()

    # another day, the password forgotten
    other = browser.new_context(locale="zh-CN").new_page()
    other.goto(f"{live_server.url}/accounts/login/")
    other.get_by_role("link", name="忘记密码？").click()
    other.get_by_label("电子邮箱").fill("forgetful@example.cn")
    other.get_by_role("button", name="发送重置链接").click()
    other.wait_for_load_state("networkidle")
    assert other.get_by_role("heading", name="请查收邮件").is_visible()
    _wait(smtp, 2)
    rcpt, message = smtp.messages[1]
    assert rcpt == ["forgetful@example.cn"]
    reset = re.search(r"http://\S+/accounts/reset/\S+", _body(message)).group(0)
    other.goto(reset)
    _set_password(other, "Lantern-river-2027")
    login(other, live_server, "forgetful", "Lantern-river-2027")
    assert "/accounts/login/" not in other.url
    other.goto(reset)  # used up
    assert "该链接无效" in other.content()
    other.context.close()
