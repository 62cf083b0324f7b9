import pytest

from tests import factories
from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_clerk_logs_in_and_sees_navigation(browser_page, live_server, screenshot):
    factories.employer_user(
        factories.employer(name="北京市示范科技有限公司"), username="clerk", password="clerk-pass-2026"
    )
    login(browser_page, live_server, "clerk", "clerk-pass-2026")
    nav = browser_page.get_by_role("navigation", name="主导航")
    for label in [
        "首页",
        "残疾人安置管理",
        "单位信息维护管理",
        "缓减免申请",
        "残保金计算器",
        "通知公告",
        "系统操作手册",
    ]:
        assert nav.get_by_role("link", name=label).is_visible()
    assert nav.get_by_role("link", name="首页").get_attribute("aria-current") == "page"
    # keyboard: the skip link is the first tab stop and is visible when focused
    browser_page.keyboard.press("Tab")
    focused = browser_page.evaluate("document.activeElement.textContent")
    assert "跳到主要内容" in focused
    screenshot("login-home")


def test_wrong_password_shows_chinese_error(browser_page, live_server):
    factories.employer_user(username="clerk2", password="clerk-pass-2026")
    login(browser_page, live_server, "clerk2", "wrong-password")
    alert = browser_page.get_by_role("alert")
    assert "用户名" in alert.inner_text() or "密码" in alert.inner_text()


def test_only_the_current_page_is_marked(browser_page, live_server):
    factories.employer_user(username="clerk3", password="clerk-pass-2026")
    login(browser_page, live_server, "clerk3", "clerk-pass-2026")
    browser_page.goto(f"{live_server.url}/placements/")
    current = browser_page.locator('nav a[aria-current="page"]')
    assert current.count() == 1
    assert current.inner_text() == "残疾人安置管理"
