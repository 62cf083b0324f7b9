"""The four-step wizard through its pages: lookup with and without JavaScript, bad input shown beside the field in
Chinese, the grid's accessible cells, the confirmation page, evidence, resuming, two tabs, double submissions."""

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent
from employers.declaration_states import DECLARED, State
from employers.services import declaration_state_record
from placements.grid.recompute import grid_recompute
from placements.models import Contract, Evidence, HandCertificate, Placement, PlacementMonth
from tests.factories import placements as pf
from tests.factories import placements as w

pytestmark = pytest.mark.django_db
NEW = reverse("placements:new") + "?year=2025"


def url(name, p, *args):
    return reverse(f"placements:{name}", args=[p.pk, *args])


def html_of(response) -> str:
    return response.content.decode()


def fresh(p: Placement) -> Placement:
    return Placement.objects.get(pk=p.pk)


# --- STEP.01: the person --------------------------------------------------------------------------


def test_new_page_shows_the_step_indicator_and_the_fields(employer_client):
    html = html_of(employer_client.get(NEW))
    assert '<span class="pl-step" aria-current="step"><span class="pl-step-code">STEP.01</span>' in html
    for label in (
        "身份证号",
        "姓名",
        "年龄",
        "户籍地",
        "户籍地址",
        "联系电话",
        "文化程度",
        "监护人姓名",
        "监护人电话",
        "是否高校毕业生",
    ):
        assert f"{label}" in html
    assert 'name="_lookup"' in html  # 查询 without JavaScript
    assert 'hx-post="/placements/new/?year=2025"' in html  # and on blur with it


def test_lookup_without_javascript_fills_the_form(employer_client):
    id_number = w.valid_id()
    w.registry_person(id_number, name="陈晓红", address="北京市东城区安定门1号", phone="13600001111")
    pf.registry_cert(id_number)
    html = html_of(employer_client.post(NEW, {"id_number": id_number, "_lookup": "1"}))
    assert 'value="陈晓红"' in html and 'value="北京市东城区安定门1号"' in html and 'value="13600001111"' in html
    assert '<option value="110101" selected>' in html
    assert '<option value="大学本科" selected>' in html  # the registry's 本科
    assert "已从残疾人基础库获取" in html and "残疾人证" in html
    assert 'class="alert alert-danger' not in html  # a lookup shows no "required" errors
    assert not Placement.objects.exists()


def test_lookup_with_htmx_returns_the_form_only(employer_client):
    id_number = w.valid_id()
    w.registry_person(id_number, name="陈晓红")
    response = employer_client.post(NEW, {"id_number": id_number, "_lookup": "1"}, HTTP_HX_REQUEST="true")
    html = html_of(response)
    assert html.lstrip().startswith('<form method="post" id="person-form"')
    assert 'value="陈晓红"' in html and "<html" not in html


def test_lookup_of_an_unknown_person_asks_for_manual_input(employer_client):
    html = html_of(employer_client.post(NEW, {"id_number": w.valid_id(), "_lookup": "1"}))
    assert "残疾人基础库中没有该身份证号的信息，请手动填写带 * 的内容" in html


def test_lookup_of_an_invalid_number_says_why(employer_client):
    good = w.valid_id()
    bad = good[:-1] + ("1" if good[-1] == "0" else "0")
    html = html_of(employer_client.post(NEW, {"id_number": bad, "_lookup": "1"}))
    assert "身份证号码校验位不正确" in html


def test_lookup_warns_early_about_working_age(employer_client):
    id_number = w.valid_id(date(1964, 12, 1))  # 60 in December 2024
    html = html_of(employer_client.post(NEW, {"id_number": id_number, "_lookup": "1"}))
    assert "已达到法定退休年龄" in html


def test_every_lookup_is_audited_with_the_number_and_the_account(employer_client, employer_user, employer):
    id_number = w.valid_id()
    w.registry_person(id_number, name="陈晓红")
    employer_client.post(NEW, {"id_number": id_number, "_lookup": "1"})
    event = AuditEvent.objects.get(action="registry.lookup")
    assert (event.actor, event.object_type, event.object_id) == (employer_user, "feeds.registryperson", id_number)
    assert event.changes == {"employer": employer.pk}
    assert id_number not in event.object_repr  # masked where it is listed


