"""A keyboard-only clerk (issue 12): from the login page to 完成登记 of a new person with Tab, Shift+Tab, Enter,
Space and the arrow keys only — no mouse, no clicks, no `fill`. Text is typed key by key. Every focus stop is checked
for a visible focus indicator (`:focus-visible` with an outline of at least 2 px); the number of key presses is
printed and kept in test-artifacts/keyboard-journey.txt.

The only non-keyboard step is the operating system's file dialog, which a keyboard user also operates outside the
page: Space on the file input opens it, Playwright answers it with the file."""

from datetime import date

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from tests import factories
from tests.e2e.conftest import ARTIFACTS
from tests.factories import placements as pf

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

YEAR = pf.YEAR
MAX_TABS = 120


class Keyboard:
    """page.keyboard with a count of the keys pressed, and a check of the focus indicator at every stop."""

    def __init__(self, page):
        self.page = page
        self.presses = 0  # Tab, Shift+Tab, Enter, Space, arrows
        self.typed = 0  # characters typed into fields
        self.stops: list[str] = []

    def press(self, key: str) -> None:
        self.page.keyboard.press(key)
        self.presses += 1

    def follow(self, key: str = "Enter") -> None:
        """A key that opens the next page (a link, a submit button): press it and wait for the page."""
        with self.page.expect_navigation():
            self.press(key)
        self.page.wait_for_load_state("networkidle")

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)
        self.typed += len(text)

    def type_date(self, field, year: str, month: str, day: str) -> None:
        """Type a date into a focused <input type="date"> segment by segment: the browser's own order (mm/dd/yyyy
        in this Chromium whatever the page's language, yyyy/mm/dd in a Chinese one) is tried in turn."""
        for order in ((month, day, year), (year, month, day)):
            self.type("".join(order))
            if field.input_value() == f"{year}-{month}-{day}":
                return
            self.press("Shift+Tab")  # back to the first segment
            self.press("Shift+Tab")
        raise AssertionError(f"the date input did not take {year}-{month}-{day}: {field.input_value()}")

    def pick_file(self, path) -> None:
        """Open the focused file input's dialog from the keyboard and answer it with ``path``. Space, then Enter, then
        both again: now and then Chromium lets a key on a freshly focused file input pass without a chooser (seen on
        a loaded CI machine and, rarely, here), and 5 s a key leaves a slow chooser event its time."""
        for key in ("Space", "Enter", "Space", "Enter"):
            try:
                with self.page.expect_file_chooser(timeout=5_000) as chooser:
                    self.press(key)
            except PlaywrightTimeoutError:
                continue
            chooser.value.set_files(str(path))
            return
        raise AssertionError("the file dialog did not open from the keyboard")

    def focused(self, target) -> bool:
        return target.evaluate("el => el === document.activeElement")

    def assert_focus_visible(self) -> None:
        state = self.page.evaluate(
            """() => {
                const el = document.activeElement;
                if (!el || el === document.body) return {ok: true, what: "body"};
                // Inside a date input the browser highlights the focused year / month / day segment itself (the
                // input then does not match :focus); the ring is checked when the input is entered.
                if (el.type === "date" && !el.matches(":focus")) return {ok: true, what: "date segment"};
                const style = getComputedStyle(el);
                const label = (el.textContent || el.value || "").trim().slice(0, 20);
                const what = el.tagName + (el.id ? "#" + el.id : "") + " " + label;
                const ring = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
                return {
                    ok: el.matches(":focus-visible") && ring,
                    what, outline: style.outlineStyle + " " + style.outlineWidth,
                };
            }"""
        )
        self.stops.append(state["what"])
        assert state["ok"], f"focus not visible on {state['what']} (outline: {state.get('outline')})"

    def tab_to(self, target, *, backwards: bool = False) -> None:
        """Tab (or Shift+Tab) until ``target`` has the focus, checking the focus indicator at every stop."""
        for _ in range(MAX_TABS):
            self.press("Shift+Tab" if backwards else "Tab")
            self.assert_focus_visible()
            if self.focused(target):
                return
        raise AssertionError(f"{target} not reached in {MAX_TABS} Tab presses")

    def choose(self, select, label: str) -> None:
        """Arrow keys on a focused <select> until the option ``label`` is selected (Chromium changes the value of a
        closed select with ArrowDown / ArrowUp)."""
        for key in ("ArrowDown", "ArrowUp"):
            for _ in range(30):
                if select.evaluate("s => s.options[s.selectedIndex]?.text.trim()") == label:
                    return
                self.press(key)
        raise AssertionError(f"option {label} not found")


@pytest.fixture
def person():
    employer = factories.employer(name="北京市示范科技有限公司", region_code="110105")
    factories.employer_user(employer, username="keyboard", password="clerk-pass-2026")
    pf.min_wage("11", "2420.00")
    id_number = pf.valid_id(date(1990, 2, 3), male=True, region="110105")
    pf.registry_person(id_number, region_code="110105", name="周明", address="北京市朝阳区光华路9号")
    pf.registry_cert(id_number, grade=2)
    # every month paid and insured by the unit, except the March wage (→ ✗ 工资信息, evidence needed)
    pf.monthly_facts(id_number, employer.uscc, year=YEAR, wage={m: "5200.00" for m in range(1, 13) if m != 3})
    return id_number


