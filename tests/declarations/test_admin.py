"""The reviewers' admin: region scoping, read-only state, approve / reject withdrawals with a reason."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from declarations import services
from declarations.models import Declaration, Withdrawal
from notices.models import Notice
from tests import factories
from tests.factories import declarations as df
from tests.factories import otp_login

pytestmark = pytest.mark.django_db
WITHDRAWALS = reverse("admin:declarations_withdrawal_changelist")
DECLARATIONS = reverse("admin:declarations_declaration_changelist")


@pytest.fixture
def requested(employer, employer_user, traveller):
    """A declared unit in Beijing asking to withdraw, and one in Shanghai doing the same."""
    df.placement(employer)
    services.declaration_declare(employer=employer, year=df.YEAR, by=employer_user)
    mine = services.withdrawal_request(employer=employer, year=df.YEAR, reason="漏报一名人员", by=employer_user)
    factories.region("310000", "上海市")
    shanghai = factories.employer(name="上海外区单位有限公司", region_code="310101")
    df.placement(shanghai)
    services.declaration_declare(employer=shanghai, year=df.YEAR, by=None)
    theirs = services.withdrawal_request(employer=shanghai, year=df.YEAR, reason="上海的理由", by=None)
    return mine, theirs


def test_lists_are_scoped_to_the_reviewers_region(reviewer_client, requested, employer):
    html = reviewer_client.get(WITHDRAWALS).content.decode()
    assert "漏报一名人员" in html and "上海的理由" not in html
    html = reviewer_client.get(DECLARATIONS).content.decode()
    assert employer.name in html and "上海外区单位有限公司" not in html
    other = Declaration.objects.get(employer__name="上海外区单位有限公司")
    change = reverse("admin:declarations_declaration_change", args=[other.pk])
    assert reviewer_client.get(change).status_code in (302, 404)


def test_state_is_read_only(reviewer_client, requested):
    declaration = requested[0].declaration
    page = reviewer_client.get(reverse("admin:declarations_declaration_change", args=[declaration.pk]))
    assert page.status_code == 200
    assert 'name="status"' not in page.content.decode()
    reviewer_client.post(reverse("admin:declarations_declaration_change", args=[declaration.pk]), {"status": "filling"})
    assert Declaration.objects.get(pk=declaration.pk).status == "withdrawing"


def _action(client, action: str, pks, **extra):
    data = {"action": action, ACTION_CHECKBOX_NAME: [str(pk) for pk in pks], **extra}
    return client.post(WITHDRAWALS, data)


def test_approve_asks_for_a_reason_then_approves_and_notifies(reviewer_client, requested, employer):
    mine, _ = requested
    page = _action(reviewer_client, "approve_selected", [mine.pk])
    assert page.status_code == 200 and "批准撤回申请" in page.content.decode()
    missing = _action(reviewer_client, "approve_selected", [mine.pk], apply="1", standard_reason="", reason="")
    assert "请选择常用意见或填写审核意见" in missing.content.decode()
    assert Withdrawal.objects.get(pk=mine.pk).state == "pending"
    done = _action(reviewer_client, "approve_selected", [mine.pk], apply="1", reason="经核实同意撤回")
    assert done.status_code == 302
    mine.refresh_from_db()
    assert mine.state == "approved" and mine.decision_reason == "经核实同意撤回"
    assert Declaration.objects.get(employer=employer).status == "filling"
    assert Notice.objects.filter(employer=employer, title__contains="撤回申请已批准").exists()


def test_reject_with_a_standard_reason(reviewer_client, requested, employer):
    mine, _ = requested
    done = _action(reviewer_client, "reject_selected", [mine.pk], apply="1", standard_reason="撤回理由不充分。")
    assert done.status_code == 302
    mine.refresh_from_db()
    assert mine.state == "rejected" and mine.decision_reason == "撤回理由不充分。"
    assert Declaration.objects.get(employer=employer).status == "declared"
    assert Notice.objects.filter(employer=employer, title__contains="未通过").exists()


def test_a_forged_action_on_another_regions_request_does_nothing(reviewer_client, requested):
    _, theirs = requested
    _action(reviewer_client, "approve_selected", [theirs.pk], apply="1", reason="同意")
    assert Withdrawal.objects.get(pk=theirs.pk).state == "pending"


@pytest.mark.parametrize("n", [1, 30])
def test_withdrawal_changelist_queries_are_bounded(reviewer_client, traveller, django_assert_max_num_queries, n):
    for _ in range(n):
        unit = factories.employer()
        df.placement(unit)
        services.declaration_declare(employer=unit, year=df.YEAR, by=None)
        services.withdrawal_request(employer=unit, year=df.YEAR, reason="漏报", by=None)
    with django_assert_max_num_queries(10):
        assert reviewer_client.get(WITHDRAWALS).status_code == 200
    with django_assert_max_num_queries(10):
        assert reviewer_client.get(DECLARATIONS).status_code == 200


def test_export_batches_are_for_superusers_only(reviewer_client, client, superuser):
    assert reviewer_client.get(reverse("admin:declarations_exportbatch_changelist")).status_code == 403
    otp_login(client, superuser)
    assert client.get(reverse("admin:declarations_exportbatch_changelist")).status_code == 200


# --- deciding on the withdrawal's own page (Django's change-form actions, the same services) --------------------

CHANGE_FORM_ACTION = "CHANGE_FORM-action"


def _change_url(withdrawal) -> str:
    return reverse("admin:declarations_withdrawal_change", args=[withdrawal.pk])


def _decide_on_page(client, withdrawal, action: str, **extra):
    data = {CHANGE_FORM_ACTION: action, ACTION_CHECKBOX_NAME: str(withdrawal.pk), **extra}
    return client.post(_change_url(withdrawal), data)


@pytest.fixture
def admin_ready(settings):
    settings.ADMIN_REQUIRE_OTP = False  # the TOTP step is tested in tests/notices; here: the withdrawal page


def test_change_page_is_in_chinese_with_the_two_decisions(admin_client, admin_ready, requested):
    mine, _ = requested
    page = admin_client.get(_change_url(mine)).content.decode()
    for english in ("Declaration:", "Submission:", "Select an option", "- Select"):
        assert english not in page
    for label in ("单位", "业务年度", "年审申报", "撤回的申报", "撤回理由", "审核状态"):
        assert f"{label}:" in page or f"{label}：" in page
    assert "第 1 次完成申报" in page and "2025年度年审申报（撤回申请中）" in page
    assert 'value="approve_selected">批准撤回…</button>' in page
    assert 'value="reject_selected">驳回撤回…</button>' in page
    assert page.count("<h1") == 1


def test_approve_from_the_change_page_asks_for_a_reason_then_calls_the_service(admin_client, admin_ready, requested):
    mine, _ = requested
    page = _decide_on_page(admin_client, mine, "approve_selected")
    body = page.content.decode()
    assert page.status_code == 200 and "批准撤回申请" in body
    assert body.count("<h1") == 1  # the title once (no second heading in the content)
    assert f'name="{CHANGE_FORM_ACTION}" value="approve_selected"' in body
    assert f'href="{_change_url(mine)}" class="button cancel-link">取消</a>' in body
    missing = _decide_on_page(admin_client, mine, "approve_selected", apply="1", reason="")
    assert "请选择常用意见或填写审核意见" in missing.content.decode()
    assert Withdrawal.objects.get(pk=mine.pk).state == "pending"
    done = _decide_on_page(admin_client, mine, "approve_selected", apply="1", reason="经核实同意撤回")
    assert done.status_code == 302 and done["Location"] == _change_url(mine)
    mine.refresh_from_db()
    assert mine.state == "approved" and mine.decision_reason == "经核实同意撤回"
    assert Declaration.objects.get(pk=mine.declaration_id).status == "filling"
    assert Notice.objects.filter(employer=mine.declaration.employer, title__contains="撤回申请已批准").exists()
    page = admin_client.get(_change_url(mine)).content.decode()
    assert "批准撤回…" not in page and "✓ 已批准" in page  # decided: no buttons any more


def test_reject_from_the_change_page_with_a_standard_reason(reviewer_client, requested):
    mine, _ = requested
    done = _decide_on_page(reviewer_client, mine, "reject_selected", apply="1", standard_reason="撤回理由不充分。")
    assert done.status_code == 302
    mine.refresh_from_db()
    assert mine.state == "rejected" and mine.decision_reason == "撤回理由不充分。"
    assert Declaration.objects.get(pk=mine.declaration_id).status == "declared"


def test_the_change_page_of_another_regions_withdrawal_is_out_of_reach(reviewer_client, requested):
    _, theirs = requested
    assert reviewer_client.get(_change_url(theirs)).status_code in (302, 404)
    _decide_on_page(reviewer_client, theirs, "approve_selected", apply="1", reason="同意")
    assert Withdrawal.objects.get(pk=theirs.pk).state == "pending"


def test_list_action_choices_are_in_chinese(admin_client, admin_ready, requested):
    page = admin_client.get(WITHDRAWALS).content.decode()
    assert "（请选择操作）" in page and "Select an option" not in page
    assert "批准所选撤回申请" in page and "驳回所选撤回申请" in page