def test_lookups_of_too_many_different_numbers_are_refused(employer_client, settings):
    settings.REGISTRY_LOOKUP_LIMITS = [(600, 3), (86400, 10)]
    numbers = [w.valid_id() for _ in range(4)]
    for number in numbers:
        w.registry_person(number, name="陈晓红")
    for number in numbers[:3]:
        assert 'value="陈晓红"' in html_of(employer_client.post(NEW, {"id_number": number, "_lookup": "1"}))
    html = html_of(employer_client.post(NEW, {"id_number": numbers[3], "_lookup": "1"}))
    assert "查询过于频繁：每 10 分钟最多查询 3 个不同的身份证号" in html
    assert 'value="陈晓红"' not in html and 'aria-invalid="true"' in html  # nothing disclosed; said at the field
    assert AuditEvent.objects.filter(action="registry.lookup").count() == 3
    # a number already looked up may be looked up again (the clerk comes back to the form)
    assert 'value="陈晓红"' in html_of(employer_client.post(NEW, {"id_number": numbers[0], "_lookup": "1"}))


def test_saving_a_new_person_counts_against_the_lookup_limit(employer_client, employer, settings):
    """Step 1 and 2 show the registry's certificates and the feed facts of a saved person: saving without 查询
    must not be a way around the limit."""
    settings.REGISTRY_LOOKUP_LIMITS = [(600, 1)]
    first = w.valid_id()
    employer_client.post(NEW, {"id_number": first, "_lookup": "1"})
    response = employer_client.post(NEW, w.person_post(w.valid_id()))
    html = html_of(response)
    assert (
        response.status_code == 200 and "登记新人员也计入残疾人信息查询：每 10 分钟最多查询 1 个不同的身份证号" in html
    )
    assert not Placement.objects.filter(employer=employer).exists()
    assert employer_client.post(NEW, w.person_post(first)).status_code == 302  # the number already looked up
    assert Placement.objects.filter(employer=employer, id_number=first).exists()


def test_the_daily_limit_counts_older_lookups(employer_client, employer_user, settings):
    settings.REGISTRY_LOOKUP_LIMITS = [(600, 3), (86400, 4)]
    for number in [w.valid_id() for _ in range(4)]:
        AuditEvent.objects.create(
            actor=employer_user, action="registry.lookup", object_type="feeds.registryperson", object_id=number
        )
    AuditEvent.objects.filter(action="registry.lookup").update(at=timezone.now() - timedelta(hours=2))
    html = html_of(employer_client.post(NEW, {"id_number": w.valid_id(), "_lookup": "1"}))
    assert "查询过于频繁：每天最多查询 4 个不同的身份证号" in html


def test_create_then_step1(employer_client, employer):
    id_number = w.valid_id()
    w.registry_person(id_number)
    response = employer_client.post(NEW, w.person_post(id_number))
    p = Placement.objects.get()
    assert response.status_code == 302 and response["Location"] == url("step1", p)
    assert (p.employer, p.year, p.name, p.household_region_id) == (employer, 2025, "王晓明", "110101")
    html = html_of(employer_client.get(url("step1", p)))
    assert "合同管理" in html and "+ 添加合同" in html and "残疾证管理" in html
    assert 'name="_next"' in html and 'form="person-form"' in html  # 保存，下一步


def test_invalid_checksum_is_shown_beside_the_field(employer_client):
    good = w.valid_id()
    w.registry_person(good)
    bad = good[:-1] + ("1" if good[-1] == "0" else "0")
    response = employer_client.post(NEW, w.person_post(bad))
    assert response.status_code == 200
    assert "身份证号码校验位不正确" in html_of(response)
    assert 'aria-invalid="true"' in html_of(response)
    assert not Placement.objects.exists()


