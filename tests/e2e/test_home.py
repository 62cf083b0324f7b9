"""Browser journey: log in, land on 首页, read the progress, the chart (a canvas) and its table alternative."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from core.filing import current_filing_year
from core.models import EmploymentRatio, SocialAverageWage
from tests import factories
from tests.e2e.conftest import login
from tests.factories import dashboard as hf

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def unit():
    employer = factories.employer(name="北京市示范科技有限公司", region_code="110105")
    factories.employer_user(employer, username="homeclerk", password="home-pass-2026")
    year = current_filing_year("11", timezone.localdate())
    EmploymentRatio.objects.create(province_code="11", year=year, ratio_percent=Decimal("1.50"))
    SocialAverageWage.objects.create(province_code="11", year=year, annual_amount=Decimal("120000.00"))
    hf.relief(employer, staff="120", wage="9000", year=year)
    severe = hf.placement(employer, year=year, weight=2, name="王伟")
    hf.contract(severe, monthly_salary=Decimal("5200.00"))
    hf.placement(employer, year=year, weight=1, months=range(3, 13), name="李娜")
    hf.placement(employer, year=year, weight=1, review="pending", months=range(1, 4), evidence_missing=True)
    expiring = hf.person(employer, birth=date(1988, 5, 6), year=year, name="张敏")
    hf.registry_cert(expiring.id_number, valid_to=date(year, 8, 31))
    hf.person(employer, birth=date(year - 60, 3, 10), year=year, name="刘建国")
    hf.placement(employer, year=year - 1, name="赵强")
    hf.notice(employer, title='安置人员"王伟"资料审核完成通知', minutes_ago=5)
    hf.notice(None, title=f"关于开展{year}年度按比例就业年审工作的通知", minutes_ago=60, read_by=employer)
    return employer, year


def test_home_page_after_login(browser_page, live_server, screenshot, unit):
    _, year = unit
    page = browser_page
    login(page, live_server, "homeclerk", "home-pass-2026")
    assert page.url == f"{live_server.url}/"
    expect(page.get_by_role("heading", level=1, name="首页")).to_be_visible()

    # 业务进度: three steps, states as text, the current one marked
    steps = page.get_by_test_id("progress").locator("li")
    expect(steps).to_have_count(3)
    expect(steps.nth(0)).to_contain_text("按比例安置登记")
    expect(steps.nth(0)).to_contain_text("进行中")
    expect(steps.nth(1)).to_contain_text("未开始")
    expect(steps.nth(0)).to_have_attribute("aria-current", "step")

    # 业务详情
    expect(page.get_by_test_id("persons")).to_have_text("5")
    expect(page.get_by_test_id("approved")).to_have_text("34")  # 12 × 2 + 10
    expect(page.get_by_test_id("actual-ratio")).to_have_text("2.36%")  # 34 / 12 / 120 × 100

    # the chart is drawn (a canvas inside the labelled container, the fallback text gone)
    chart = page.get_by_role("img", name=f"{year}年度安置情况分析柱状图")
    expect(chart).to_be_visible()
    expect(chart.locator("canvas")).to_have_count(1)
    expect(chart).not_to_contain_text("需要启用 JavaScript")
    box = chart.locator("canvas").bounding_box()
    assert box["width"] > 300 and box["height"] > 200

    # the table alternative
    page.get_by_text("以表格查看安置情况分析数据").click()
    table = page.get_by_role("table", name=f"{year}年度每月安置确认人数与安置核定人数")
    expect(table).to_be_visible()

    def cells(month: str):
        row = table.locator("tr").filter(has=page.get_by_role("rowheader", name=month, exact=True))
        return row.get_by_role("cell")

    expect(cells("1月")).to_have_text(["1", "2"])  # 王伟 (二级): 1 confirmed, 2 approved
    expect(cells("3月")).to_have_text(["2", "3"])  # and 李娜 from March

    # reminders, levy estimate, notices
    reminders = page.get_by_test_id("reminders")
    expect(reminders).to_contain_text("张敏（有效期至")
    expect(reminders).to_contain_text("刘建国")
    expect(reminders).to_contain_text("待补充证明材料：1 人，共 3 个月")
    expect(page.get_by_test_id("levy-payable")).to_contain_text("元")
    notices = page.get_by_test_id("notices")
    expect(notices.locator("li")).to_have_count(2)
    expect(notices.locator("li").first).to_contain_text("未读")
    expect(notices.locator("li").nth(1)).not_to_contain_text("未读")

    screenshot("home")

    # the year changes on the explicit 切换 (not on every option: a keyboard user arrowing through would reload)
    page.get_by_label("业务年度").select_option(str(year - 1))
    page.get_by_role("button", name="切换").click()
    page.wait_for_url(f"**/?year={year - 1}")
    expect(page.get_by_test_id("persons")).to_have_text("1")
    expect(page.get_by_role("img", name=f"{year - 1}年度安置情况分析柱状图").locator("canvas")).to_have_count(1)
