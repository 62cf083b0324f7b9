"""The calculator page: works without JavaScript, linkable GET results, errors beside fields, employer pre-fill."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.urls import reverse

from core.models import EmploymentRatio
from tests import factories
from tests.factories.levy import add_months

pytestmark = pytest.mark.django_db

URL = reverse("levy:calculator")
SEED = {
    "name": "测试单位",
    "ratio": "1.5",
    "staff": "1000",
    "wage": "65000",
    "disabled_wage": "5536",
    "severe": "0",
    "other": "0",
    "kind": "企业",
    "social_wage": "",
    "year": "2018",
}


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def error_of(response, field: str) -> str:
    match = re.search(rf'id="id_{field}_error"[^>]*>(.*?)</div>', response.content.decode(), re.S)
    assert match is not None
    return match.group(1)


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel("2026-05-01 10:00 +0800", tick=False):
        yield


def test_anonymous_sees_the_empty_calculator(client):
    response = client.get(URL)
    assert response.status_code == 200
    body = text(response)
    assert "计算结果" in body and "请填写单位员工人数" in body
    assert 'aria-live="polite"' in body
    assert 'aria-label="1-2级安置人月数增加 1"' in body
    assert 'aria-label="3-4级安置人月数减少 1"' in body


def test_seed_example_without_javascript(client):
    response = client.get(URL, SEED)
    body = text(response)
    assert "(1000 × 1.5% − (0 × 2 + 0) ÷ 12) × 65000 × 12 = 11,700,000.00 元" in body
    assert 'data-testid="payable">11,700,000.00 元' in body  # business year 2018 → levy 2019: no tiers
    assert 'data-testid="savings">0.00 元' in body


def test_seed_example_under_the_current_rules_shows_each_step(client):
    response = client.get(URL, {**SEED, "year": "2025", "social_wage": "120000"})
    body = text(response)
    assert 'data-testid="payable">3,240,000.00 元' in body
    for label, amount in [
        ("基数", "11,700,000.00"),
        ("工资上限", "3,600,000.00"),
        ("分档减缴", "3,240,000.00"),
        ("小微企业免征", "3,240,000.00"),
    ]:
        assert re.search(rf"{label}[^<]*</th> <td class=\"amount\">{amount}</td>", body), label
    assert "2025 年度的残保金在 2026 年缴纳" in body
    assert "再安置3-4级残疾人 120 个人月" in body
    assert "财政部公告2023年第8号" in body


def test_placements_change_cost_and_savings(client):
    body = text(client.get(URL, {**SEED, "severe": "6", "other": "12"}))
    assert 'data-slot="cost-severe"' not in body  # slots are data-levy-slot
    assert 'data-levy-slot="cost-severe">33,216.00 元' in body
    assert 'data-levy-slot="cost-other">66,432.00 元' in body
    assert 'data-levy-slot="cost-total">99,648.00 元' in body
    assert 'data-testid="savings">1,427,136.00 元' in body


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("staff", "abc", "请输入数字"),
        ("staff", "0", "单位员工人数必须大于 0"),
        ("staff", "-3", "单位员工人数必须大于 0"),
        ("ratio", "101", "残疾人安置比例不能超过 100%"),
        ("ratio", "-1", "残疾人安置比例不能为负数"),
        ("wage", "-1", "单位月平均工资不能为负数"),
        ("wage", "六万", "请输入数字"),
        ("disabled_wage", "", "这个字段是必填项"),
        ("severe", "-1", "安置人月数不能为负数"),
        ("other", "1.5", "安置人月数必须是整数"),
        ("other", "x", "安置人月数必须是整数"),
        ("social_wage", "0", "社会平均工资必须大于 0"),
        ("staff", "1.234", "小数位数太多"),
        ("year", "1999", "选择一个有效的选项"),
        ("kind", "公司", "选择一个有效的选项"),
    ],
)
def test_bad_input_shows_a_chinese_error_beside_the_field(client, field, value, message):
    response = client.get(URL, {**SEED, field: value})
    assert response.status_code == 200
    assert message in error_of(response, field)
    body = text(response)
    assert re.search(rf'<[^>]*aria-invalid="true"[^>]*id="id_{field}"', body)
    assert "处输入需要更正" in body
    assert 'data-testid="payable"' not in body


def test_stepper_without_javascript_redirects_to_the_new_numbers(client):
    response = client.get(URL, {**SEED, "severe": "2", "step": "severe:+1"})
    assert response.status_code == 303
    query = parse_qs(urlsplit(response["Location"]).query)
    assert query["severe"] == ["3"] and "step" not in query and query["staff"] == ["1000"]
    response = client.get(URL, {**SEED, "other": "0", "step": "other:-1"})
    assert parse_qs(urlsplit(response["Location"]).query)["other"] == ["0"]
    response = client.get(URL, {**SEED, "other": "abc", "step": "other:+1"})
    assert parse_qs(urlsplit(response["Location"]).query)["other"] == ["1"]
    response = client.get(URL, {**SEED, "step": "staff:+1000"})  # not a stepper: ignored
    assert parse_qs(urlsplit(response["Location"]).query)["staff"] == ["1000"]


def test_a_partial_link_is_completed_with_the_defaults(client):
    body = text(client.get(URL, {"staff": "1000", "wage": "65000", "disabled_wage": "5536", "year": "2018"}))
    assert 'data-testid="payable">11,700,000.00 元' in body


@pytest.fixture
def beijing_employer(beijing_reference):
    emp = factories.employer(name="北京市示范科技有限公司", region_code="110105")
    return emp


def test_employer_gets_its_unit_data_filled_in(client, beijing_employer, django_assert_max_num_queries):
    add_months(beijing_employer, 2025, weight=2, months=[1, 2, 3])
    add_months(beijing_employer, 2025, weight=1, months=[1, 2, 3, 4])
    client.force_login(factories.employer_user(beijing_employer))
    with django_assert_max_num_queries(12):
        response = client.get(URL)
    body = text(response)
    assert 'value="北京市示范科技有限公司"' in body
    assert re.search(r'name="ratio" value="1.70"', body)
    assert re.search(r'name="social_wage" value="120000.00"', body)
    assert re.search(r'name="severe" value="3"', body)
    assert re.search(r'name="other" value="4"', body)
    assert '<option value="2025" selected>' in body
    assert "2025 年已确认的安置月数" in body
    # with staff and wage, the unit's numbers are used: 1.7 % of 1000 = 17 persons, 10 weighted months placed
    body = text(client.get(URL, {"staff": "1000", "wage": "65000", "disabled_wage": "5536"}))
    assert "(1000 × 1.7% − (3 × 2 + 4) ÷ 12) × 65000 × 12" in body


def test_employer_page_query_count_does_not_grow_with_placements(
    client, beijing_employer, django_assert_max_num_queries
):
    client.force_login(factories.employer_user(beijing_employer))
    for _ in range(50):
        add_months(beijing_employer, 2025, weight=1, months=[1, 2, 3, 4, 5, 6])
    with django_assert_max_num_queries(12):
        response = client.get(URL, {"staff": "1000", "wage": "65000", "disabled_wage": "5536"})
    assert re.search(r'name="other" value="300"', text(response))


def test_reviewer_login_gets_the_generic_calculator(client):
    client.force_login(factories.reviewer_user(region_code="110105"))
    response = client.get(URL)
    assert response.status_code == 200
    assert "已确认的安置月数" not in text(response)


def test_the_cap_step_names_its_multiple_source_and_period(client):
    # business year 2016 → levy year 2017: 18号's 2 × (from 2017-04-01), and what a levy paid before April got
    body = text(client.get(URL, {**SEED, "year": "2016", "social_wage": "100000"}))
    assert "超过当地社会平均工资的 2 倍（200,000.00 元）" in body
    assert "财税〔2017〕18号 第三条，2017-04-01 至 2019-12-31" in body
    assert "01-01 至 03-31 缴纳的以当地社会平均工资的 3 倍为上限" in body
    # business year 2015 → levy year 2016: the 3 × cap; 2014 is not offered
    body = text(client.get(URL, {**SEED, "year": "2015", "social_wage": "100000"}))
    assert "超过当地社会平均工资的 3 倍（300,000.00 元）" in body and "2015-10-01 至 2017-03-31" in body
    assert '<option value="2015" selected>' in body and '<option value="2014"' not in body


def test_the_ratio_source_is_shown_with_the_unit_data(client, beijing_employer):
    EmploymentRatio.objects.filter(province_code="11", year=2025).update(
        source="京财税〔2016〕639号第八条", effective_from="2016-01-01", confirmed=True
    )
    client.force_login(factories.employer_user(beijing_employer))
    body = text(client.get(URL))
    assert "安置比例：本省 2025 年规定比例，依据：京财税〔2016〕639号第八条（2016-01-01 施行）" in body
    assert "待核实" not in body


def test_an_unconfirmed_ratio_says_so_and_anyone_sees_where_the_default_comes_from(client, beijing_employer):
    EmploymentRatio.objects.filter(province_code="11", year=2025).update(source="北京市规定")
    assert "不低于 1.5%（《残疾人就业条例》第八条）" in text(client.get(URL))
    client.force_login(factories.employer_user(beijing_employer))
    assert "安置比例：本省 2025 年规定比例，依据：北京市规定；待核实" in text(client.get(URL))