def test_a_person_under_16_all_year_is_refused(employer_client):
    id_number = w.valid_id(date(2011, 2, 1))
    w.registry_person(id_number)
    html = html_of(employer_client.post(NEW, w.person_post(id_number)))
    assert "未满16周岁" in html and "不能登记" in html
    assert not Placement.objects.exists()


def test_a_person_past_retirement_all_year_is_refused(employer_client):
    id_number = w.valid_id(date(1961, 5, 5))
    w.registry_person(id_number)
    html = html_of(employer_client.post(NEW, w.person_post(id_number)))
    assert "已达到法定退休年龄" in html
    assert not Placement.objects.exists()


def test_a_woman_needs_her_retirement_baseline(employer_client):
    id_number = w.valid_id(date(1980, 1, 1), male=False)
    w.registry_person(id_number)
    html = html_of(employer_client.post(NEW, w.person_post(id_number, retirement_baseline="")))
    assert "女性请选择退休年龄基准" in html
    assert not Placement.objects.exists()


def test_the_same_person_twice_in_a_year_is_refused_with_a_link(employer_client, employer):
    id_number = w.valid_id()
    w.registry_person(id_number)
    employer_client.post(NEW, w.person_post(id_number, token="a"))
    response = employer_client.post(NEW, w.person_post(id_number, token="b"))
    html = html_of(response)
    assert "已在2025年度安置名单中，不能重复添加" in html
    assert url("detail", Placement.objects.get()) in html
    assert Placement.objects.count() == 1


def test_double_submission_of_the_new_form_creates_one_placement(employer_client):
    id_number = w.valid_id()
    w.registry_person(id_number)
    first = employer_client.post(NEW, w.person_post(id_number, token="same"))
    second = employer_client.post(NEW, w.person_post(id_number, token="same"))
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Placement.objects.count() == 1


def test_two_tabs_the_later_save_is_refused(employer_client, employer):
    p = pf.placement(employer, id_number=w.valid_id(), wizard_step=1)
    w.registry_person(p.id_number)
    old_version = p.version
    tab_a = employer_client.post(url("step1", p), w.person_post(p.id_number, version=old_version, phone="13811112222"))
    assert tab_a.status_code == 302
    tab_b = employer_client.post(url("step1", p), w.person_post(p.id_number, version=old_version, phone="13833334444"))
    assert tab_b.status_code == 200
    assert "已被修改（可能在另一个页面）" in html_of(tab_b)
    assert fresh(p).phone == "13811112222"


def test_next_without_a_contract_is_refused(employer_client, employer):
    p = pf.placement(employer, id_number=w.valid_id(), wizard_step=1)
    w.registry_person(p.id_number)
    html = html_of(employer_client.post(url("step1", p), w.person_post(p.id_number, version=p.version, _next="1")))
    assert "请在“合同管理”中至少添加一份合同" in html
    assert fresh(p).wizard_step == 1


# --- contracts ------------------------------------------------------------------------------------


@pytest.fixture
def person(employer):
    p = pf.placement(employer, id_number=w.valid_id(), wizard_step=1)
    w.registry_person(p.id_number)
    return p


def test_add_two_contracts(employer_client, person):
    response = employer_client.post(
        url("contract_add", person),
        w.contract_post(person.version, contract_type="fixed_term", start="2024-01-01", end="2025-06-30"),
    )
    assert response.status_code == 302
    response = employer_client.post(
        url("contract_add", person), w.contract_post(fresh(person).version, start="2025-07-01")
    )
    assert response.status_code == 302
    assert Contract.objects.filter(placement=person).count() == 2
    html = html_of(employer_client.get(url("step1", person)))
    assert "固定期限" in html and "无固定期限" in html and "2024-01-01 至 2025-06-30" in html


