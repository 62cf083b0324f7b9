"""The review journey in a browser: a reviewer signs in to the admin with a password and a TOTP code, approves one
month and rejects another (with a reason), then the unit's clerk signs in and sees the notice and the new counts."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests import factories
from tests.e2e.conftest import admin_login, login
from tests.factories import placement_review as rf

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

REVIEWER = ("shenhe01", "review-pass-2026")
CLERK = ("jingban01", "clerk-pass-2026")


def test_reviewer_decides_and_the_unit_sees_it(browser_page, live_server, screenshot):
    page = browser_page
    employer = factories.employer(name="北京市示范科技有限公司")
    factories.employer_user(employer, username=CLERK[0], password=CLERK[1])
    person = rf.pending_placement(employer, name="王晓明")  # January–March await review (社保参保证明 uploaded)
    waiting_long = rf.pending_placement(employer, name="李娜", check="medical")
    rf.submitted_on(waiting_long, timezone.localdate() - timedelta(days=21))  # 15 working days or so: overdue
    reviewer = rf.reviewer("110000", username=REVIEWER[0], password=REVIEWER[1])
    device = TOTPDevice.objects.create(user=reviewer, name="审核后台动态验证码", confirmed=True)

    # --- the reviewer: password, then the second factor -------------------------------------------------------------
    admin_login(page, live_server, *REVIEWER, device)

    # --- the queue --------------------------------------------------------------------------------------------------
    page.goto(f"{live_server.url}/admin/placements/placement/")
    queue = page.locator("#result_list")
    row = queue.get_by_role("row").filter(has_text="王晓明")
    assert "3 个月（2025年1月–3月）" in row.inner_text()
    assert "社保参保状态" in row.inner_text()
    assert person.id_number not in row.inner_text()  # masked
    rows = queue.get_by_role("row").all_inner_texts()
    assert "李娜" in rows[1] and "已超期（" in rows[1]  # the oldest submission first, overdue said in words
    screenshot("review-queue")
    row.get_by_role("link", name="审核 王晓明").click()

    # --- the review page: approve January from its row ------------------------------------------------------------
    page.wait_for_url(re.compile(r"/review/$"))
    assert page.locator("#pending-months img").first.is_visible()  # the evidence image inline
    screenshot("review-page")
    page.get_by_role("button", name="2025年1月审核通过").click()
    page.wait_for_load_state("networkidle")
    assert "2025年1月：审核通过。已通知单位。" in page.locator(".messagelist").inner_text()

    # --- reject February without a reason: refused beside the field; then with a reason ---------------------------
    page.get_by_role("button", name="2025年2月审核不通过").click()
    page.wait_for_load_state("networkidle")
    assert "审核不通过时必须选择不通过原因" in page.get_by_role("alert").first.inner_text()
    page.get_by_label("不通过原因").first.select_option(label="材料不清晰")
    page.get_by_label("审核意见").first.fill("社保参保证明模糊，无法辨认缴费月份")
    page.get_by_role("button", name="2025年2月审核不通过").click()
    page.wait_for_load_state("networkidle")
    assert "2025年2月：审核不通过。已通知单位。" in page.locator(".messagelist").inner_text()
    grid = page.locator("#review-grid").inner_text()
    assert "材料不清晰：社保参保证明模糊" in grid
    screenshot("review-decided")

    # --- the unit's clerk: the notice and the counts -----------------------------------------------------------------
    page.context.clear_cookies()
    login(page, live_server, *CLERK)
    page.goto(f"{live_server.url}/notices/")
    title = '安置人员"王晓明"资料审核完成通知'
    notices = page.get_by_role("link", name=re.compile("安置人员.王晓明.资料审核完成通知"))
    assert notices.count() == 2  # one per decision
    screenshot("review-employer-notices")
    notices.first.click()
    page.wait_for_load_state("networkidle")
    body = page.locator("main").inner_text()
    assert title in body
    assert "2025年2月：材料不清晰：社保参保证明模糊，无法辨认缴费月份" in body
    screenshot("review-employer-notice")

    page.goto(f"{live_server.url}/placements/?year=2025")
    totals = page.locator("#year-totals").inner_text()
    # 王晓明: 9 months verified by the system + January; 李娜: 9 verified, 3 still waiting. 二级: weight 2.
    assert "本次累计安置确认 19 个月" in totals
    assert "累计安置核定 38 个月" in totals
    cells = page.get_by_role("row").filter(has_text="王晓明").get_by_role("cell").all_inner_texts()
    # (the first cell: the checkbox of 批量删除)
    assert cells[4:8] == ["12", "10", "20", "1"]  # 登记 / 确认 / 核定 / 不通过
    assert "待审核" in cells[8]  # March still waits
    screenshot("review-employer-list")
