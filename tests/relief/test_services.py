"""Relief services: drafts with the levy estimate and limits, submission, reviewer decisions, notices, audit."""

from dataclasses import replace
from decimal import Decimal

import pytest

from core.models import AuditEvent, SocialAverageWage, StoredFile
from core.uploads import inspect_upload
from notices.models import Notice
from relief import services
from relief.models import ReliefApplication
from relief.services import ApplicationData, ReliefError
from tests import factories
from tests.factories import relief as rf
from tests.factories.levy import add_months

pytestmark = pytest.mark.django_db

DATA = ApplicationData(
    year=2025,
    kind="reduction",
    amount_requested=Decimal("500000.00"),
    months_requested=None,
    reason="2025年7月特大暴雨致厂房被淹。",
    loss_amount=Decimal("3500000.00"),
    loss_description="厂房、设备受损。",
    staff_count=Decimal("1000"),
    avg_monthly_wage=Decimal("8000"),
)


def clean_files():
    return {name: inspect_upload(rf.png_upload()) for name in ("application_letter", "loss_proof", "audited_accounts")}


@pytest.fixture
def clerk(employer):
    return factories.employer_user(employer)


@pytest.fixture
def reviewer(employer):
    return factories.reviewer_user(region_code="110000")  # Beijing; the employer fixture created the province


def events(application, action):
    return AuditEvent.objects.filter(
        object_id=str(application.pk), object_type="relief.reliefapplication", action=action
    )


# --- drafts ---------------------------------------------------------------------------------------------------------


def test_create_draft_stores_the_levy_estimate_and_files(employer, clerk):
    application = services.relief_create_draft(employer=employer, data=DATA, files=clean_files(), by=clerk)
    # 1000 staff × 1.5 % × 96,000 = 1,440,000; levy year 2026: below 1 % → 90 %
    assert application.levy_estimate == Decimal("1296000.00")
    assert application.state == "draft" and application.created_by == clerk
    assert application.loss_proof.employer == employer and application.loss_proof.kind == "relief_loss_proof"
    assert events(application, "relief.create").count() == 1


def test_estimate_uses_confirmed_months_and_the_social_wage(employer, clerk):
    SocialAverageWage.objects.create(province_code="11", year=2025, annual_amount=Decimal("40000"))
    add_months(employer, 2025, weight=2, months=list(range(1, 13)))  # 24 weighted months = 2 persons
    application = services.relief_create_draft(employer=employer, data=DATA, by=clerk)
    # (15 − 2) × min(96,000, 80,000) = 1,040,000 × 90 % (0.2 % < 1 %)
    assert application.levy_estimate == Decimal("936000.00")


def test_reduction_above_one_year_of_levy_is_refused(employer, clerk):
    with pytest.raises(ReliefError) as info:
        services.relief_create_draft(
            employer=employer, data=replace(DATA, amount_requested=Decimal("1296000.01")), by=clerk
        )
    assert "1,296,000.00" in info.value.errors["amount_requested"]
    assert not ReliefApplication.objects.exists()
    ok = services.relief_create_draft(
        employer=employer, data=replace(DATA, amount_requested=Decimal("1296000.00")), by=clerk
    )
    assert ok.pk


@pytest.mark.parametrize(("months", "ok"), [(6, True), (7, False), (0, False), (None, False)])
def test_deferral_at_most_six_months(employer, clerk, months, ok):
    data = replace(DATA, kind="deferral", months_requested=months)
    if ok:
        application = services.relief_create_draft(employer=employer, data=data, by=clerk)
        assert application.months_requested == 6 and application.amount_requested is None  # the other figure dropped
    else:
        with pytest.raises(ReliefError) as info:
            services.relief_create_draft(employer=employer, data=data, by=clerk)
        assert "months_requested" in info.value.errors


def test_exempt_small_enterprise_cannot_ask_for_a_reduction(employer, clerk):
    with pytest.raises(ReliefError) as info:
        services.relief_create_draft(employer=employer, data=replace(DATA, staff_count=Decimal(25)), by=clerk)
    assert "无需申请减免" in info.value.errors["amount_requested"]


def test_impossible_figures_are_a_field_error(employer, clerk):
    with pytest.raises(ReliefError) as info:
        services.relief_create_draft(employer=employer, data=replace(DATA, staff_count=Decimal(0)), by=clerk)
    assert "staff_count" in info.value.errors


def test_one_live_application_per_unit_year_and_kind(employer, clerk):
    services.relief_create_draft(employer=employer, data=DATA, by=clerk)
    with pytest.raises(ReliefError) as info:
        services.relief_create_draft(employer=employer, data=DATA, by=clerk)
    assert "year" in info.value.errors
    services.relief_create_draft(employer=employer, data=replace(DATA, kind="deferral", months_requested=3), by=clerk)
    assert ReliefApplication.objects.count() == 2


def test_a_rejected_application_may_be_followed_by_a_new_one(employer, clerk):
    rf.application(employer, state="rejected")
    assert services.relief_create_draft(employer=employer, data=DATA, by=clerk).pk


def test_update_keeps_replaced_files_and_audits(employer, clerk):
    application = services.relief_create_draft(employer=employer, data=DATA, files=clean_files(), by=clerk)
    old_letter = application.application_letter_id
    services.relief_update_draft(
        application=application,
        data=replace(DATA, amount_requested=Decimal("600000")),
        files={"application_letter": inspect_upload(rf.png_upload("新申请书.png"))},
        by=clerk,
    )
    application.refresh_from_db()
    assert application.amount_requested == Decimal("600000.00")
    assert application.application_letter_id != old_letter
    assert StoredFile.objects.filter(pk=old_letter).exists()
    change = events(application, "relief.update").get().changes
    assert change["amount_requested"] == {"before": "500000.00", "after": "600000"}
    assert "application_letter" in change