def test_contract_page_lists_this_unit_and_related_units(employer_client, employer, person):
    pf.related_unit(employer, "parent_subsidiary", name="北京子公司")
    pf.related_unit(employer, "dispatch_firm", name="北京派遣公司")
    html = html_of(employer_client.get(url("contract_add", person)))
    assert f"本单位（{employer.name}）" in html
    assert "北京子公司（上下级）" in html and "北京派遣公司（劳务派遣单位）" in html


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"contract_type": "fixed_term", "start": "2025-06-01", "end": "2025-01-01"},
            "合同结束日期不能早于合同开始日期",
        ),
        ({"contract_type": "open_ended", "end": "2026-01-01"}, "无固定期限合同不填写合同结束日期"),
        ({"is_dispatched": "1", "contract_type": "dispatch", "end": "2026-12-31"}, "劳务派遣人员请选择劳务派遣单位"),
    ],
)
def test_contract_bad_input_is_shown_beside_the_field(employer_client, person, fields, message):
    response = employer_client.post(url("contract_add", person), w.contract_post(person.version, **fields))
    assert response.status_code == 200
    assert message in html_of(response)
    assert not Contract.objects.exists()


def test_parent_subsidiary_contract_paid_entirely_elsewhere_is_refused(employer_client, employer, person):
    parent = pf.related_unit(employer, "parent_subsidiary")
    data = w.contract_post(
        person.version,
        relation="parent_subsidiary",
        pension_unit=parent.pk,
        medical_unit=parent.pk,
        wage_unit=parent.pk,
    )
    html = html_of(employer_client.post(url("contract_add", person), data))
    assert "社保参保单位、医保参保单位、工资发放单位中至少有一个须为本单位" in html
    assert not Contract.objects.exists()


def test_contract_upload_of_the_wrong_type_is_refused(employer_client, person):
    fake = SimpleUploadedFile("合同.pdf", b"MZ\x90\x00 not a pdf at all", content_type="application/pdf")
    html = html_of(
        employer_client.post(url("contract_add", person), w.contract_post(person.version, contract_file=fake))
    )
    assert "文件格式不支持" in html
    assert not Contract.objects.exists()


def test_contract_edit_and_delete_pages(employer_client, person):
    employer_client.post(url("contract_add", person), w.contract_post(person.version))
    contract = Contract.objects.get()
    data = w.contract_post(fresh(person).version, job="质检员")
    data.pop("contract_file")
    assert employer_client.post(url("contract_edit", person, contract.pk), data).status_code == 302
    contract.refresh_from_db()
    assert contract.job == "质检员"
    assert "确定要删除" in html_of(employer_client.get(url("contract_delete", person, contract.pk)))
    employer_client.post(url("contract_delete", person, contract.pk), {"version": fresh(person).version})
    assert not Contract.objects.exists()


# --- hand-added certificates ----------------------------------------------------------------------


def cert_post(p, **fields):
    data = {
        "version": fresh(p).version,
        "cert_no": f"{p.id_number}42",
        "cert_type": "残疾人证",
        "valid_from": "2015-01-01",
        "valid_to": "2025-03-19",
        "grade": "2",
        "category": "4",
        "image": w.png_upload("残疾证.png"),
    }
    data.update(fields)
    return data


def test_hand_certificate_page(employer_client, person):
    response = employer_client.post(url("certificate_add", person), cert_post(person))
    assert response.status_code == 302
    cert = HandCertificate.objects.get()
    assert cert.review_state == "pending"
    html = html_of(employer_client.get(url("step1", person)))
    assert "手动补录" in html and "待审核" in html


def test_certificate_number_with_another_id_is_refused(employer_client, person):
    other = w.valid_id(date(1970, 1, 1))
    html = html_of(employer_client.post(url("certificate_add", person), cert_post(person, cert_no=f"{other}42")))
    assert "残疾证号中的身份证号与持证人身份证号不一致" in html
    assert not HandCertificate.objects.exists()


def test_hand_certificate_refused_when_the_registry_covers_the_year(employer_client, person):
    pf.registry_cert(person.id_number)
    html = html_of(employer_client.get(url("certificate_add", person)))
    assert "不需要补录" in html and 'name="cert_no"' not in html
    assert "+ 添加历史残疾证" not in html_of(employer_client.get(url("step1", person)))
    employer_client.post(url("certificate_add", person), cert_post(person))
    assert not HandCertificate.objects.exists()


