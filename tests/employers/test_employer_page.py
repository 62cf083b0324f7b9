"""/employer/: the unit's basic information form (domain.md §3), region pickers, optimistic locking, audit."""

import pytest
from django.utils import timezone

from core.models import AuditEvent
from employers import services
from employers.declaration_states import SENT, State
from employers.models import Employer
from tests import factories
from tests.factories import valid_id_number

pytestmark = pytest.mark.django_db

URL = "/employer/"


def form_data(employer: Employer, **changes) -> dict:
    data = {
        "name": employer.name,
        "uscc": employer.uscc,
        "tax_registration_no": "",
        "organization_code": "",
        "unit_kind": "企业",
        "economic_kind": "有限责任(公司)",
        "industry": "I",
        "federation_region_0": "110000",
        "federation_region_1": "110100",
        "federation_region_2": "110105",
        "tax_region_0": "110000",
        "tax_region_1": "110100",
        "tax_region_2": "110105",
        "registration_region_0": "110000",
        "registration_region_1": "110100",
        "registration_region_2": "110108",
        "legal_rep_name": "王建国",
        "legal_rep_id_type": "resident_id",
        "legal_rep_id_number": valid_id_number(),
        "legal_rep_phone": "13801012345",
        "phone": "010-65001234",
        "contact_name": "李娜",
        "contact_phone": "13901056789",
        "business_address": "北京市朝阳区建国路88号",
        "registered_address": "北京市朝阳区建国路88号",
        "version": str(employer.version),
    }
    data.update(changes)
    return data


def test_anonymous_is_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_reviewer_without_unit_is_refused(client, regions):
    client.force_login(factories.reviewer_user("110000"))
    assert client.get(URL).status_code == 403


def test_page_shows_every_field_with_required_marks_and_choices(employer_client, regions):
    html = employer_client.get(URL).content.decode()
    for label in [
        "单位名称",
        "统一社会信用代码",
        "税务登记证号",
        "组织机构代码",
        "单位性质",
        "经济性质",
        "行业类别",
        "残联主管部门",
        "税务主管部门",
        "单位所属行政区",
        "法人姓名",
        "法人证件类型",
        "法人身份证号",
        "法人电话",
        "单位电话",
        "经办人姓名",
        "经办人电话",
        "单位经营地址",
        "单位注册地址",
    ]:
        assert label in html, label
    # required marks on the starred fields, none on the optional ones
    assert html.count('<span class="asteriskField">*</span>') == 16 + 1  # 16 required fields + the legend above
    for choice in ["民办非企业单位", "有限责任(公司)", "港澳台投资", "A 农、林、牧、渔业", "T 国际组织", "护照"]:
        assert choice in html
    # the region pickers are three labelled selects, the current choice selected, abolished regions never offered
    assert 'aria-label="残联主管部门：省"' in html and 'aria-label="残联主管部门：区县"' in html
    assert '<option value="110101" selected>东城区</option>' in html
    assert "崇文区" not in html  # 110103, abolished in 2010
    assert "刷新下级选项" in html  # the no-JavaScript refresh button


def test_valid_save_updates_audits_and_bumps_version(employer_client, employer, regions):
    response = employer_client.post(
        URL, form_data(employer, contact_name="赵敏", legal_rep_id_number=valid_id_number(seq=7).lower())
    )
    assert response.status_code == 302 and response["Location"] == URL
    employer.refresh_from_db()
    assert employer.contact_name == "赵敏"
    assert employer.registration_region_id == "110108"
    assert employer.federation_region_id == "110105"
    assert employer.legal_rep_id_number == valid_id_number(seq=7).upper()
    assert employer.version == 1
    event = AuditEvent.objects.get(action="employer.update", object_id=str(employer.pk))
    assert event.changes["contact_name"] == {"before": "李娜", "after": "赵敏"}
    assert event.changes["federation_region"] == {"before": "110101", "after": "110105"}
    assert "name" not in event.changes
    assert employer_client.get(URL).content.decode().count("单位基本信息已保存") == 1


