"""The employer's declaration pages: the two-step 完成申报, refusals, downloads, withdrawal, cross-unit 404s,
the public verification page and query-count bounds."""

import pytest
from django.urls import reverse

from declarations import services
from declarations.models import Declaration, Submission, Withdrawal
from placements.models import Placement
from tests.factories import declarations as df

pytestmark = pytest.mark.django_db
YEAR = df.YEAR


def url(name: str, year: int = YEAR) -> str:
    return reverse(f"declarations:{name}", kwargs={"year": year})


def start_declaring(client) -> str:
    """Step 1 with the checkbox ticked; returns the form token."""
    page = client.get(url("declare"))
    assert page.status_code == 200
    token = page.context["form"].initial["token"]
    response = client.post(url("declare"), {"token": token, "acknowledged": "on"})
    assert response.status_code == 302 and response["Location"] == url("declare_confirm")
    return token


def test_declare_in_two_steps_shows_the_commitment_then_a_final_confirmation(employer, employer_client, traveller):
    df.placement(employer, months=range(1, 9), weight=2, name="王芳")
    page = employer_client.get(url("declare"))
    html = page.content.decode()
    for text in ("申报资料真实性承诺书", employer.name, "王芳", "1—8月", "已阅读、确认", "残疾人参保缴费信息"):
        assert text in html, text
    # without the checkbox: a Chinese error beside the field, nothing declared
    response = employer_client.post(url("declare"), {"token": page.context["form"].initial["token"]})
    assert "请阅读承诺书并勾选「已阅读、确认」" in response.content.decode()
    token = start_declaring(employer_client)
    confirm = employer_client.get(url("declare_confirm"))
    assert "确定" in confirm.content.decode() and "16" in confirm.content.decode()
    assert not Submission.objects.exists()  # only the final 确定 declares
    done = employer_client.post(url("declare_confirm"), {"token": token}, follow=True)
    assert done.redirect_chain[-1][0] == url("year")
    assert "已完成申报" in done.content.decode()
    assert Declaration.objects.get().status == "declared"


def test_double_submission_creates_one_declaration(employer, employer_client, traveller):
    df.placement(employer)
    token = start_declaring(employer_client)
    first = employer_client.post(url("declare_confirm"), {"token": token})
    second = employer_client.post(url("declare_confirm"), {"token": token})
    assert first.status_code == second.status_code == 302
    assert second["Location"] == url("year")
    assert Submission.objects.count() == 1


def test_confirm_page_needs_the_acknowledgement_first(employer, employer_client, traveller):
    df.placement(employer)
    response = employer_client.get(url("declare_confirm"))
    assert response.status_code == 302 and response["Location"] == url("declare")
    response = employer_client.post(url("declare_confirm"), {"token": "forged"})
    assert response["Location"] == url("declare")
    assert not Submission.objects.exists()


def test_refusal_lists_the_blocking_persons(employer, employer_client, traveller):
    df.placement(employer)
    blocker = df.placement(employer, review="pending", name="赵敏")
    html = employer_client.get(url("declare")).content.decode()
    assert "暂不能完成申报" in html and "赵敏" in html and "待审核" in html
    assert blocker.id_number not in html and blocker.id_number[-4:] in html
    assert "已阅读、确认" not in html


def test_refusal_without_placements_and_outside_the_window(employer, employer_client, traveller):
    assert "还没有安置登记人员" in employer_client.get(url("declare")).content.decode()
    df.placement(employer)
    traveller.move_to(df.at(2026, 11, 5, 9, 0))
    html = employer_client.get(url("declare")).content.decode()
    assert "2026年03月01日 至 2026年10月31日" in html and "不在申报期内" in html


