"""Browser journey of a new clerk through 残疾人安置管理: add a person by ID number (the registry knows them), two
contracts, tick a ✗ month, upload evidence, finish, and find the person in the list with the right counts.

Fields are found by their visible Chinese labels. Screenshots: test-artifacts/journey-*.png.
"""

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.e2e.conftest import ARTIFACTS, login
from tests.factories import placements as pf
from tests.factories import placements as w

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

YEAR = 2025  # the current filing year while no filing window is configured (the previous calendar year)


@pytest.fixture
def journey():
    employer = factories.employer(name="北京市示范科技有限公司", region_code="110105")
    factories.employer_user(employer, username="newclerk", password="clerk-pass-2026")
    pf.min_wage("11", "2420.00")
    id_number = w.valid_id(date(1988, 4, 9), male=True, region="110105")
    w.registry_person(id_number, region_code="110105", name="赵建国", address="北京市朝阳区建国路88号")
    pf.registry_cert(id_number, grade=2)
    # every month paid and insured by the unit, except the March wage (→ ✗ 工资信息)
    pf.monthly_facts(id_number, employer.uscc, year=YEAR, wage={m: "5200.00" for m in range(1, 13) if m != 3})
    return employer, id_number


def test_new_clerk_registers_a_person(browser_page, live_server, screenshot, journey, tmp_path):
    _, id_number = journey
    page = browser_page
    evidence = tmp_path / "工资证明.png"
    evidence.write_bytes(w.png_bytes())

    login(page, live_server, "newclerk", "clerk-pass-2026")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="残疾人安置管理").click()
    expect(page.get_by_role("heading", name="残疾人安置管理")).to_be_visible()
    expect(page.locator("#year-totals")).to_contain_text("本次累计安置确认 0 个月，累计安置核定 0 个月")
    screenshot("journey-1-empty-list")

    # STEP.01: the ID number first; leaving the field fills what the registry knows
    page.get_by_role("link", name="+ 添加残疾人").click()
    expect(page.locator('[aria-current="step"]')).to_contain_text("安置登记")
    page.get_by_label("身份证号").fill(id_number)
    page.get_by_label("身份证号").press("Tab")
    expect(page.get_by_label(re.compile(r"^\s*姓名"))).to_have_value("赵建国")
    expect(page.get_by_label("户籍地址")).to_have_value("北京市朝阳区建国路88号")
    expect(page.get_by_text("已从残疾人基础库获取")).to_be_visible()
    expect(page.get_by_role("table").first).to_contain_text("残疾人证")
    page.get_by_label("是否高校毕业生").select_option(label="否")
    screenshot("journey-2-person-filled")
    page.get_by_role("button", name="保存基本信息，继续填写合同").click()
    expect(page.get_by_text("基本信息已保存")).to_be_visible()

    # 合同管理: two contracts (a fixed term, then an open-ended one)
    contracts = [
        ("固定期限", "2024-01-01", "2025-06-30", "装配工", "5000"),
        ("无固定期限", "2025-07-01", "", "质检员", "5200"),
    ]
    for contract_type, start, end, job, salary in contracts:
        page.get_by_role("link", name="+ 添加合同").click()
        page.get_by_label("合同类型").select_option(label=contract_type)
        page.get_by_label("合同开始日期").fill(start)
        if end:
            page.get_by_label("合同结束日期").fill(end)
        page.get_by_label("岗位工种").fill(job)
        page.get_by_label("合同月薪（元）").fill(salary)
        page.get_by_label("合同附件").set_input_files(str(evidence))
        if contract_type == "无固定期限":
            screenshot("journey-3-contract-form")
        page.get_by_role("button", name="保存合同").click()
        expect(page.get_by_text("合同已添加")).to_be_visible()
    contracts_table = page.locator("#contracts table")
    expect(contracts_table.locator("tbody tr")).to_have_count(2)
    screenshot("journey-4-step1-contracts")
    page.get_by_role("button", name="保存，下一步").click()

    # STEP.02: the grid — March fails the wage check; its reason shows on focus; tick it
    expect(page.locator('[aria-current="step"]')).to_contain_text("信息校验")
    march_wage = page.get_by_role("img", name="2025年3月 工资信息 未通过：无工资发放记录")
    expect(march_wage).to_be_visible()
    march_wage.focus()
    expect(march_wage.locator(".pl-tip")).to_be_visible()
    expect(page.get_by_label("登记2025年1月")).to_be_disabled()  # auto-verified, not dispatched: locked
    expect(page.get_by_label("登记2025年1月")).to_be_checked()
    expect(page.get_by_label("登记2025年3月")).not_to_be_checked()
    screenshot("journey-5-grid")
    page.get_by_label("登记2025年3月").check()
    page.get_by_role("button", name="保存，下一步").click()
    expect(page.get_by_text("该人员安置月数为 12 个月，是否确认并保存？")).to_be_visible()
    screenshot("journey-6-confirm")
    page.get_by_role("button", name="确定").click()

    # STEP.03: what is missing, then one upload for March
    expect(page.locator('[aria-current="step"]')).to_contain_text("上传附件")
    expect(page.get_by_text("缺少：工资证明")).to_be_visible()
    page.get_by_label("材料类型").select_option(label="工资证明")
    page.get_by_label("2025年3月").check()
    page.get_by_label("选择文件").set_input_files(str(evidence))
    screenshot("journey-7-evidence")
    page.get_by_role("button", name="上传", exact=True).click()
    expect(page.get_by_text("证明材料已上传")).to_be_visible()
    expect(page.get_by_text("✓ 材料已齐全")).to_be_visible()
    page.get_by_role("button", name="完成登记").click()

    # STEP.04: the summary
    expect(page.locator('[aria-current="step"]')).to_contain_text("完成登记")
    expect(page.locator(".pl-summary")).to_contain_text("安置登记12 个月")
    expect(page.locator(".pl-summary")).to_contain_text("待审核1 个月")
    screenshot("journey-8-done")
    page.get_by_role("link", name="返回残疾人安置管理").click()

    # the list: the person with the right counts
    row = page.get_by_role("row", name="赵建国")
    expect(row).to_contain_text(id_number[:6] + "********" + id_number[-4:])
    cells = row.locator("td")  # the first: the checkbox of 批量删除
    expect(cells.nth(4)).to_have_text("12")  # 安置登记(月)
    expect(cells.nth(5)).to_have_text("11")  # 安置确认(月)
    expect(cells.nth(6)).to_have_text("22")  # 安置核定(月): 二级 → ×2
    expect(cells.nth(7)).to_have_text("0")  # 安置不通过(月)
    expect(cells.nth(8)).to_contain_text("待审核")
    expect(page.locator("#year-totals")).to_contain_text("本次累计安置确认 11 个月，累计安置核定 22 个月")
    expect(page.get_by_role("link", name="待审核 1 人")).to_be_visible()
    screenshot("journey-9-list")
    assert (ARTIFACTS / "journey-9-list.png").exists()