def test_certificate_image_of_the_wrong_type_is_refused(employer_client, person):
    fake = SimpleUploadedFile("证件.png", b"GIF89a....", content_type="image/png")
    html = html_of(employer_client.post(url("certificate_add", person), cert_post(person, image=fake)))
    assert "文件格式不支持" in html
    assert not HandCertificate.objects.exists()


# --- STEP.02: the grid ----------------------------------------------------------------------------


@pytest.fixture
def at_step2(employer, minimum_wage):
    """A placement at step 2 whose March wage is missing and whose April wage is under the minimum."""
    p = pf.placement(employer, id_number=w.valid_id(), wizard_step=2)
    pf.contract(p)
    pf.registry_cert(p.id_number)
    wages = {m: "3000.00" for m in range(1, 13)}
    wages[3] = None
    wages[4] = "1000.00"
    pf.monthly_facts(p.id_number, employer.uscc, wage=wages)
    grid_recompute(placement=p)
    return fresh(p)


def test_grid_cells_have_accessible_names_and_reasons_on_focus(employer_client, at_step2):
    html = html_of(employer_client.get(url("step2", at_step2)))
    assert 'aria-label="2025年3月 工资信息 未通过：无工资发放记录"' in html
    assert 'aria-label="2025年4月 工资信息 未通过：工资低于最低工资标准"' in html
    assert 'aria-label="2025年1月 工资信息 通过"' in html
    # the ✗ is focusable and its reason is an element shown on hover and focus (not a title attribute)
    assert 'class="pl-cell pl-cell-fail" tabindex="0" role="img"' in html
    assert '<span class="pl-tip" aria-hidden="true">工资低于最低工资标准</span>' in html
    assert ".pl-cell:focus .pl-tip" in html
    assert "title=" not in html.split('id="month-grid"')[1].split("</table>")[0]


def test_auto_verified_months_are_locked_for_a_non_dispatched_person(employer_client, at_step2):
    html = html_of(employer_client.get(url("step2", at_step2)))
    assert 'id="m-202501" checked disabled' in html
    assert '<input type="hidden" name="months" value="202501">' in html
    assert 'name="months" value="202503" id="m-202503" aria-describedby="needs-202503">' in html  # ✗: not ticked


def test_dispatched_person_chooses_freely(employer_client, employer, at_step2):
    firm = pf.related_unit(employer, "dispatch_firm")
    Contract.objects.filter(placement=at_step2).update(is_dispatched=True, contract_type="dispatch", dispatch_unit=firm)
    grid_recompute(placement=at_step2)
    html = html_of(employer_client.get(url("step2", at_step2)))
    assert "disabled" not in html.split('id="m-202501"')[1].split(">")[0]
    assert 'name="months" value="202501" id="m-202501" checked>' in html  # ticked by default, may be unticked
    assert "该人员为劳务派遣人员" in html


def test_months_held_by_another_unit_cannot_be_ticked(employer_client, other_employer, at_step2):
    q = pf.placement(other_employer, id_number=at_step2.id_number)
    PlacementMonth.objects.create(
        placement=q, id_number=q.id_number, year=2025, month=202503, selected=True, review_state="pending", held=True
    )
    grid_recompute(placement=at_step2)
    html = html_of(employer_client.get(url("step2", at_step2)))
    assert "不可登记：已在其他单位登记" in html
    assert 'name="months" value="202503"' not in html
    response = employer_client.post(url("step2", at_step2), {"version": at_step2.version, "months": [202503]})
    assert "已在其他单位登记" in html_of(response)
    assert not PlacementMonth.objects.filter(placement=at_step2, selected=True).exists()


def test_saving_asks_for_confirmation_on_a_real_page(employer_client, at_step2):
    response = employer_client.post(url("step2", at_step2), {"version": at_step2.version, "months": [202503]})
    html = html_of(response)
    assert "该人员安置月数为 <strong>11</strong> 个月，是否确认并保存？" in html  # 10 locked + March
    assert 'name="_confirm"' in html and 'name="_cancel"' in html
    assert not PlacementMonth.objects.filter(placement=at_step2, selected=True).exists()  # nothing saved yet
    # 取消 goes back to the grid with the ticks kept
    back = html_of(
        employer_client.post(
            url("step2", at_step2), {"version": at_step2.version, "months": [202501, 202503], "_cancel": "1"}
        )
    )
    assert 'name="months" value="202503" id="m-202503" checked' in back