@pytest.mark.parametrize("state", ["submitted", "approved", "rejected"])
def test_only_drafts_and_returned_applications_can_be_changed(employer, clerk, state):
    application = rf.application(employer, state=state)
    with pytest.raises(ReliefError):
        services.relief_update_draft(application=application, data=DATA, by=clerk)


def test_delete_only_drafts(employer, clerk):
    draft = rf.application(employer)
    services.relief_delete_draft(application=draft, by=clerk)
    assert not ReliefApplication.objects.filter(pk=draft.pk).exists()
    assert AuditEvent.objects.filter(action="relief.delete_draft", object_id=str(draft.pk)).exists()
    returned = rf.application(employer, state="returned")
    with pytest.raises(ReliefError):
        services.relief_delete_draft(application=returned, by=clerk)


# --- submission -----------------------------------------------------------------------------------------------------


def test_submit_needs_every_attachment(employer, clerk):
    application = rf.application(employer, with_files=False, loss_proof=rf.stored_png(employer))
    with pytest.raises(ReliefError) as info:
        services.relief_submit(application=application, by=clerk)
    assert set(info.value.errors) == {"application_letter", "audited_accounts"}
    application.refresh_from_db()
    assert application.state == "draft"


def test_submit_rechecks_the_limit_with_todays_data(employer, clerk):
    application = services.relief_create_draft(
        employer=employer, data=replace(DATA, amount_requested=Decimal("1296000")), files=clean_files(), by=clerk
    )
    add_months(employer, 2025, weight=1, months=[1, 2, 3])  # confirmed since: the estimate drops
    with pytest.raises(ReliefError) as info:
        services.relief_submit(application=application, by=clerk)
    assert "amount_requested" in info.value.errors


def test_submit_and_resubmit_after_return(employer, clerk, reviewer):
    application = services.relief_create_draft(employer=employer, data=DATA, files=clean_files(), by=clerk)
    application = services.relief_submit(application=application, by=clerk)
    assert application.state == "submitted" and application.submitted_at is not None
    with pytest.raises(ReliefError):
        services.relief_submit(application=application, by=clerk)  # twice
    services.relief_return(application=application, reason="请补充经审计的财务报表。", by=reviewer)
    services.relief_update_draft(application=application, data=replace(DATA, reason="补充说明。"), by=clerk)
    assert services.relief_submit(application=application, by=clerk).state == "submitted"
    assert events(application, "relief.submit").count() == 2


# --- decisions ------------------------------------------------------------------------------------------------------


def test_approve_records_body_number_reason_and_notifies(employer, reviewer):
    application = rf.application(employer, state="submitted")
    services.relief_approve(
        application=application,
        approving_body="北京市残疾人联合会",
        document_number="京残发〔2026〕12号",
        reason="受特大暴雨灾害影响，损失重大，同意减免。",
        by=reviewer,
    )
    application.refresh_from_db()
    assert application.state == "approved" and application.decided_by == reviewer
    assert application.document_number == "京残发〔2026〕12号"
    notice = Notice.objects.get(employer=employer)
    assert notice.title == "缓减免申请审核通过通知" and notice.kind == "relief"
    assert "京残发〔2026〕12号" in notice.body
    event = events(application, "relief.approve").get()
    assert event.reason.startswith("受特大暴雨") and event.actor == reviewer


@pytest.mark.parametrize(
    ("service", "state", "title"),
    [
        (services.relief_reject, "rejected", "缓减免申请审核不通过通知"),
        (services.relief_return, "returned", "缓减免申请退回补充通知"),
    ],
)
def test_reject_and_return_notify(employer, reviewer, service, state, title):
    application = rf.application(employer, state="submitted")
    service(application=application, reason="材料不足以证明直接经济损失。", by=reviewer)
    application.refresh_from_db()
    assert application.state == state and application.decision_reason == "材料不足以证明直接经济损失。"
    assert Notice.objects.get(employer=employer).title == title


@pytest.mark.parametrize(
    ("kwargs", "fields"),
    [
        ({"approving_body": "", "document_number": "", "reason": ""}, {"approving_body", "document_number", "reason"}),
        ({"approving_body": "北京市残联", "document_number": "  ", "reason": "同意"}, {"document_number"}),
        ({"approving_body": "北京市残联", "document_number": "京残〔2026〕1号", "reason": " "}, {"reason"}),
    ],
)
def test_a_decision_needs_its_reason_and_for_approval_body_and_number(employer, reviewer, kwargs, fields):
    application = rf.application(employer, state="submitted")
    with pytest.raises(ReliefError) as info:
        services.relief_approve(application=application, by=reviewer, **kwargs)
    assert set(info.value.errors) == fields
    application.refresh_from_db()
    assert application.state == "submitted"
    assert not Notice.objects.exists()


@pytest.mark.parametrize("state", ["draft", "returned", "approved", "rejected"])
def test_only_submitted_applications_are_decided(employer, reviewer, state):
    application = rf.application(employer, state=state)
    with pytest.raises(ReliefError):
        services.relief_reject(application=application, reason="不同意", by=reviewer)


def test_a_reviewer_outside_the_region_cannot_decide(employer, db):
    shanghai = factories.reviewer_user(region_code="310101")
    application = rf.application(employer, state="submitted")
    with pytest.raises(ReliefError) as info:
        services.relief_reject(application=application, reason="不同意", by=shanghai)
    assert "辖区" in info.value.message
    clerk = factories.employer_user(employer)
    with pytest.raises(ReliefError):
        services.relief_reject(application=application, reason="不同意", by=clerk)