def test_keyboard_only_from_login_to_registration_complete(browser_page, live_server, person, tmp_path):
    page = browser_page
    kb = Keyboard(page)
    evidence = tmp_path / "工资证明.png"
    evidence.write_bytes(pf.png_bytes())
    contract = tmp_path / "劳动合同.png"
    contract.write_bytes(pf.png_bytes())

    # --- 登录 ---
    page.goto(f"{live_server.url}/accounts/login/")
    kb.tab_to(page.get_by_label("用户名"))
    kb.type("keyboard")
    kb.tab_to(page.get_by_label("密码"))
    kb.type("clerk-pass-2026")
    kb.follow()
    expect(page.get_by_role("heading", name="首页")).to_be_visible()

    # --- 首页 → 残疾人安置管理 → + 添加残疾人 ---
    kb.tab_to(page.get_by_role("navigation", name="主导航").get_by_role("link", name="残疾人安置管理"))
    kb.follow()
    expect(page.get_by_role("heading", name="残疾人安置管理")).to_be_visible()
    kb.tab_to(page.get_by_role("link", name="+ 添加残疾人"))
    kb.follow()

    # --- STEP.01 安置登记: the ID number; leaving it fills what the registry knows and moves the focus on ---
    expect(page.locator('[aria-current="step"]')).to_contain_text("安置登记")
    kb.tab_to(page.get_by_label("身份证号"))
    kb.type(person)
    kb.press("Tab")
    expect(page.get_by_text("已从残疾人基础库获取")).to_be_visible()
    expect(page.get_by_label("户籍地址")).to_have_value("北京市朝阳区光华路9号")
    graduate = page.get_by_label("是否高校毕业生")
    if not kb.focused(graduate):
        kb.tab_to(graduate)
    kb.choose(graduate, "否")
    kb.tab_to(page.get_by_role("button", name="保存基本信息，继续填写合同"))
    kb.follow()
    expect(page.get_by_text("基本信息已保存")).to_be_visible()

    # --- 合同管理: one open-ended contract with its file ---
    kb.tab_to(page.get_by_role("link", name="+ 添加合同"))
    kb.follow()
    kb.tab_to(page.get_by_label("合同类型"))
    kb.choose(page.get_by_label("合同类型"), "无固定期限")
    start = page.get_by_label("合同开始日期")
    kb.tab_to(start)
    kb.type_date(start, "2020", "01", "01")
    kb.tab_to(page.get_by_label("岗位工种"))
    kb.type("装配工")
    kb.tab_to(page.get_by_label("合同月薪（元）"))
    kb.type("5200")
    kb.tab_to(page.get_by_label("合同附件"))
    kb.pick_file(contract)
    kb.tab_to(page.get_by_role("button", name="保存合同"))
    kb.follow()
    expect(page.get_by_text("合同已添加")).to_be_visible()
    kb.tab_to(page.get_by_role("button", name="保存，下一步"))
    kb.follow()

    # --- STEP.02 信息校验: the ✗ reason on focus; tick March; the confirmation takes the focus ---
    expect(page.locator('[aria-current="step"]')).to_contain_text("信息校验")
    march_wage = page.get_by_role("img", name="2025年3月 工资信息 未通过：无工资发放记录")
    kb.tab_to(march_wage)
    expect(march_wage.locator(".pl-tip")).to_be_visible()
    march = page.get_by_label("登记2025年3月")
    kb.tab_to(march, backwards=True)
    kb.press("Space")
    expect(march).to_be_checked()
    kb.tab_to(page.get_by_role("button", name="保存，下一步"))
    kb.follow()
    expect(page.get_by_role("alertdialog")).to_contain_text("该人员安置月数为 12 个月，是否确认并保存？")
    confirm = page.get_by_role("button", name="确定")
    assert kb.focused(confirm), "the confirmation (role=alertdialog) must take the focus"
    kb.assert_focus_visible()
    kb.follow()

    # --- STEP.03 上传附件: the wage proof for March, then 完成登记 ---
    expect(page.locator('[aria-current="step"]')).to_contain_text("上传附件")
    kind = page.get_by_label("材料类型")
    kb.tab_to(kind)
    kb.choose(kind, "工资证明")
    month = page.get_by_label("2025年3月")
    kb.tab_to(month)
    if not month.is_checked():  # the only month missing a proof comes ticked
        kb.press("Space")
    expect(month).to_be_checked()
    kb.tab_to(page.get_by_label("选择文件"))
    kb.pick_file(evidence)
    kb.tab_to(page.get_by_role("button", name="上传", exact=True))
    kb.follow()
    expect(page.get_by_text("✓ 材料已齐全")).to_be_visible()
    kb.tab_to(page.get_by_role("button", name="完成登记"))
    kb.follow()

    # --- STEP.04 完成登记 ---
    expect(page.locator('[aria-current="step"]')).to_contain_text("完成登记")
    expect(page.locator(".pl-summary")).to_contain_text("安置登记12 个月")

    summary = (
        f"keyboard-only journey, login → 完成登记: {kb.presses} key presses (Tab/Shift+Tab/Enter/Space/arrows) "
        f"+ {kb.typed} characters typed; {len(kb.stops)} focus stops, every one with a visible focus indicator"
    )
    print(summary)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "keyboard-journey.txt").write_text(summary + "\n" + "\n".join(kb.stops) + "\n", encoding="utf-8")
    assert kb.presses < 400