def test_confirmed_selection_with_a_failing_month_goes_to_step3(employer_client, at_step2):
    data = {"version": at_step2.version, "months": [202503], "_confirm": "1", "token": "grid-1"}
    response = employer_client.post(url("step2", at_step2), data)
    assert response.status_code == 302 and response["Location"] == url("step3", at_step2)
    assert PlacementMonth.objects.filter(placement=at_step2, selected=True).count() == 11
    # the same confirmation posted again (double click): no error, nothing more
    again = employer_client.post(url("step2", at_step2), data)
    assert again.status_code == 302 and again["Location"] == url("step3", at_step2)


def test_only_auto_verified_months_finish_at_once(employer_client, at_step2):
    response = employer_client.post(url("step2", at_step2), {"version": at_step2.version, "_confirm": "1"})
    assert response["Location"] == url("step4", at_step2)
    html = html_of(employer_client.get(url("step4", at_step2)))
    assert "已审核确认" in html and "审核通过（系统）" in html and "10 个月" in html


def test_age_failing_months_are_not_selectable(employer_client, employer, minimum_wage):
    p = pf.placement(employer, id_number=w.valid_id(date(1965, 3, 10)), wizard_step=2)  # retires April 2025
    pf.contract(p)
    pf.registry_cert(p.id_number)
    pf.monthly_facts(p.id_number, employer.uscc)
    grid_recompute(placement=p)
    html = html_of(employer_client.get(url("step2", p)))
    assert "不可登记：不在就业年龄段的月份不能登记" in html
    assert 'name="months" value="202506"' not in html


def test_grid_before_step_one_is_finished_sends_back(employer_client, person):
    response = employer_client.get(url("step2", person))
    assert response.status_code == 302 and response["Location"] == url("step1", person)


# --- STEP.03 / STEP.04 ----------------------------------------------------------------------------


@pytest.fixture
def at_step3(employer_client, at_step2):
    employer_client.post(
        url("step2", at_step2), {"version": at_step2.version, "months": [202503, 202504], "_confirm": "1"}
    )
    return fresh(at_step2)


def test_step3_lists_what_each_month_needs(employer_client, at_step3):
    html = html_of(employer_client.get(url("step3", at_step3)))
    assert "还有 2 个月缺少材料" in html
    assert html.count("缺少：工资证明") == 2
    # one kind needed: the form starts with it and with the months that still lack it
    assert '<option value="wage" selected>' in html
    assert 'value="202503"  id="id_months_0" checked' in html and 'value="202504"  id="id_months_1" checked' in html


def test_one_upload_covers_several_months_then_finish(employer_client, at_step3):
    data = {
        "version": at_step3.version,
        "kind": "wage",
        "months": [202503, 202504],
        "file": w.png_upload(),
        "token": "u1",
    }
    assert employer_client.post(url("step3", at_step3), data).status_code == 302
    data["file"] = w.png_upload()
    assert employer_client.post(url("step3", at_step3), data).status_code == 302  # the same form again
    assert Evidence.objects.filter(placement=at_step3).count() == 1
    assert Evidence.objects.get().months == [202503, 202504]
    html = html_of(employer_client.get(url("step3", at_step3)))
    assert "✓ 材料已齐全" in html
    response = employer_client.post(url("step3", at_step3), {"version": fresh(at_step3).version, "_finish": "1"})
    assert response["Location"] == url("step4", at_step3)
    html = html_of(employer_client.get(url("step4", at_step3)))
    assert "待审核" in html and "12 个月" in html


