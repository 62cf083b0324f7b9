"""首页 (`/`): progress, figures, chart data, levy estimate, notices, reminders, isolation and the query bound.

Time is frozen on 2026-09-30 (tests/dashboard/conftest.py): the current filing year is 2025 and its default window
(2026-03-01 … 2026-10-31) closes in 31 days.
"""

import html
import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from core.models import AuditEvent, EmploymentRatio, FilingWindow, SocialAverageWage
from dashboard import selectors
from declarations.selectors import declaration_progress
from levy.models import StaffFigures
from placements.selectors import placement_totals
from relief.selectors import levy_estimate as relief_levy_estimate
from tests import factories
from tests.factories import dashboard as hf

pytestmark = pytest.mark.django_db

URL = reverse("dashboard:index")
YEAR = hf.YEAR


def page(client, **params) -> str:
    response = client.get(URL, params)
    assert response.status_code == 200
    return response.content.decode()


def text_of(content: str) -> str:
    """The page's visible text, tags removed and whitespace collapsed (for assertions on sentences)."""
    content = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", content, flags=re.S)
    content = re.sub(r"</?(a|span|time|strong)\b[^>]*>", "", content)  # inline: no space
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", content)))


def steps_of(content: str) -> list[tuple[str, str, bool]]:
    """(label, state text, aria-current) of each progress step, in order."""
    ol = re.search(r'<ol class="home-steps".*?</ol>', content, re.S).group(0)
    items = re.findall(r"<li ([^>]*)>(.*?)</li>", ol, re.S)
    out = []
    for attrs, body in items:
        label = re.search(r'home-step-label">([^<]+)<', body).group(1)
        state = re.search(r'home-step-state">([^<]+)<', body).group(1)
        out.append((label, state, 'aria-current="step"' in attrs))
    return out


# --- access ---------------------------------------------------------------------------------------------------------


