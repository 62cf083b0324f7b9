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
