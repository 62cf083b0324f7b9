"""Browser journey: the 残保金计算器 with the seed example, the current rules, live updates and the steppers."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from core.models import EmploymentRatio, SocialAverageWage
from tests import factories
from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def clerk():
    employer = factories.employer(name="北京市示范科技有限公司", region_code="110105")
    factories.employer_user(employer, username="levyclerk", password="levy-pass-2026")
    # business year 2025 (the previous calendar year while no filing window is configured)
    for year in (2024, 2025, 2026):
        EmploymentRatio.objects.create(province_code="11", year=year, ratio_percent=Decimal("1.50"))
        SocialAverageWage.objects.create(province_code="11", year=year, annual_amount=Decimal("120000.00"))
    return employer


def test_seed_example_and_current_rules(browser_page, live_server, screenshot, clerk):
    page = browser_page
    login(page, live_server, "levyclerk", "levy-pass-2026")
    page.goto(f"{live_server.url}/levy/calculator/")
    expect(page.get_by_label("单位名称")).to_have_value("北京市示范科技有限公司")
    expect(page.get_by_label("当地社会平均工资")).to_have_value("120000.00")

    page.get_by_label("单位名称").fill("测试单位")
    page.get_by_label("残疾人安置比例").fill("1.5")
    page.get_by_label("单位员工人数").fill("1000")
    page.get_by_label("单位月平均工资").fill("65000")
    page.get_by_label("残疾员工月薪").fill("5536")
    page.get_by_role("button", name="计算").click()
    page.wait_for_load_state("networkidle")

    # the seed's formula and base, then the rules of the levy year: cap (2 × 120,000) and the 90 % tier
    expect(page.get_by_test_id("formula")).to_contain_text("11,700,000.00 元")
    steps = page.get_by_role("table", name="计算步骤")
    expect(steps.get_by_role("row", name="1. 基数")).to_contain_text("11,700,000.00")
    expect(steps.get_by_role("row", name="2. 工资上限")).to_contain_text("3,600,000.00")
    expect(steps.get_by_role("row", name="3. 分档减缴")).to_contain_text("90%")
    expect(page.get_by_test_id("payable")).to_have_text("3,240,000.00 元")
    expect(page.get_by_test_id("what-if")).to_contain_text("再安置3-4级残疾人 120 个人月")
    assert "staff=1000" in page.url  # the result is a link

    # with JavaScript: the + button and typing update the result without a page load
    page.get_by_role("button", name="3-4级安置人月数增加 1").click()
    expect(page.get_by_label("3-4级（含残疾军人证4-8级）安置人月数")).to_have_value("1")
    expect(page.locator('[data-levy-slot="cost-other"]')).to_have_text("5,536.00 元")
    page.get_by_label("3-4级（含残疾军人证4-8级）安置人月数").fill("120")
    expect(page.get_by_test_id("payable")).to_have_text("600,000.00 元")
    expect(page.get_by_test_id("savings")).to_have_text("7,135,680.00 元")

    # a bad value: the error shows beside the field, in Chinese, with ✗ (not colour alone)
    page.get_by_label("单位员工人数").fill("0")
    expect(page.locator("#id_staff_error")).to_contain_text("✗ 单位员工人数必须大于 0")
    page.get_by_label("单位员工人数").fill("1000")
    expect(page.get_by_test_id("payable")).to_have_text("600,000.00 元")
    page.get_by_label("3-4级（含残疾军人证4-8级）安置人月数").fill("0")
    expect(page.get_by_test_id("payable")).to_have_text("3,240,000.00 元")
    screenshot("calculator")


def test_anonymous_visitor_can_calculate_without_javascript(browser, live_server):
    context = browser.new_context(locale="zh-CN", java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/levy/calculator/")
        page.get_by_label("单位员工人数").fill("1000")
        page.get_by_label("单位月平均工资").fill("65000")
        page.get_by_label("残疾员工月薪").fill("5536")
        page.get_by_label("业务年度").select_option("2018")
        page.get_by_role("button", name="计算").click()
        expect(page.get_by_test_id("payable")).to_have_text("11,700,000.00 元")
        page.get_by_role("button", name="1-2级安置人月数增加 1").click()
        expect(page.get_by_label("1-2级（含残疾军人证1-3级）安置人月数")).to_have_value("1")
        expect(page.locator('[data-levy-slot="cost-severe"]')).to_have_text("5,536.00 元")
    finally:
        context.close()