def test_lower_case_x_is_accepted_and_stored_upper_case(employer_client, employer, regions):
    employer_client.post(URL, form_data(employer, legal_rep_id_number="11010519491231002x"))
    employer.refresh_from_db()
    assert employer.legal_rep_id_number == "11010519491231002X"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("uscc", "91110105700000001F", "统一社会信用代码校验位不正确"),
        ("uscc", "9111010570000001E", "统一社会信用代码应为 18 位"),
        ("legal_rep_id_number", "110105194912310021", "身份证号码校验位不正确"),
        ("legal_rep_id_number", "E12345678", "身份证号码应为 18 位"),
        ("organization_code", "700000002", "组织机构代码校验码不正确"),
        ("contact_phone", "12345", "电话号码格式不正确"),
        ("name", "", "这个字段是必填项"),
        ("unit_kind", "公司", "选择一个有效的选项"),
    ],
)
def test_bad_input_shows_a_chinese_error_beside_the_field(employer_client, employer, regions, field, value, message):
    response = employer_client.post(URL, form_data(employer, **{field: value}))
    assert response.status_code == 200
    form = response.context["form"]
    assert any(message in e for e in form.errors[field]), form.errors
    html = response.content.decode()
    assert message in html and f"id_{field}" in html
    employer.refresh_from_db()
    assert employer.version == 0


def test_passport_accepted_when_another_document_type_is_chosen(employer_client, employer, regions):
    response = employer_client.post(
        URL, form_data(employer, legal_rep_id_type="passport", legal_rep_id_number="e12345678")
    )
    assert response.status_code == 302
    employer.refresh_from_db()
    assert (employer.legal_rep_id_type, employer.legal_rep_id_number) == ("passport", "E12345678")


def test_stale_second_tab_is_refused(employer_client, employer, regions):
    first = employer_client.post(URL, form_data(employer, contact_name="第一个标签页"))
    assert first.status_code == 302
    second = employer_client.post(URL, form_data(employer, contact_name="第二个标签页", version="0"))
    assert second.status_code == 200
    assert "已在其他页面或由其他人修改" in second.content.decode()
    employer.refresh_from_db()
    assert (employer.contact_name, employer.version) == ("第一个标签页", 1)


def test_uscc_taken_by_another_unit(employer_client, employer, other_employer, regions):
    response = employer_client.post(URL, form_data(employer, uscc=other_employer.uscc))
    assert "已被其他单位使用" in response.context["form"].errors["uscc"][0]


def sent_to_tax(employer, year=2025):
    """What the tax export records for the unit's declaration (declarations.exports)."""
    services.declaration_state_record(
        employer_id=employer.pk, year=year, state=State(SENT), sent_to_tax_at=timezone.now()
    )


def test_uscc_locked_once_sent_to_tax(employer_client, employer, other_employer, regions):
    sent_to_tax(other_employer)
    assert not services.uscc_is_locked(employer)
    sent_to_tax(employer)
    page = employer_client.get(URL).content.decode()
    assert "统一社会信用代码不能修改" in page
    assert 'name="uscc"' in page and "disabled" in page.split('name="uscc"')[1].split(">")[0]
    other_uscc = factories.make_uscc(999)
    response = employer_client.post(URL, form_data(employer, uscc=other_uscc, contact_name="新经办人"))
    assert response.status_code == 302
    employer.refresh_from_db()
    assert employer.uscc != other_uscc and employer.contact_name == "新经办人"


def test_service_refuses_uscc_change_when_locked(employer, employer_user):
    from core.errors import DomainError

    sent_to_tax(employer)
    with pytest.raises(DomainError, match="不能再修改"):
        services.employer_update(employer=employer, data={"uscc": factories.make_uscc(998)}, by=employer_user)


def test_uscc_lock_defaults_to_false_without_declarations(employer):
    assert services.uscc_is_locked(employer) is False


