"""Browser journey: a reviewer sets up TOTP on the first admin login and publishes a notice; the unit reads it."""

from base64 import b32decode

import pytest
from django_otp.oath import TOTP

from tests import factories
from tests.e2e.conftest import ARTIFACTS
from tests.factories import notices as nf

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def code_from_secret(secret_text: str) -> str:
    secret = secret_text.replace(" ", "").strip()
    key = b32decode(secret + "=" * (-len(secret) % 8))
    return f"{TOTP(key).token():06d}"


def test_reviewer_sets_up_totp_publishes_and_the_unit_reads(browser, live_server):
    ARTIFACTS.mkdir(exist_ok=True)
    nf.region("110105", "朝阳区")
    unit = factories.employer(name="北京市示范科技有限公司", region_code="110105")
    factories.employer_user(unit, username="clerk", password="clerk-pass-2026")
    nf.reviewer("110000", username="bj-reviewer")
    nf.to_unit(unit, '安置人员"王伟"资料审核完成通知')

    # --- the reviewer: password, then the first-login TOTP setup
    reviewer_context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    page = reviewer_context.new_page()
    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("用户名").fill("bj-reviewer")
    page.get_by_label("密码").fill("review-pass-2026")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/admin/otp/setup/**")
    assert page.locator("svg title", has_text="动态验证码绑定二维码").count() == 1
    page.screenshot(path=str(ARTIFACTS / "notices-otp-setup.png"), full_page=True)
    code = code_from_secret(page.locator("code.otp-secret").inner_text())
    page.get_by_label("6 位动态验证码").fill(f"{(int(code) + 1) % 1_000_000:06d}")
    page.get_by_role("button", name="完成绑定").click()
    assert "验证码不正确" in page.get_by_role("alert").first.inner_text()
    page.wait_for_timeout(1100)  # django-otp throttles for a second after a wrong code
    page.get_by_label("6 位动态验证码").fill(code_from_secret(page.locator("code.otp-secret").inner_text()))
    page.get_by_role("button", name="完成绑定").click()
    page.wait_for_url(f"{live_server.url}/admin/")

    # --- publish a Beijing notice with a script in the body
    page.goto(f"{live_server.url}/admin/notices/notice/add/")
    page.get_by_label("标题").fill("关于做好年审工作的通知")
    page.get_by_label("正文").fill("<h2>时间安排</h2><p>请按时申报。<script>alert(1)</script></p>")
    page.get_by_label("发布范围").select_option("110000")
    page.get_by_label("置顶").check()
    page.get_by_role("button", name="保存", exact=True).click()
    assert "成功" in page.locator(".messagelist").inner_text()
    reviewer_context.close()

    # --- the unit: two unread notices, open the published one
    unit_context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    clerk = unit_context.new_page()
    clerk.goto(f"{live_server.url}/accounts/login/?next=/notices/")
    clerk.get_by_label("用户名").fill("clerk")
    clerk.get_by_label("密码").fill("clerk-pass-2026")
    clerk.get_by_role("button", name="登录").click()
    clerk.wait_for_url(f"{live_server.url}/notices/")
    nav = clerk.get_by_role("navigation", name="主导航")
    assert nav.get_by_label("未读 2 条").is_visible()
    rows = clerk.locator("tbody tr")
    assert "置顶" in rows.nth(0).inner_text() and "未读" in rows.nth(0).inner_text()
    clerk.screenshot(path=str(ARTIFACTS / "notices-list.png"), full_page=True)
    clerk.get_by_role("link", name="关于做好年审工作的通知").click()
    assert clerk.get_by_role("heading", name="时间安排").is_visible()
    assert nav.get_by_label("未读 1 条").is_visible()
    clerk.screenshot(path=str(ARTIFACTS / "notices-detail.png"), full_page=True)

    # --- search and the page jump form work without JavaScript helpers
    clerk.goto(f"{live_server.url}/notices/")
    clerk.get_by_label("关键字").fill("王伟")
    clerk.get_by_role("button", name="搜索").click()
    assert clerk.locator("tbody tr").count() == 1
    clerk.get_by_label("前往").fill("1")
    clerk.get_by_role("button", name="跳转").click()
    assert "page=1" in clerk.url and "q=" in clerk.url
    assert clerk.locator("tbody tr").count() == 1
    clerk.goto(f"{clerk.url.replace('page=1', 'page=9')}")
    assert clerk.locator("tbody tr").count() == 1  # past the end: the last page
    unit_context.close()
