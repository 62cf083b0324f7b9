"""Browser journey of the list's batch actions (issue 13): tick two persons, 删除 with one confirmation page; export
the list to .xlsx and read it back; open the print view (A4 landscape CSS) — screenshots in test-artifacts/."""

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from placements.listing.export import SHEET_GRID, SHEET_PERSONS, SHEET_TOTALS
from placements.models import Placement, PlacementMonth
from tests import factories
from tests.e2e.conftest import login
from tests.placements.listing.test_views_list import with_months

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]  # as tests/e2e/test_axe.py


def serious_axe_violations(page) -> list[str]:
    """axe-core's serious and critical violations of the page (evaluated through DevTools: the CSP refuses inline
    scripts)."""
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    found = page.evaluate(
        """async (tags) => (await axe.run(document, {runOnly: {type: "tag", values: tags}})).violations
            .filter(v => v.impact === "serious" || v.impact === "critical")
            .map(v => v.id + ": " + v.nodes.map(n => n.target.join(" ")).slice(0, 3).join(", "))""",
        TAGS,
    )
    return list(found)


@pytest.fixture
def unit():
    employer = factories.employer(name="北京市示范科技有限公司", region_code="110105")
    factories.employer_user(employer, username="listclerk", password="clerk-pass-2026")
    people = [
        with_months(employer, ["auto"] * 12, name="张伟"),
        with_months(employer, ["auto", "pending"], name="王芳"),
        with_months(employer, ["auto"] * 6, name="李娜"),
        with_months(employer, ["none"] * 12, completed=False, name="刘洋"),
    ]
    checks = {f"{c}_ok": True for c in ("wage", "pension", "medical", "cert", "age", "contract")}
    PlacementMonth.objects.update(**checks, verified=True, cert_type="残疾人证", cert_grade=2)
    # 张伟: the March wage below the minimum, reviewed and confirmed on evidence
    PlacementMonth.objects.filter(placement=people[0], month=202503).update(
        wage_ok=False,
        verified=False,
        reasons="wage_below_min",
        review_state="confirmed",
        decision_reason="工资证明已核",
    )
    return people


def test_select_two_delete_export_and_print(browser_page, live_server, screenshot, unit):
    page = browser_page
    login(page, live_server, "listclerk", "clerk-pass-2026")
    page.goto(f"{live_server.url}/placements/?year=2025")
    expect(page.get_by_role("heading", name="残疾人安置管理")).to_be_visible()
    assert serious_axe_violations(page) == []

    # select two rows by their labelled checkboxes, then 删除 above the list
    page.get_by_label("选择 王芳").check()
    page.get_by_label("选择 刘洋").check()
    expect(page.get_by_label("全选本页人员")).to_be_visible()  # shown by placements.js
    page.get_by_role("button", name="删除所选人员").click()
    expect(page.get_by_role("heading", name="批量删除安置人员")).to_be_visible()
    table = page.get_by_role("table", name="将要删除的人员（共 2 人）")
    expect(table).to_contain_text("王芳")
    expect(table).to_contain_text("刘洋")
    expect(table).not_to_contain_text("张伟")
    screenshot("list-batch-delete-confirm")
    assert serious_axe_violations(page) == []
    page.get_by_role("button", name="确定删除 2 人").click()
    expect(page.get_by_text("已删除 2 人的 2025 年度安置登记：王芳、刘洋。")).to_be_visible()
    assert sorted(Placement.objects.values_list("name", flat=True)) == ["张伟", "李娜"]

    # export and read the workbook back
    with page.expect_download() as info:
        page.get_by_role("link", name="导出 Excel").click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    book = load_workbook(io.BytesIO(download.path().read_bytes()), read_only=True)
    persons = [r for r in book[SHEET_PERSONS].iter_rows(values_only=True)][1:]
    assert [r[1] for r in persons] == ["张伟", "李娜"]
    assert all("*" in r[2] for r in persons)  # masked
    grid = list(book[SHEET_GRID].iter_rows(values_only=True))
    assert len(grid) == 1 + 12 + 6  # the months each grid has
    header, march = grid[0], grid[3]
    assert march[:3] == ("张伟", persons[0][2], "2025年3月")  # the person's number masked as on the first sheet
    assert march[3:9] == ("✗ 工资低于最低工资标准", *("✓",) * 5)  # ✓ / ✗ as text, with the reason
    assert march[header.index("登记 / 审核状态")] == "✓ 审核通过"
    assert march[header.index("审核意见")] == "工资证明已核"
    assert march[header.index("残疾证等级")] == "二级"
    assert grid[1][header.index("登记 / 审核状态")] == "✓ 系统核验通过"
    totals = {r[0]: r[1] for r in book[SHEET_TOTALS].iter_rows(values_only=True) if r[0]}
    expect(page.locator("#year-totals")).to_contain_text(f"本次累计安置确认 {totals['安置确认(月)']} 个月")

    # the print view: header with unit, year, print date; A4 landscape CSS
    page.get_by_role("link", name="打印").click()
    expect(page.get_by_role("heading", name="2025年度残疾人安置人员名单")).to_be_visible()
    expect(page.get_by_text("单位名称：北京市示范科技有限公司")).to_be_visible()
    expect(page.get_by_role("button", name="打印")).to_be_visible()
    assert serious_axe_violations(page) == []
    page.emulate_media(media="print")
    expect(page.get_by_role("button", name="打印")).to_be_hidden()
    screenshot("list-print-view")
    page.emulate_media(media="screen")

    # one person's grid: from the list to 查看, then 打印
    page.get_by_role("link", name="返回残疾人安置管理").click()
    page.get_by_role("link", name="查看 张伟").click()
    page.get_by_role("link", name="打印核验结果").click()
    expect(page.get_by_role("heading", name="2025年度残疾人安置月份核验结果")).to_be_visible()
    grid = page.get_by_role("table", name="张伟 2025年度各月核验结果（✓ 系统核验通过；✗ 未通过，原因写在 ✗ 下方）")
    expect(grid.get_by_role("row")).to_have_count(1 + 12)
    assert serious_axe_violations(page) == []
    page.emulate_media(media="print")
    screenshot("grid-print-view")


def test_full_id_export_form_says_what_is_missing_beside_the_field(browser_page, live_server, unit):
    page = browser_page
    login(page, live_server, "listclerk", "clerk-pass-2026")
    page.goto(f"{live_server.url}/placements/?year=2025")
    page.get_by_role("link", name="导出（含完整身份证号）").click()
    page.get_by_role("button", name="导出（含完整身份证号）").click()
    expect(page.get_by_text("请填写导出完整身份证号的事由。")).to_be_visible()
    expect(page.get_by_label("导出完整身份证号的事由")).to_have_attribute("aria-invalid", "true")
    assert serious_axe_violations(page) == []
    page.get_by_label("导出完整身份证号的事由").fill("报送税务部门核对名单")
    with page.expect_download() as info:
        page.get_by_role("button", name="导出（含完整身份证号）").click()
    book = load_workbook(io.BytesIO(info.value.path().read_bytes()), read_only=True)
    ids = {r[2] for r in list(book[SHEET_PERSONS].iter_rows(values_only=True))[1:]}
    assert ids == {p.id_number for p in unit}