def test_a_window_that_closes_between_the_steps_refuses_the_final_step(employer, employer_client, traveller):
    df.placement(employer)
    traveller.move_to(df.at(2026, 10, 31, 23, 50))
    employer_client.force_login(employer.accounts.get().user)  # a fresh session (they last 8 hours)
    token = start_declaring(employer_client)
    traveller.move_to(df.at(2026, 11, 1, 0, 5))
    response = employer_client.post(url("declare_confirm"), {"token": token}, follow=True)
    assert "不在申报期内" in response.content.decode()
    assert not Submission.objects.exists()


@pytest.fixture
def declared(employer, employer_user, traveller):
    df.placement(employer, weight=2, name="王芳")
    return services.declaration_declare(employer=employer, year=YEAR, by=employer_user)


def test_year_page_and_actions_after_declaring(employer, employer_client, declared, traveller):
    html = employer_client.get(url("year")).content.decode()
    assert "下载承诺书" in html and "年审申报撤回" in html
    assert "2026年10月10日起可下载" in html  # the certificate is not yet available
    assert declared.certificate_no in html and "王芳" in html
    assert f'href="{url("declare")}"' not in html  # no 完成申报 any more
    traveller.move_to(df.at(2026, 10, 10, 9, 0))
    html = employer_client.get(url("year")).content.decode()
    assert f'href="{url("certificate")}"' in html


