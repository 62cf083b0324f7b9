"""Employer pages of 缓减免申请 and the public list: flows, cross-unit 404, bounded queries."""

import re

import pytest
import time_machine
from django.urls import reverse

from relief.models import ReliefApplication
from tests.factories import relief as rf

pytestmark = pytest.mark.django_db

FORM = {
    "year": "2025",
    "kind": "reduction",
    "amount_requested": "500000",
    "months_requested": "",
    "reason": "2025年7月特大暴雨致厂房被淹。",
    "loss_amount": "3500000",
    "loss_description": "厂房、设备受损。",
    "staff_count": "1000",
    "avg_monthly_wage": "8000",
}


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel("2026-05-01 10:00 +0800", tick=False):
        yield


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_login_required(client):
    response = client.get(reverse("relief:index"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_create_draft_with_files_then_submit(employer_client, employer):
    files = {name: rf.png_upload(f"{name}.png") for name in ("application_letter", "loss_proof", "audited_accounts")}
    response = employer_client.post(reverse("relief:create"), {**FORM, **files})
    application = ReliefApplication.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("relief:detail", args=[application.pk])
    assert application.employer == employer and application.state == "draft"
    assert application.audited_accounts.original_name == "audited_accounts.png"

    body = text(employer_client.get(reverse("relief:detail", args=[application.pk])))
    assert "1,296,000.00 元" in body and "✎ 草稿" in body and "提交申请" in body

    response = employer_client.post(reverse("relief:submit", args=[application.pk]), follow=True)
    assert "申请已提交" in text(response)
    application.refresh_from_db()
    assert application.state == "submitted"
    body = text(employer_client.get(reverse("relief:detail", args=[application.pk])))
    assert "提交申请" not in body and "✎ 编辑" not in body


def test_limit_errors_show_beside_the_fields(employer_client):
    response = employer_client.post(reverse("relief:create"), {**FORM, "amount_requested": "9999999"})
    assert response.status_code == 200
    assert "不能超过一年的预计应缴残保金 1,296,000.00 元" in text(response)
    response = employer_client.post(reverse("relief:create"), {**FORM, "kind": "deferral", "months_requested": "7"})
    assert "缓缴期限最长 6 个月" in text(response)
    response = employer_client.post(reverse("relief:create"), {**FORM, "loss_amount": "abc", "staff_count": "-1"})
    body = text(response)
    assert "请输入金额" in body and "职工人数必须大于 0" in body
    assert not ReliefApplication.objects.exists()


def test_a_fake_image_is_refused_beside_its_field(employer_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("申请书.png", b"MZ\x90\x00 not an image", content_type="image/png")
    response = employer_client.post(reverse("relief:create"), {**FORM, "application_letter": fake})
    assert response.status_code == 200
    assert "文件格式不支持" in text(response)
    assert not ReliefApplication.objects.exists()


def test_submit_without_files_says_what_is_missing(employer_client, employer):
    application = rf.application(employer, with_files=False)
    response = employer_client.post(reverse("relief:submit", args=[application.pk]), follow=True)
    body = text(response)
    assert "未能提交：请上传申请书" in body and "未能提交：请上传经审计的财务报表" in body
    application.refresh_from_db()
    assert application.state == "draft"


def test_edit_a_returned_application(employer_client, employer):
    application = rf.application(employer, state="returned", decision_reason="请补充损失证明。")
    page = text(employer_client.get(reverse("relief:edit", args=[application.pk])))
    assert "请补充损失证明" in page and "已上传：" in page
    response = employer_client.post(
        reverse("relief:edit", args=[application.pk]), {**FORM, "loss_description": "补充：仓库受损。"}
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.loss_description == "补充：仓库受损。" and application.state == "returned"


def test_submitted_application_cannot_be_edited_or_deleted(employer_client, employer):
    application = rf.application(employer, state="submitted")
    response = employer_client.get(reverse("relief:edit", args=[application.pk]), follow=True)
    assert "不能修改" in text(response)
    response = employer_client.post(reverse("relief:delete", args=[application.pk]), follow=True)
    assert "只有草稿可以删除" in text(response)
    assert ReliefApplication.objects.filter(pk=application.pk).exists()


def test_delete_a_draft_after_confirmation(employer_client, employer):
    application = rf.application(employer)
    assert "确定删除" in text(employer_client.get(reverse("relief:delete", args=[application.pk])))
    employer_client.post(reverse("relief:delete", args=[application.pk]))
    assert not ReliefApplication.objects.exists()


@pytest.mark.parametrize(
    ("name", "method"),
    [("detail", "get"), ("edit", "get"), ("edit", "post"), ("submit", "post"), ("delete", "get"), ("delete", "post")],
)
def test_another_units_application_is_404(employer_client, other_employer, name, method):
    application = rf.application(other_employer)
    response = getattr(employer_client, method)(reverse(f"relief:{name}", args=[application.pk]), FORM)
    assert response.status_code == 404
    application.refresh_from_db()
    assert application.state == "draft"


def test_list_shows_states_as_text(employer_client, employer, other_employer):
    rf.application(employer, state="approved", approving_body="北京市残联", document_number="京残〔2026〕1号")
    rf.application(employer, state="rejected", kind="deferral")
    rf.application(other_employer, state="submitted", reason="上海单位的申请")
    body = text(employer_client.get(reverse("relief:index")))
    assert "✓ 审核通过" in body and "✗ 审核不通过" in body
    assert "缓缴 3 个月" in body and "减免 100,000.00 元" in body
    assert "（共 2 件）" in body


@pytest.mark.parametrize("rows", [1, 50])
def test_list_queries_do_not_grow_with_rows(employer_client, employer, rows, django_assert_max_num_queries):
    for i in range(rows):
        rf.application(employer, year=1900 + i, with_files=False)
    with django_assert_max_num_queries(8):
        response = employer_client.get(reverse("relief:index"))
    assert response.content.decode().count('href="/relief/') >= rows


# --- public list ----------------------------------------------------------------------------------------------------


def test_public_list_without_login_shows_nothing_personal(client, employer, other_employer):
    rf.application(
        employer,
        state="approved",
        approving_body="北京市残疾人联合会",
        document_number="京残发〔2026〕12号",
        decision_reason="受特大暴雨灾害影响，同意减免。",
    )
    rf.application(other_employer, state="submitted")
    rf.application(other_employer, state="rejected", kind="deferral", decision_reason="材料不足")
    response = client.get(reverse("relief:public", args=[2025]))
    assert response.status_code == 200
    body = text(response)
    assert employer.name in body and employer.uscc in body
    assert "北京市残疾人联合会" in body and "京残发〔2026〕12号" in body and "同意减免" in body
    assert other_employer.name not in body and "材料不足" not in body
    for private in ("特大暴雨致厂房被淹", "3,500,000", "100,000", employer.legal_rep_name, employer.contact_phone):
        assert private not in body
    assert client.get(reverse("relief:public", args=[2024])).status_code == 200
    assert client.get(reverse("relief:public_index"))["Location"] == reverse("relief:public", args=[2025])


@pytest.mark.parametrize("rows", [1, 50])
def test_public_list_queries_do_not_grow(client, employer, rows, django_assert_max_num_queries):
    from tests import factories

    for i in range(rows):
        unit = factories.employer(name=f"公示单位{i}")
        rf.application(
            unit, state="approved", approving_body="北京市残联", document_number=f"京残〔2026〕{i}号", with_files=False
        )
    with django_assert_max_num_queries(3):
        response = client.get(reverse("relief:public", args=[2025]))
    assert f"共 {rows} 家单位" in text(response)