def test_anonymous_goes_to_the_login_page(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_a_reviewer_without_a_unit_is_pointed_to_the_admin(client):
    client.force_login(factories.reviewer_user())
    content = page(client)
    assert "该账号未绑定用人单位" in content
    assert 'href="/admin/"' in content
    assert "业务进度" not in content


def test_login_redirects_to_the_home_page(client, employer_user):
    response = client.post(reverse("login"), {"username": employer_user.username, "password": "test-pass-2026"})
    assert response.status_code == 302 and response.url == URL


# --- 业务进度 --------------------------------------------------------------------------------------------------------


NO, ON, DONE = "未开始", "进行中", "已完成"


@pytest.mark.parametrize(
    ("status", "previous", "with_placement", "expected", "current", "status_label"),
    [
        (None, "", False, (NO, NO, NO), 0, "填报中"),
        (None, "", True, (ON, NO, NO), 0, "填报中"),
        ("filling", "", True, (ON, NO, NO), 0, "填报中"),
        ("declared", "", True, (DONE, DONE, ON), 2, "已完成申报"),
        ("sent", "", True, (DONE, DONE, DONE), None, "已发送税务"),
        ("withdrawing", "declared", True, (DONE, DONE, ON), 2, "撤回申请中"),
        ("withdrawing", "sent", True, (DONE, DONE, DONE), None, "撤回申请中"),
    ],
)
def test_progress_follows_the_declaration_state(
    employer_client, employer, status, previous, with_placement, expected, current, status_label
):
    if with_placement:
        hf.placement(employer)
    if status:
        hf.declaration(employer, status, previous=previous)
    content = page(employer_client)
    steps = steps_of(content)
    assert [label for label, _, _ in steps] == ["按比例安置登记", "完成申报", "发送税务部门"]
    assert tuple(state for _, state, _ in steps) == expected
    assert [i for i, (_, _, marked) in enumerate(steps) if marked] == ([] if current is None else [current])
    assert f'data-testid="declaration-status">{status_label}<' in content
    assert ("撤回申请审核中" in content) is (status == "withdrawing")
    # the page and declarations.selectors.declaration_progress agree
    reference = declaration_progress(employer, YEAR)
    assert tuple(step.state_label for step in reference.steps) == expected


def test_progress_is_per_year(employer_client, employer):
    hf.placement(employer, year=2024)
    hf.declaration(employer, "sent", year=2024)
    hf.placement(employer)
    assert [s for _, s, _ in steps_of(page(employer_client))] == [ON, NO, NO]
    assert [s for _, s, _ in steps_of(page(employer_client, year=2024))] == [DONE, DONE, DONE]


# --- the year picker ------------------------------------------------------------------------------------------------


def test_year_picker_offers_the_years_with_placements_and_the_filing_year(employer_client, employer):
    hf.placement(employer, year=2023)
    content = page(employer_client)
    options = re.findall(r'<option value="(\d+)"( selected)?>([^<]+)</option>', content)
    assert [(v, bool(s)) for v, s, _ in options] == [("2025", True), ("2023", False)]
    assert "2025年（当前申报年度）" in content
    # a year the picker does not offer, or garbage, shows the filing year
    for bad in ("2019", "abc", "99999999"):
        assert re.search(r'<option value="2025" selected>', page(employer_client, year=bad))
    assert re.search(r'<option value="2023" selected>', page(employer_client, year="2023"))


def test_the_filing_year_follows_the_provinces_window(employer_client, employer):
    FilingWindow.objects.create(
        province_code="11", business_year=2026, opens_on=date(2026, 9, 1), closes_on=date(2026, 12, 31)
    )
    content = page(employer_client)
    assert re.search(r'<option value="2026" selected>2026年（当前申报年度）', content)
    assert "2026年度申报期 2026-09-01 至 2026-12-31，距截止还有 92 天" in text_of(content)


# --- 业务详情 and the chart -------------------------------------------------------------------------------------------


def test_figures_match_placement_totals(employer_client, employer):
    hf.placement(employer, weight=2, months=range(1, 9))  # the seed: 8 months of a 二级 person → 16
    hf.placement(employer, weight=1, review="confirmed", months=range(3, 13))
    hf.placement(employer, weight=1, review="pending", months=range(1, 4), evidence_missing=True, completed=False)
    hf.placement(employer, weight=1, review="rejected", months=range(1, 3))
    totals = placement_totals(employer, YEAR)
    home = selectors.home_page(employer=employer, requested_year=None, today=date(2026, 9, 30), now=_now())
    f = home.figures
    assert (f.persons, f.registered, f.confirmed, f.approved, f.rejected) == (
        totals["persons"],
        totals["registered"],
        totals["confirmed"],
        totals["approved"],
        totals["rejected"],
    )
    assert (f.persons, f.confirmed, f.approved) == (4, 18, 26)
    content = page(employer_client)
    assert 'data-testid="persons">4<' in content
    assert 'data-testid="approved">26<' in content
    assert 'data-testid="ratio">1.50%<' in content
    # chart: March has the 二级 person (1 confirmed, 2 approved) and the confirmed 三级 one
    assert home.chart["months"][2] == "3月"
    assert (home.chart["confirmed"][2], home.chart["approved"][2]) == (2, 3)
    assert (home.chart["confirmed"][11], home.chart["approved"][11]) == (1, 1)


def test_chart_container_has_a_label_and_a_table_alternative(employer_client, employer):
    hf.placement(employer, weight=2, months=range(1, 7))
    content = page(employer_client)
    chart = re.search(r'<div id="home-chart"[^>]*>', content).group(0)
    assert 'role="img"' in chart and "aria-label=" in chart and "安置核定人数最多的是 1月（2 人）" in chart
    assert '<script id="home-chart-data" type="application/json">' in content
    table = re.search(r'<details class="mt-2" id="home-chart-table">.*?</details>', content, re.S).group(0)
    assert "<caption" in table and "2025年度每月安置确认人数与安置核定人数" in table
    assert '<th scope="row">1月</th><td>1</td><td>2</td>' in table
    assert '<th scope="row">7月</th><td>0</td><td>0</td>' in table
    assert "vendor/echarts/echarts.min.js" in content and "js/dashboard.js" in content


def test_headings_are_in_order(employer_client):
    content = page(employer_client)
    headings = re.findall(r"<h([1-6])[^>]*>([^<]+)</h\1>", content)
    assert headings[0] == ("1", "首页")
    assert [text for level, text in headings if level == "2"] == [
        "业务进度",
        "业务详情",
        "安置情况分析（单位：人）",
        "提醒事项",
        "残保金预估",
        "通知中心",
    ]


# --- the levy estimate ----------------------------------------------------------------------------------------------


def test_without_a_staff_count_the_page_asks_for_it_and_shows_the_rest(employer_client, employer):
    hf.placement(employer, weight=2)
    content = page(employer_client)
    figures = reverse("levy:staff_figures", args=[YEAR])
    assert f'href="{figures}">请填写职工人数</a>' in content  # 实际安排比例
    assert f'href="{figures}">填写 {YEAR} 年度职工人数和月平均工资</a>' in content  # 残保金预估
    assert 'data-testid="approved">24<' in content and 'data-testid="ratio">1.50%<' in content
    assert "levy-payable" not in content


def test_estimate_uses_the_latest_relief_figures_and_the_confirmed_months(employer_client, employer):
    EmploymentRatio.objects.create(province_code="11", year=YEAR, ratio_percent=Decimal("1.6"))
    SocialAverageWage.objects.create(province_code="11", year=YEAR, annual_amount=Decimal("120000.00"))
    hf.relief(employer, staff="50", wage="9000", year=2024)
    hf.relief(employer, staff="200", wage="8000", year=YEAR)  # the latest: used
    p = hf.placement(employer, weight=2)  # 24 核定 months = 2 persons
    hf.contract(p, monthly_salary=Decimal("5000.00"))
    hf.placement(employer, weight=1, months=range(1, 7))  # 6 more
    content = page(employer_client)
    expected = relief_levy_estimate(
        employer=employer, year=YEAR, staff_count=Decimal(200), avg_monthly_wage=Decimal(8000)
    )
    # 200 × 1.6 % = 3.2 persons required, 2.5 placed (30 / 12): ratio 1.25 % ≥ 1 % → 50 % tier
    assert expected.payable == Decimal("33600.00")
    assert f'data-testid="levy-payable">{expected.payable:,.2f} 元<' in content
    assert 'data-testid="actual-ratio">1.25%<' in content
    assert "实际安排比例 1.25%，达到 1%（含）但低于规定比例，按应缴额的 50% 缴纳" in text_of(content)
    assert "如未安置残疾人，应缴 " in text_of(content)
    assert "本单位 2025 年度缓减免申请填报的职工人数 200 人、月平均工资 8,000.00 元" in text_of(content)
    link = re.search(r'href="/levy/calculator/\?([^"]+)">在残保金计算器中查看计算过程', content).group(1)
    query = html.unescape(link)
    for part in ("staff=200", "wage=8000", "severe=12", "other=6", "year=2025", "ratio=1.6", "disabled_wage=5000.00"):
        assert part in query


def test_a_small_enterprise_is_exempt(employer_client, employer):
    hf.relief(employer, staff="25", wage="8000")
    text = text_of(page(employer_client))
    assert "预计缴纳残保金：0.00 元" in text
    assert "30 人（含）以下，免征" in text


def test_the_calculator_link_opens_with_the_same_payable(employer_client, employer):
    hf.relief(employer, staff="200", wage="8000")
    hf.placement(employer, weight=2)
    content = page(employer_client)
    link = html.unescape(re.search(r'href="(/levy/calculator/\?[^"]+)">在残保金计算器', content).group(1))
    payable = re.search(r'data-testid="levy-payable">([^<]+)<', content).group(1)
    calculator = employer_client.get(link).content.decode()
    assert f'data-testid="payable">{payable}<' in calculator


# --- notices --------------------------------------------------------------------------------------------------------


def test_latest_seven_notices_with_dates_and_unread_markers(employer_client, employer):
    for i in range(9):
        hf.notice(employer, title=f"通知{i}", minutes_ago=100 - i, read_by=employer if i % 2 else None)
    content = page(employer_client)
    section = re.search(r'<ul class="home-notices".*?</ul>', content, re.S).group(0)
    titles = re.findall(r"(?:</span>|>)(通知\d)</a>", section)
    assert titles == [f"通知{i}" for i in (8, 7, 6, 5, 4, 3, 2)]
    assert section.count("未读</span>") == 4  # 8, 6, 4, 2 are unread
    assert re.search(r'<span class="badge text-bg-danger me-1">未读</span>通知8</a>', section)
    assert re.search(r'fw-bold"><span class="badge text-bg-danger me-1">未读</span>通知8', section)
    assert re.search(r'class="badge text-bg-danger me-1">未读</span>通知7', section) is None
    assert section.count('<time datetime="2026-09-30T') == 7 and ">2026-09-30</time>" in section
    # the unread count covers all nine (5 unread), also in the navigation badge
    assert "未读 5 条" in content
    assert 'aria-label="未读 5 条">5</span>' in content


def test_no_notices(employer_client):
    assert "暂无通知公告" in page(employer_client)


# --- reminders ------------------------------------------------------------------------------------------------------


def test_reminders_for_certificates_retirement_and_evidence(employer_client, employer):
    # a registry certificate ending in the year, and one renewed (a later certificate exists): only the first
    ends = hf.person(employer, birth=date(1990, 1, 1), name="赵敏")
    hf.registry_cert(ends.id_number, valid_to=date(2025, 8, 31))
    renewed = hf.person(employer, birth=date(1990, 2, 2), name="钱勇")
    hf.registry_cert(renewed.id_number, valid_to=date(2025, 5, 31), grade=3)
    hf.registry_cert(renewed.id_number, valid_to=date(2035, 5, 31), cert_no=f"{renewed.id_number}43B1")
    # a hand-added certificate ending in the year (a rejected one does not count)
    hand = hf.person(employer, birth=date(1992, 3, 3), name="孙丽")
    hf.hand_cert(hand, valid_to=date(2025, 11, 30))
    rejected = hf.person(employer, birth=date(1992, 4, 4), name="李强")
    hf.hand_cert(rejected, valid_to=date(2025, 10, 31), review_state="rejected")
    # a man born 1965-03 reaches 60 years 1 month in 2025; one born 1964 retired already; a woman cadre 55
    hf.person(employer, birth=date(1965, 3, 10), name="周建国")
    hf.person(employer, birth=date(1964, 3, 10), name="吴志")
    hf.person(employer, birth=date(1970, 5, 1), male=False, baseline="cadre55", name="郑秀英")
    # months awaiting the employer's evidence
    hf.placement(employer, review="pending", months=range(1, 4), evidence_missing=True, name="冯涛")

    text = text_of(page(employer_client))
    assert "残疾证本年度到期：2 人" in text
    assert "赵敏（有效期至 2025-08-31）" in text and "孙丽（有效期至 2025-11-30）" in text
    assert "钱勇" not in text and "李强" not in text
    assert "本年度达到法定退休年龄：2 人" in text
    assert "郑秀英（2025-07-01 达到）" in text and "周建国（2025-04-10 达到）" in text
    assert "吴志" not in text
    assert "待补充证明材料：1 人，共 3 个月" in text and "冯涛（3 个月）" in text
    assert "2025年度申报期 2026-03-01 至 2026-10-31，距截止还有 31 天" in text
    assert "暂无残疾证到期" not in text


def test_retirement_reminder_is_for_the_year_shown(employer_client, employer):
    hf.person(employer, birth=date(1965, 3, 10), name="周建国")
    hf.person(employer, birth=date(1965, 3, 10), year=2024, name="周建国")
    assert "周建国" in text_of(page(employer_client))
    assert "周建国" not in text_of(page(employer_client, year=2024))


def test_without_reminders_the_page_says_so(employer_client, employer):
    hf.placement(employer)
    text = text_of(page(employer_client))
    assert "✓ 本年度暂无残疾证到期、达到退休年龄或待补充证明材料的人员" in text


def test_the_deadline_after_declaring(employer_client, employer):
    hf.placement(employer)
    hf.declaration(employer, "declared")
    assert "本年度已完成申报" in text_of(page(employer_client))


def test_long_reminder_lists_are_cut(employer_client, employer):
    for _ in range(12):
        hf.placement(employer, review="pending", months=[1], evidence_missing=True)
    text = text_of(page(employer_client))
    assert "待补充证明材料：12 人，共 12 个月" in text and "等共 12 人" in text


# --- isolation ------------------------------------------------------------------------------------------------------


def test_another_units_data_is_never_counted(employer_client, employer, other_employer):
    other_user = factories.employer_user(other_employer)
    hf.placement(other_employer, weight=2)
    other_person = hf.person(other_employer, birth=date(1965, 3, 10), name="外单位人员")
    hf.registry_cert(other_person.id_number, valid_to=date(2025, 6, 30))
    hf.placement(other_employer, review="pending", months=[1, 2], evidence_missing=True, name="外单位待补")
    hf.declaration(other_employer, "sent")
    hf.relief(other_employer, staff="100", wage="9000")
    hf.notice(other_employer, title="外单位的审核通知")
    hf.notice(None, title="上海市的公告", region=factories.region("310000", "上海市"))
    hf.notice(None, title="全国公告")

    content = page(employer_client)
    text = text_of(content)
    assert 'data-testid="persons">0<' in content and 'data-testid="approved">0<' in content
    assert [s for _, s, _ in steps_of(content)] == [NO, NO, NO]
    for foreign in ("外单位人员", "外单位待补", "外单位的审核通知", "上海市的公告"):
        assert foreign not in text
    assert "全国公告" in text and "未读 1 条" in text
    assert "levy-payable" not in content
    assert "✓ 本年度暂无" in text

    # and the other unit sees its own
    from django.test import Client

    other = Client()
    other.force_login(other_user)
    other_text = text_of(page(other))
    assert "外单位人员" in other_text and "外单位的审核通知" in other_text


# --- query bound ----------------------------------------------------------------------------------------------------


MAX_QUERIES = 12


@pytest.mark.parametrize("n", [1, 50])
def test_query_count_is_bounded(employer_client, employer, django_assert_max_num_queries, n):
    hf.relief(employer, staff="300", wage="8000")
    for i in range(n):
        p = hf.placement(
            employer, weight=2 if i % 2 else 1, review="pending" if i % 5 == 0 else "auto", evidence_missing=i % 5 == 0
        )
        hf.contract(p)
        hf.registry_cert(p.id_number, valid_to=date(2025, 9, 30))
        hf.person(employer, birth=date(1965, 1 + i % 12, 5), male=bool(i % 2))
    hf.placement(employer, year=2024)
    hf.declaration(employer, "sent", year=2024)
    for i in range(50):
        hf.notice(employer if i % 2 else None, title=f"通知{i}", read_by=employer if i % 3 else None)
    with django_assert_max_num_queries(MAX_QUERIES):
        content = page(employer_client)
    assert "levy-payable" in content and "残疾证本年度到期" in content and "未读" in content


def _now():
    from django.utils import timezone

    return timezone.now()


def test_the_unit_states_its_staff_figures_and_the_home_page_estimates_with_them(employer_client, employer):
    """Without a 缓减免申请 the unit can still get its estimate (§8, §9): the figures it states for the year come
    first; bad input is said beside the field; the page stays within its query bound."""
    EmploymentRatio.objects.create(province_code="11", year=YEAR, ratio_percent=Decimal("1.5"))
    hf.relief(employer, staff="300", wage="8000")  # an older source, overridden by what is stated for the year
    hf.placement(employer, weight=2)
    url = reverse("levy:staff_figures", args=[YEAR])
    bad = employer_client.post(url, {"staff_count": "-3", "avg_monthly_wage": "八千"})
    html = bad.content.decode()
    assert bad.status_code == 200 and "✗ 必须大于 0" in html and "✗ 请输入数字" in html
    assert 'aria-invalid="true"' in html and not StaffFigures.objects.exists()
    response = employer_client.post(url, {"staff_count": "1000", "avg_monthly_wage": "6500"})
    assert response.status_code == 302 and response["Location"].endswith(f"?year={YEAR}#levy-heading")
    content = page(employer_client)
    # (1000 × 1.5 % − 24 / 12) × 6500 × 12 = 13 × 78,000 = 1,014,000; actual ratio 0.2 % < 1 %: 90 % of it
    assert "按本单位填写的 2025 年度职工人数 1000 人、月平均工资 6,500.00 元" in content
    assert "职工人数 1000 人为本单位填写的 2025 年度数据" in content and "取自本单位" not in content
    assert 'data-testid="levy-payable">912,600.00 元<' in content and "如未安置残疾人，应缴 1,053,000.00 元" in content
    assert AuditEvent.objects.filter(action="levy.staff_figures_saved").count() == 1
    employer_client.post(url, {"staff_count": "1200", "avg_monthly_wage": "6500"})
    assert StaffFigures.objects.get().staff_count == Decimal("1200")
    event = AuditEvent.objects.filter(action="levy.staff_figures_saved").first()
    assert event.changes == {"staff_count": {"before": "1000.00", "after": "1200.00"}}


def test_another_year_or_a_year_out_of_range_is_refused(employer_client):
    assert employer_client.get(reverse("levy:staff_figures", args=[1989])).status_code == 404
    assert employer_client.get(reverse("levy:staff_figures", args=[2099])).status_code == 404


def test_staff_figures_are_each_units_own(client, employer, other_employer):
    """The page has no id in its address: each login reads and writes its own unit's figures only."""
    from levy.services import staff_figures_save

    staff_figures_save(
        employer=other_employer, year=YEAR, staff_count=Decimal("777"), avg_monthly_wage=Decimal("9999"), by=None
    )
    client.force_login(factories.employer_user(employer, username="own-clerk"))
    url = reverse("levy:staff_figures", args=[YEAR])
    html = client.get(url).content.decode()
    assert "777" not in html and "9999" not in html  # the other unit's figures are not shown
    client.post(url, {"staff_count": "10", "avg_monthly_wage": "5000"})
    assert StaffFigures.objects.get(employer=other_employer).staff_count == Decimal("777.00")  # untouched
    assert StaffFigures.objects.get(employer=employer).staff_count == Decimal("10.00")


def test_staff_figures_page_queries_are_bounded(employer_client, employer, django_assert_max_num_queries):
    url = reverse("levy:staff_figures", args=[YEAR])
    with django_assert_max_num_queries(5):  # session, user, unit, figures, the navigation's unread count
        assert employer_client.get(url).status_code == 200
    with django_assert_max_num_queries(9):  # + lock, save, audit, the success message
        assert employer_client.post(url, {"staff_count": "10", "avg_monthly_wage": "5000"}).status_code == 302