def test_losing_the_months_at_finish_says_so_and_refreshes_the_grid(employer_client, at_step3, other_employer):
    """Another unit finished registering the same person first: 完成登记 is refused beside the button with the
    months and what to do, nothing is held, and 信息校验 now shows those months as 已在其他单位登记."""
    from placements.grid.services import months_select, placement_submit

    data = {"version": at_step3.version, "kind": "wage", "months": [202503, 202504], "file": w.png_upload()}
    employer_client.post(url("step3", at_step3), data)
    rival = pf.complete_person(other_employer, id_number=at_step3.id_number)
    months_select(placement=rival, months=[], by=None)
    placement_submit(placement=rival, by=None)

    response = employer_client.post(url("step3", at_step3), {"version": fresh(at_step3).version, "_finish": "1"})
    html = html_of(response)
    assert response.status_code == 200 and "2025年1月、2025年2月、2025年3月" in html
    assert "2025年12月已在其他单位登记，请在“信息校验”中取消勾选这些月份后再保存" in html
    assert not PlacementMonth.objects.filter(placement=at_step3, held=True).exists()
    assert PlacementMonth.objects.get(placement=at_step3, month=202501).taken_elsewhere  # refreshed for step 2
    assert "不可登记：已在其他单位登记" in html_of(employer_client.get(url("step2", at_step3)))


def test_finish_with_missing_evidence_is_refused(employer_client, at_step3):
    response = employer_client.post(url("step3", at_step3), {"version": at_step3.version, "_finish": "1"})
    assert response.status_code == 200
    assert "以下月份尚缺证明材料：2025年3月、2025年4月" in html_of(response)
    assert not fresh(at_step3).wizard_completed


def test_evidence_of_the_wrong_type_is_refused(employer_client, at_step3):
    fake = SimpleUploadedFile("工资证明.jpg", b"%!PS-Adobe-3.0 not an image", content_type="image/jpeg")
    data = {"version": at_step3.version, "kind": "wage", "months": [202503], "file": fake}
    html = html_of(employer_client.post(url("step3", at_step3), data))
    assert "文件格式不支持" in html
    assert not Evidence.objects.exists()


def test_evidence_for_a_check_that_passes_is_refused(employer_client, at_step3):
    data = {"version": at_step3.version, "kind": "pension", "months": [202503], "file": w.png_upload()}
    html = html_of(employer_client.post(url("step3", at_step3), data))
    assert "选择一个有效的选项" in html or "社保参保状态已通过核验" in html
    assert not Evidence.objects.exists()


def test_withdraw_evidence_page(employer_client, at_step3):
    data = {"version": at_step3.version, "kind": "wage", "months": [202503], "file": w.png_upload()}
    employer_client.post(url("step3", at_step3), data)
    evidence = Evidence.objects.get()
    assert "确定要撤回" in html_of(employer_client.get(url("evidence_withdraw", at_step3, evidence.pk)))
    employer_client.post(url("evidence_withdraw", at_step3, evidence.pk), {"version": fresh(at_step3).version})
    evidence.refresh_from_db()
    assert evidence.withdrawn
    assert "已撤回" in html_of(employer_client.get(url("step3", at_step3)))


def test_the_wizard_resumes_where_it_was_left(employer_client, at_step3):
    html = html_of(employer_client.get(reverse("placements:index")))
    assert f'href="{url("step3", at_step3)}" aria-label="继续填写' in html
    assert employer_client.get(url("step4", at_step3))["Location"] == url("step3", at_step3)


# --- 查看, 重新登记, 删除, locked years -------------------------------------------------------------------


@pytest.fixture
def confirmed(employer_client, at_step2):
    employer_client.post(url("step2", at_step2), {"version": at_step2.version, "_confirm": "1"})
    return fresh(at_step2)


def test_detail_page_shows_everything(employer_client, confirmed):
    html = html_of(employer_client.get(url("detail", confirmed)))
    assert confirmed.id_number in html  # the person's own detail page shows the full number
    assert "合同管理" in html and "残疾证管理" in html and "信息校验" in html and "重新登记" in html


def test_a_confirmed_placement_is_reopened_by_reregister_only(employer_client, confirmed):
    response = employer_client.get(url("step1", confirmed))
    assert response.status_code == 302 and response["Location"] == url("detail", confirmed)
    assert "确定要重新登记" in html_of(employer_client.get(url("reregister", confirmed)))
    response = employer_client.post(url("reregister", confirmed), {"version": confirmed.version})
    assert response["Location"] == url("step1", confirmed)
    p = fresh(confirmed)
    assert (p.wizard_completed, p.wizard_step) == (False, 1)
    assert employer_client.get(url("step1", confirmed)).status_code == 200


