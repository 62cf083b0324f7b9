"""The reviewers' admin: region scope, read-only state, decisions through the decision view, bounded queries."""

import pytest
from django.urls import reverse

from notices.models import Notice
from relief.models import ReliefApplication
from tests import factories
from tests.factories import relief as rf

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:relief_reliefapplication_changelist")


def change_url(application):
    return reverse("admin:relief_reliefapplication_change", args=[application.pk])


def decide_url(application):
    return reverse("admin:relief_reliefapplication_decide", args=[application.pk])


@pytest.fixture
def reviewer_client(client, employer):
    reviewer = factories.reviewer_user(region_code="110000")
    rf.grant_relief_review(reviewer)
    rf.otp_login(client, reviewer)
    return client


@pytest.fixture
def shanghai_application(other_employer):
    return rf.application(other_employer, state="submitted", reason="上海单位的申请理由")


def test_changelist_is_scoped_to_the_region(reviewer_client, employer, shanghai_application):
    rf.application(employer, state="submitted")
    body = reviewer_client.get(CHANGELIST).content.decode()
    assert employer.name in body
    assert shanghai_application.employer.name not in body


def test_other_regions_change_and_decide_pages_are_404(reviewer_client, shanghai_application):
    assert reviewer_client.get(change_url(shanghai_application)).status_code in (302, 404)
    assert reviewer_client.get(decide_url(shanghai_application)).status_code == 404
    response = reviewer_client.post(decide_url(shanghai_application), {"decision": "reject", "reason": "不同意"})
    assert response.status_code == 404
    shanghai_application.refresh_from_db()
    assert shanghai_application.state == "submitted"


def test_change_page_is_read_only_with_files_and_history(reviewer_client, employer):
    application = rf.application(employer, state="submitted")
    body = reviewer_client.get(change_url(application)).content.decode()
    assert 'href="/files/' in body and "审核</a>" in body
    assert 'name="state"' not in body and 'name="amount_requested"' not in body
    reviewer_client.post(change_url(application), {"state": "approved", "amount_requested": "1"})
    application.refresh_from_db()
    assert application.state == "submitted"


def test_approve_through_the_decision_view(reviewer_client, employer):
    application = rf.application(employer, state="submitted")
    assert "审核意见" in reviewer_client.get(decide_url(application)).content.decode()
    response = reviewer_client.post(
        decide_url(application),
        {
            "decision": "approve",
            "approving_body": "北京市残疾人联合会",
            "document_number": "京残发〔2026〕12号",
            "reason": "同意减免。",
        },
    )
    assert response.status_code == 302 and response["Location"] == change_url(application)
    application.refresh_from_db()
    assert application.state == "approved" and application.document_number == "京残发〔2026〕12号"
    assert Notice.objects.filter(employer=employer, title="缓减免申请审核通过通知").exists()


def test_missing_reason_or_number_shows_errors_and_changes_nothing(reviewer_client, employer):
    application = rf.application(employer, state="submitted")
    response = reviewer_client.post(decide_url(application), {"decision": "approve", "reason": "同意"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "审核通过须填写审批机关" in body and "审核通过须填写批准文号" in body
    response = reviewer_client.post(decide_url(application), {"decision": "return", "reason": ""})
    assert "这个字段是必填项" in response.content.decode()
    application.refresh_from_db()
    assert application.state == "submitted"
    assert not Notice.objects.exists()


@pytest.mark.parametrize(("decision", "state"), [("reject", "rejected"), ("return", "returned")])
def test_reject_or_return(reviewer_client, employer, decision, state):
    application = rf.application(employer, state="submitted")
    reviewer_client.post(decide_url(application), {"decision": decision, "reason": "损失证明不足。"})
    application.refresh_from_db()
    assert application.state == state and application.decision_reason == "损失证明不足。"


def test_a_decided_application_cannot_be_decided_again(reviewer_client, employer):
    application = rf.application(employer, state="approved")
    response = reviewer_client.post(decide_url(application), {"decision": "reject", "reason": "改判"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.state == "approved"


def test_employer_logins_and_reviewers_without_permission_get_nothing(client, employer):
    application = rf.application(employer, state="submitted")
    client.force_login(factories.employer_user(employer))
    assert client.get(decide_url(application)).status_code == 302  # admin login page
    reviewer = factories.reviewer_user(region_code="110000")
    rf.otp_login(client, reviewer)
    assert client.get(decide_url(application)).status_code in (403, 404)
    application.refresh_from_db()
    assert application.state == "submitted"


@pytest.mark.parametrize("rows", [1, 50])
def test_changelist_queries_do_not_grow(reviewer_client, employer, rows, django_assert_max_num_queries):
    for i in range(rows):
        unit = factories.employer(name=f"审核单位{i}")
        rf.application(unit, state="submitted", with_files=False)
    with django_assert_max_num_queries(12):
        response = reviewer_client.get(CHANGELIST)
    assert response.status_code == 200
    assert ReliefApplication.objects.count() == rows