def test_downloads(employer, employer_client, declared, traveller):
    response = employer_client.get(url("commitment"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    early = employer_client.get(url("certificate"))
    assert early.status_code == 200 and early["Content-Type"].startswith("text/html")
    assert "2026年10月10日" in early.content.decode()
    traveller.move_to(df.at(2026, 10, 10, 9, 0))
    first = employer_client.get(url("certificate"))
    assert first.status_code == 200 and first.content.startswith(b"%PDF")
    again = employer_client.get(url("certificate"))
    assert again.content == first.content  # the stored file
    assert employer_client.post(url("certificate")).status_code == 405


def test_withdrawal_form(employer, employer_client, declared):
    page = employer_client.get(url("withdraw"))
    assert "申报撤回理由" in page.content.decode()
    empty = employer_client.post(url("withdraw"), {"reason": "  "})
    assert "请填写撤回理由" in empty.content.decode()
    long = employer_client.post(url("withdraw"), {"reason": "理" * 501})
    assert "最多 500 个字" in long.content.decode()
    assert not Withdrawal.objects.exists()
    done = employer_client.post(url("withdraw"), {"reason": "漏报一名人员"}, follow=True)
    assert "撤回申请已提交" in done.content.decode() and "撤回申请审核中" in done.content.decode()
    assert Declaration.objects.get().status == "withdrawing"
    again = employer_client.get(url("withdraw"))
    assert "撤回申请正在审核中" in again.content.decode()


def test_placements_stay_frozen_server_side(employer, declared):
    assert set(Placement.objects.filter(employer=employer).values_list("frozen", flat=True)) == {True}


@pytest.mark.parametrize("name", ["year", "declare", "declare_confirm", "commitment", "certificate", "withdraw"])
def test_another_units_year_answers_404_or_shows_nothing_of_it(
    other_employer, employer_client, employer, name, traveller
):
    df.placement(other_employer, name="外单位人员")
    submission = services.declaration_declare(employer=other_employer, year=YEAR, by=None)
    traveller.move_to(df.at(2026, 10, 12, 9, 0))
    response = employer_client.get(url(name))
    if name in ("commitment", "certificate", "withdraw"):
        assert response.status_code == 404
    else:  # the page of this unit's own (undeclared) year
        body = response.content.decode()
        assert "外单位人员" not in body and submission.certificate_no not in body
    assert Submission.objects.count() == 1


@pytest.mark.parametrize("year", [1999, 2090])
def test_years_out_of_range_are_404(employer_client, year):
    assert employer_client.get(url("year", year)).status_code == 404


def test_pages_need_an_employer_login(reviewer_client):
    from django.test import Client

    assert Client().get(url("year")).status_code == 302  # to the login page
    assert reviewer_client.get(url("year")).status_code == 403


# --- the public verification page ---------------------------------------------------------------------------------


def test_verify_valid_withdrawn_and_unknown(client, employer, employer_user, declared, reviewer):
    code = declared.verification_code
    page = client.get(reverse("verify:check", kwargs={"code": code}))
    html = page.content.decode()
    assert page.status_code == 200 and "✓ 有效" in html
    assert employer.name in html and "2025" in html and str(declared.actual_employed_2dp) in html
    person = declared.people.get()
    assert person.name not in html and person.id_number[-4:] not in html  # nothing personal
    assert page["X-Robots-Tag"] == "noindex"
    # typed with dashes and in lower case
    dashed = client.get(reverse("verify:check", kwargs={"code": declared.verification_code_display.lower()}))
    assert dashed.status_code == 200

    withdrawal = services.withdrawal_request(employer=employer, year=YEAR, reason="漏报", by=employer_user)
    services.withdrawal_approve(withdrawal=withdrawal, reason="同意", by=reviewer)
    html = client.get(reverse("verify:check", kwargs={"code": code})).content.decode()
    assert "✗ 已撤销" in html

    unknown = client.get(reverse("verify:check", kwargs={"code": "0000-0000-0000-0000-0000"}))
    assert unknown.status_code == 404 and "未找到验证码" in unknown.content.decode()


def test_verify_form_redirects_to_the_code_page(client, db):
    assert client.get(reverse("verify:form")).status_code == 200
    response = client.get(reverse("verify:form"), {"code": " abcd-efgh "})
    assert response.status_code == 302 and response["Location"] == reverse("verify:check", kwargs={"code": "ABCDEFGH"})


# --- query bounds ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("persons", [1, 50])
def test_year_page_queries_do_not_grow_with_the_persons(
    employer, employer_user, employer_client, traveller, django_assert_max_num_queries, persons
):
    for _ in range(persons):
        df.placement(employer, months=range(1, 4))
    services.declaration_declare(employer=employer, year=YEAR, by=employer_user)
    with django_assert_max_num_queries(11):  # 11th: the province's 安排比例 and its source (ADR 0009)
        response = employer_client.get(url("year"))
    assert response.content.decode().count("********") >= persons


@pytest.mark.parametrize("persons", [1, 50])
def test_declare_pages_queries_do_not_grow_with_the_persons(
    employer, employer_client, traveller, django_assert_max_num_queries, persons
):
    for _ in range(persons):
        df.placement(employer, months=range(1, 4))
    with django_assert_max_num_queries(10):
        response = employer_client.get(url("declare"))
    assert response.content.decode().count("********") >= persons
    df.placement(employer, review="pending")
    with django_assert_max_num_queries(10):
        employer_client.get(url("declare"))


def test_the_include_renders_for_the_placements_list(employer, rf, traveller):
    from django.template.loader import render_to_string

    from employers.selectors import year_actions

    html = render_to_string("declarations/includes/actions.html", {"declaration_actions": year_actions(employer, YEAR)})
    assert "填报中" in html and url("declare") in html
    other_year = render_to_string(
        "declarations/includes/actions.html", {"declaration_actions": year_actions(employer, 2023)}
    )
    assert "不在申报期内" in other_year and "disabled" in other_year


def test_the_url_maps_declare_address_leads_to_the_years_declaration(employer_client, traveller):
    response = employer_client.get(reverse("placements:declare"))
    assert response.status_code == 302 and response["Location"] == reverse("declarations:declare", args=[YEAR])
    response = employer_client.get(reverse("placements:declare") + "?year=1800")  # not offered: the filing year
    assert response["Location"] == reverse("declarations:declare", args=[YEAR])


def test_the_declare_address_costs_a_bounded_number_of_queries(employer_client, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):  # session, user, unit, extensions, filing windows, years with data
        assert employer_client.get(reverse("placements:declare")).status_code == 302