def test_delete_asks_then_deletes(employer_client, confirmed):
    html = html_of(employer_client.get(url("delete", confirmed)))
    assert "确定要删除" in html and "已登记 10 个月" in html
    assert Placement.objects.filter(pk=confirmed.pk).exists()
    employer_client.post(url("delete", confirmed), {"version": confirmed.version})
    assert not Placement.objects.filter(pk=confirmed.pk).exists()


def declare(employer, year=2025):
    """The year declared, as declarations.services records it for this app (employers.DeclarationState)."""
    declaration_state_record(employer_id=employer.pk, year=year, state=State(DECLARED), declared_at=timezone.now())


@pytest.mark.parametrize("name", ["step1", "step2", "step3", "contract_add", "certificate_add", "reregister", "delete"])
def test_a_declared_year_refuses_the_write_pages(employer_client, employer, confirmed, name):
    declare(employer)
    response = employer_client.get(url(name, confirmed))
    assert response.status_code == 302
    response = employer_client.post(url(name, confirmed), {"version": confirmed.version}, follow=True)
    assert "已完成申报" in html_of(response)
    assert Placement.objects.filter(pk=confirmed.pk, wizard_completed=True).exists()


def test_a_declared_year_refuses_new_and_import(employer_client, employer):
    declare(employer)
    for target in (NEW, reverse("placements:import_last_year") + "?year=2025"):
        response = employer_client.get(target, follow=True)
        assert "已完成申报" in html_of(response)


# --- 导入上一年申报名单 ------------------------------------------------------------------------------------


def test_import_page_lists_last_years_persons_not_yet_in_this_year(employer_client, employer, minimum_wage):
    a = pf.placement(employer, year=2024, id_number=w.valid_id(), name="甲", wizard_completed=True)
    b = pf.placement(employer, year=2024, id_number=w.valid_id(), name="乙", wizard_completed=True)
    pf.contract(a, start=date(2020, 1, 1))
    pf.placement(employer, year=2025, id_number=b.id_number, name="乙")
    target = reverse("placements:import_last_year") + "?year=2025"
    html = html_of(employer_client.get(target))
    assert ">甲<" in html and ">乙<" not in html
    assert a.id_number not in html  # masked
    assert ">甲<" not in html_of(employer_client.get(target + "&q=不存在"))
    response = employer_client.post(target, {"persons": [a.pk]}, follow=True)
    assert "已导入 1 人" in html_of(response)
    new = Placement.objects.get(year=2025, id_number=a.id_number)
    assert new.contracts.count() == 1
    assert "继续填写" in html_of(response)


def test_import_without_a_choice_says_so(employer_client, employer):
    pf.placement(employer, year=2024, id_number=w.valid_id(), name="甲", wizard_completed=True)
    html = html_of(employer_client.post(reverse("placements:import_last_year") + "?year=2025", {}))
    assert "请至少选择一名需要导入的人员" in html


# --- bounded queries ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["step2", "detail", "step3", "step1"])
def test_wizard_pages_queries_do_not_grow(employer_client, employer, minimum_wage, django_assert_max_num_queries, name):
    def make(n_contracts):
        p = pf.placement(employer, id_number=w.valid_id(), wizard_step=3)
        for i in range(n_contracts):
            pf.contract(p, start=date(2010 + i, 1, 1))
        pf.registry_cert(p.id_number)
        pf.monthly_facts(p.id_number, employer.uscc, months=range(2, 13))
        grid_recompute(placement=p)
        return p

    one = make(1)
    bound = 10 if name == "step2" else 14
    with django_assert_max_num_queries(bound):
        assert employer_client.get(url(name, one)).status_code == 200
    many = make(50)
    for _ in range(49):
        pf.placement(employer, id_number=w.valid_id())
    with django_assert_max_num_queries(bound):
        assert employer_client.get(url(name, many)).status_code == 200