# --- region pickers --------------------------------------------------------------------------------------------------


def test_refresh_without_javascript_offers_the_new_provinces_cities(employer_client, employer, regions):
    data = form_data(employer, federation_region_0="440000", _refresh="1")  # city/county still Beijing's
    response = employer_client.post(URL, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert not response.context["form"].errors  # a refresh is not a save attempt
    city_select = html.split('id="id_federation_region_1"')[1].split("</select>")[0]
    assert "广州市" in city_select and "东莞市" in city_select and "市辖区" not in city_select
    province_select = html.split('id="id_federation_region_0"')[1].split("</select>")[0]
    assert '<option value="440000" selected>广东省</option>' in province_select
    employer.refresh_from_db()
    assert employer.federation_region_id == "110101" and employer.version == 0


def test_changed_parent_without_refresh_is_a_mismatch(employer_client, employer, regions):
    response = employer_client.post(URL, form_data(employer, federation_region_0="440000"))
    assert "所选省、市、区县不一致" in response.context["form"].errors["federation_region"][0]


def test_province_only_asks_for_the_next_level(employer_client, employer, regions):
    response = employer_client.post(URL, form_data(employer, tax_region_1="", tax_region_2=""))
    assert "请继续选择下一级（市）" in response.context["form"].errors["tax_region"][0]


def test_city_without_counties_is_a_valid_choice(employer_client, employer, regions):
    data = form_data(employer, registration_region_0="440000", registration_region_1="441900", registration_region_2="")
    assert employer_client.post(URL, data).status_code == 302
    employer.refresh_from_db()
    assert employer.registration_region_id == "441900"


def test_abolished_region_is_refused(employer_client, employer, regions):
    response = employer_client.post(URL, form_data(employer, tax_region_2="110103"))
    assert "已撤销" in response.context["form"].errors["tax_region"][0]


def test_htmx_region_options_list_current_children_only(employer_client, regions):
    response = employer_client.get(
        "/regions/options/",
        {"source": "x_1", "x_1": "110100", "level": "2"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert '<option value="110105">朝阳区</option>' in html
    assert "崇文区" not in html and "宣武区" not in html
    assert "请选择区县" in html
    response = employer_client.get(
        "/regions/options/", {"source": "x_0", "x_0": "440000", "level": "1", "clear": "id_x_2"}
    )
    html = response.content.decode()
    assert "广州市" in html and 'id="id_x_2" hx-swap-oob="innerHTML"' in html


def test_region_options_need_login(client, regions):
    assert client.get("/regions/options/", {"source": "a", "a": "110000"}).status_code == 302


def test_page_query_count_is_bounded(employer_client, employer, regions, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        assert employer_client.get(URL).status_code == 200


def test_county_level_placeholders_are_not_offered(employer_client, regions):
    html = employer_client.get("/regions/options/", {"source": "x_1", "x_1": "440100", "level": "2"}).content.decode()
    assert "越秀区" in html and ">市辖区<" not in html  # 440101 is a statistical placeholder


@pytest.mark.django_db(transaction=True)
def test_the_service_is_its_own_transaction(employer, employer_user):
    # No request or test transaction around it (as under the live server): the row lock needs the service's own
    # transaction — PostgreSQL refused select_for_update outside one, a 500 on saving 单位信息 (found by the 代办
    # browser test). Checked directly too, since SQLite ignores select_for_update.
    from django.db import connection

    assert not connection.in_atomic_block
    seen = []
    original = Employer.objects.select_for_update

    def spy(*args, **kwargs):
        seen.append(connection.in_atomic_block)
        return original(*args, **kwargs)

    Employer.objects.select_for_update = spy
    try:
        services.employer_update(employer=employer, data={"contact_name": "周敏"}, by=employer_user)
    finally:
        del Employer.objects.select_for_update
    assert seen == [True]
    employer.refresh_from_db()
    assert employer.contact_name == "周敏"