def test_import_last_year_and_filter_by_status(browser_page, live_server, screenshot, journey):
    employer, _ = journey
    names = ("钱大伟", "孙丽娟", "李志强")
    for name in names:
        last = pf.placement(employer, year=YEAR - 1, id_number=w.valid_id(), name=name, wizard_completed=True)
        pf.contract(last, start=date(2019, 1, 1))
    page = browser_page
    login(page, live_server, "newclerk", "clerk-pass-2026")
    page.goto(f"{live_server.url}/placements/?year={YEAR}")
    page.get_by_role("link", name="+ 导入上一年申报名单").click()
    expect(page.get_by_role("heading", name="导入上一年申报名单")).to_be_visible()
    page.get_by_label("身份证号码或姓名").fill("孙丽")
    page.get_by_role("button", name="搜索").click()
    expect(page.get_by_label("孙丽娟")).to_be_visible()
    expect(page.get_by_label("钱大伟")).to_have_count(0)
    page.get_by_label("身份证号码或姓名").fill("")
    page.get_by_role("button", name="搜索").click()
    page.get_by_label("钱大伟").check()
    page.get_by_label("孙丽娟").check()
    screenshot("journey-10-import")
    page.get_by_role("button", name="+ 导入").click()
    expect(page.get_by_text("已导入 2 人")).to_be_visible()
    expect(page.get_by_role("link", name="资料待完善 2 人")).to_be_visible()
    page.get_by_role("link", name="资料待完善 2 人").click()
    expect(page.get_by_role("row", name="钱大伟")).to_contain_text("资料待完善")
    expect(page.get_by_role("row", name="李志强")).to_have_count(0)
    screenshot("journey-11-imported-filter")
    # 继续填写 resumes at the grid (the contract was copied)
    page.get_by_role("link", name="继续填写 钱大伟").click()
    expect(page.locator('[aria-current="step"]')).to_contain_text("信息校验")
    screenshot("journey-12-imported-grid")
