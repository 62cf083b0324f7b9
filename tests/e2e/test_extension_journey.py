"""申报期延期 in a browser: the province's window has closed, a reviewer extends one unit's window in the admin
(finding the unit by typing its name), and the unit's clerk then completes 完成申报 from the placement list."""

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.models import FilingExtension
from declarations.models import Submission
from tests import factories
from tests.e2e.conftest import admin_login, login
from tests.factories import declarations as df
from tests.factories import placement_review as rf

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

REVIEWER = ("shenhe02", "review-pass-2026")
CLERK = ("jingban02", "clerk-pass-2026")


def closed_year(today: date) -> tuple[int, date]:
    """A business year whose default window (03-01 … 10-31 of the next year) has closed, and a closing day within
    the extension rules (after that close, from today, at most 366 days later) — whatever day the suite runs."""
    year = today.year - 1 if today > date(today.year, 10, 31) else today.year - 2
    closes = date(year + 1, 10, 31)
    return year, min(today + timedelta(days=10), closes + timedelta(days=366))


def test_reviewer_extends_the_window_and_the_unit_declares(browser_page, live_server, screenshot):
    page = browser_page
    year, until = closed_year(timezone.localdate())
    employer = factories.employer(name="北京延期测试有限公司")
    factories.employer_user(employer, username=CLERK[0], password=CLERK[1])
    df.placement(employer, year=year, name="赵六")  # twelve months confirmed by the system
    reviewer = rf.reviewer("110000", username=REVIEWER[0], password=REVIEWER[1])
    device = TOTPDevice.objects.create(user=reviewer, name="审核后台动态验证码", confirmed=True)

    # --- the clerk first: the window has closed ---------------------------------------------------------------------
    login(page, live_server, *CLERK)
    page.goto(f"{live_server.url}/placements/?year={year}")
    assert page.get_by_role("button", name="完成申报").is_disabled()
    assert "不在申报期内" in page.locator(".declaration-actions").inner_text()

    # --- the reviewer extends it -------------------------------------------------------------------------------------
    page.context.clear_cookies()
    admin_login(page, live_server, *REVIEWER, device)
    page.goto(f"{live_server.url}/admin/core/filingextension/add/")
    page.locator(".select2-selection").first.click()
    page.locator(".select2-search__field").fill("延期测试")
    page.get_by_role("option", name=re.compile("北京延期测试有限公司")).click()
    page.get_by_label("业务年度").fill(str(year))
    page.get_by_label("申报期延长至").fill(until.isoformat())
    page.get_by_label("延期原因").fill("单位搬迁，材料延误")
    page.get_by_role("button", name="保存", exact=True).click()
    page.wait_for_url(re.compile(r"/admin/core/filingextension/$"))
    assert "已延长 北京延期测试有限公司 的" in page.locator(".messagelist").inner_text()
    screenshot("extension-admin")
    assert FilingExtension.objects.get(employer=employer).closes_on == until

    # --- the clerk declares -------------------------------------------------------------------------------------------
    page.context.clear_cookies()
    login(page, live_server, *CLERK)
    page.goto(f"{live_server.url}/placements/?year={year}")
    actions = page.locator(".declaration-actions").inner_text()
    assert f"本单位申报期已延长至 {until.year}年{until.month}月{until.day}日" in actions
    screenshot("extension-list")
    page.get_by_role("link", name="完成申报").click()
    page.get_by_label("已阅读、确认").check()
    page.get_by_role("button", name="下一步").click()
    page.get_by_role("button", name="确定").click()
    page.wait_for_load_state("networkidle")
    assert Submission.objects.filter(declaration__employer=employer, declaration__year=year).count() == 1
    screenshot("extension-declared")
