"""The services of the declaration: every transition and refusal, the snapshot, locking, numbering, notices."""

from datetime import date
from decimal import Decimal

import pytest

from core.models import AuditEvent, FilingWindow
from declarations import exports, selectors, services
from declarations.constants import DeclarationStatus, RecordType, WithdrawalState
from declarations.models import Declaration, Submission, SubmissionPerson, TaxRecord, Withdrawal
from employers.selectors import year_locked
from employers.services import uscc_is_locked
from notices.models import Notice
from placements.models import Placement
from tests import factories
from tests.factories import declarations as df

pytestmark = pytest.mark.django_db


def declare(employer, user, **kwargs):
    return services.declaration_declare(employer=employer, year=df.YEAR, by=user, **kwargs)


def test_declare_takes_a_snapshot_freezes_the_year_queues_tax_and_notifies(employer, employer_user, traveller):
    a = df.placement(employer, months=range(1, 9), weight=2, name="王芳")  # 8 months of a 二级 person → 16
    df.placement(employer, months=range(1, 13), weight=1, review="confirmed", name="李强")  # 12
    df.placement(employer, months=range(1, 4), review="rejected", name="张伟")  # nothing declared

    submission = declare(employer, employer_user, token="t1")

    declaration = Declaration.objects.get(employer=employer, year=df.YEAR)
    assert declaration.status == DeclarationStatus.DECLARED
    assert declaration.current == submission
    assert (submission.persons, submission.registered_months) == (2, 23)
    assert (submission.confirmed_months, submission.approved_months) == (20, 28)
    assert submission.actual_employed == Decimal(28) / Decimal(12)
    assert submission.actual_employed_2dp == Decimal("2.33")
    assert submission.unit_name == employer.name and submission.uscc == employer.uscc
    assert submission.issuer == "北京市东城区残疾人联合会"
    assert submission.certificate_no == "112025000001"
    assert len(submission.verification_code) == 20
    people = list(SubmissionPerson.objects.filter(submission=submission).order_by("position"))
    assert [(p.name, p.months, p.weight, p.approved_months) for p in people] == [
        ("王芳", "1-8", "2", 16),
        ("李强", "1-12", "1", 12),
    ]
    assert people[0].id_number == a.id_number
    assert set(Placement.objects.filter(employer=employer).values_list("frozen", flat=True)) == {True}
    record = TaxRecord.objects.get()
    assert (record.record_type, record.authority, record.approved_months) == (RecordType.DECLARATION, "110101", 28)
    assert record.actual_employed == Decimal("2.33") and not record.cancelled
    assert list(exports.queued("110101")) == [record]
    assert AuditEvent.objects.filter(action="declaration.declare", object_id=str(declaration.pk)).exists()
    notice = Notice.objects.get(employer=employer)
    assert "年审申报完成" in notice.title and "2026年10月10日" in notice.body


def test_the_snapshot_does_not_change_when_the_unit_or_placements_change_later(employer, employer_user, traveller):
    p = df.placement(employer, months=range(1, 7), weight=2)
    submission = declare(employer, employer_user)
    employer.name = "改名后的公司"
    employer.save()
    p.months.update(weight=1)
    submission.refresh_from_db()
    assert submission.unit_name != "改名后的公司"
    assert submission.approved_months == 12


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        ({"completed": False}, "资料待完善"),
        ({"evidence_missing": True, "review": "pending"}, "资料待完善"),
        ({"review": "pending"}, "待审核"),
    ],
)
def test_declare_is_refused_with_the_blocking_persons(employer, employer_user, traveller, kwargs, status):
    df.placement(employer)
    blocker = df.placement(employer, name="赵敏", **kwargs)
    with pytest.raises(services.DeclarationBlocked) as info:
        declare(employer, employer_user)
    assert info.value.blockers == [("赵敏", blocker.id_number[:6] + "********" + blocker.id_number[-4:], status)]
    assert not Submission.objects.exists()
    assert not Placement.objects.filter(frozen=True).exists()


def test_declare_without_any_placement_is_refused(employer, employer_user, traveller):
    with pytest.raises(services.DeclarationBlocked, match="还没有安置登记人员"):
        declare(employer, employer_user)
    assert not Submission.objects.exists()


def test_declare_outside_the_filing_window_is_refused_with_the_dates(employer, employer_user, traveller):
    df.placement(employer)
    traveller.move_to(df.at(2026, 11, 2, 9, 0))
    with pytest.raises(services.FilingClosed, match="2026年03月01日 至 2026年10月31日"):
        declare(employer, employer_user)


def test_an_extended_window_allows_declaring(employer, employer_user, traveller):
    FilingWindow.objects.create(
        province_code="11", business_year=df.YEAR, opens_on=date(2026, 3, 1), closes_on=date(2026, 12, 31)
    )
    df.placement(employer)
    traveller.move_to(df.at(2026, 11, 23, 9, 0))
    assert declare(employer, employer_user).persons == 1


def test_declaring_twice_is_refused_but_the_same_token_returns_the_first(employer, employer_user, traveller):
    df.placement(employer)
    first = declare(employer, employer_user, token="abc")
    assert declare(employer, employer_user, token="abc") == first
    with pytest.raises(services.DeclarationError, match="当前状态为「已完成申报」"):
        declare(employer, employer_user, token="other")
    assert Submission.objects.count() == 1 and TaxRecord.objects.count() == 1


def test_certificate_numbers_count_up_per_province_and_year(employer, employer_user, traveller):
    other = factories.employer(region_code="110105")
    df.placement(employer)
    df.placement(other)
    assert declare(employer, employer_user).certificate_no == "112025000001"
    assert declare(other, None).certificate_no == "112025000002"


def test_year_locked_and_progress_follow_the_state(employer, employer_user, traveller):
    steps = lambda: [s.state for s in selectors.declaration_progress(employer, df.YEAR).steps]  # noqa: E731
    assert steps() == ["not_started"] * 3
    df.placement(employer)
    assert steps() == ["current", "not_started", "not_started"]
    assert year_locked(employer, df.YEAR) is False
    declare(employer, employer_user)
    assert year_locked(employer, df.YEAR) is True
    assert year_locked(employer.pk, df.YEAR, for_update=True) is True
    assert year_locked(employer, df.YEAR - 1) is False
    assert steps() == ["done", "done", "current"]
    services.declaration_mark_sent(declaration=Declaration.objects.get(), by=None)
    assert steps() == ["done", "done", "done"]
    assert selectors.declaration_progress(employer, df.YEAR).steps[2].state_label == "已完成"


# --- withdrawal ----------------------------------------------------------------------------------------------------


@pytest.fixture
def declared(employer, employer_user, traveller):
    df.placement(employer, weight=2)
    return declare(employer, employer_user)


@pytest.mark.parametrize(
    ("reason", "message"), [("", "请填写撤回理由"), ("   ", "请填写撤回理由"), ("理" * 501, "最多 500")]
)
def test_withdrawal_needs_a_reason_of_at_most_500_characters(employer, employer_user, declared, reason, message):
    with pytest.raises(services.DeclarationError, match=message) as info:
        services.withdrawal_request(employer=employer, year=df.YEAR, reason=reason, by=employer_user)
    assert info.value.field == "reason"
    assert Declaration.objects.get().status == DeclarationStatus.DECLARED


def test_withdrawal_of_an_undeclared_year_is_refused(employer, employer_user, db):
    with pytest.raises(services.DeclarationError, match="尚未完成申报"):
        services.withdrawal_request(employer=employer, year=df.YEAR, reason="填错了", by=employer_user)
    df.placement(employer)
    Declaration.objects.create(employer=employer, year=df.YEAR)
    with pytest.raises(services.DeclarationError, match="当前状态为「填报中」"):
        services.withdrawal_request(employer=employer, year=df.YEAR, reason="填错了", by=employer_user)


def test_request_then_approve_voids_reopens_and_cancels_the_unsent_tax_record(
    employer, employer_user, declared, reviewer
):
    withdrawal = services.withdrawal_request(employer=employer, year=df.YEAR, reason="漏报一名人员", by=employer_user)
    declaration = Declaration.objects.get()
    assert (declaration.status, declaration.previous_status) == ("withdrawing", "declared")
    assert year_locked(employer, df.YEAR) is True  # still locked while the request waits
    with pytest.raises(services.DeclarationError, match="当前状态为「撤回申请中」"):
        services.withdrawal_request(employer=employer, year=df.YEAR, reason="再来一次", by=employer_user)

    services.withdrawal_approve(withdrawal=withdrawal, reason="同意撤回", by=reviewer)

    declaration.refresh_from_db()
    declared.refresh_from_db()
    assert declaration.status == DeclarationStatus.FILLING and declaration.previous_status == ""
    assert declared.voided_at is not None and declared.void_reason == "同意撤回"
    assert Withdrawal.objects.get().state == WithdrawalState.APPROVED
    assert not Placement.objects.filter(frozen=True).exists()
    assert year_locked(employer, df.YEAR) is False
    assert list(TaxRecord.objects.values_list("record_type", "cancelled")) == [("DECLARE", True)]
    titles = list(Notice.objects.filter(employer=employer).values_list("title", flat=True))
    assert any("撤回申请已批准" in t for t in titles)
    assert AuditEvent.objects.filter(action="declaration.withdrawal_approve", reason="同意撤回").exists()
    with pytest.raises(services.DeclarationError, match="已批准"):
        services.withdrawal_reject(withdrawal=withdrawal, reason="驳回", by=reviewer)


def test_approving_a_sent_declaration_queues_a_withdraw_record(employer, employer_user, declared, reviewer, tmp_path):
    exports.tax_export(authority="110101", output_dir=tmp_path)
    withdrawal = services.withdrawal_request(employer=employer, year=df.YEAR, reason="漏报", by=employer_user)
    assert Declaration.objects.get().previous_status == "sent"
    services.withdrawal_approve(withdrawal=withdrawal, reason="同意", by=reviewer)
    withdraw = TaxRecord.objects.get(record_type=RecordType.WITHDRAWAL)
    assert list(exports.queued("110101")) == [withdraw] and withdraw.certificate_no == declared.certificate_no
    assert withdraw.authority == "110101"


@pytest.mark.parametrize("sent", [False, True])
def test_reject_returns_to_the_previous_state_and_keeps_the_certificate(
    employer, employer_user, declared, reviewer, sent
):
    if sent:
        services.declaration_mark_sent(declaration=Declaration.objects.get(), by=None)
    withdrawal = services.withdrawal_request(employer=employer, year=df.YEAR, reason="漏报", by=employer_user)
    services.withdrawal_reject(withdrawal=withdrawal, reason="理由不充分", by=reviewer)
    declaration = Declaration.objects.get()
    assert declaration.status == ("sent" if sent else "declared") and declaration.previous_status == ""
    declared.refresh_from_db()
    assert declared.voided_at is None
    assert Withdrawal.objects.get().state == WithdrawalState.REJECTED
    assert Notice.objects.filter(employer=employer, title__contains="撤回申请未通过").exists()
    assert year_locked(employer, df.YEAR) is True


def test_decisions_need_a_reason_and_a_reviewer_of_the_region(employer, employer_user, declared):
    withdrawal = services.withdrawal_request(employer=employer, year=df.YEAR, reason="漏报", by=employer_user)
    factories.region("310000", "上海市")
    shanghai = factories.reviewer_user("310000")
    with pytest.raises(services.DeclarationError, match="辖区"):
        services.withdrawal_approve(withdrawal=withdrawal, reason="同意", by=shanghai)
    with pytest.raises(services.DeclarationError, match="辖区"):
        services.withdrawal_approve(withdrawal=withdrawal, reason="同意", by=employer_user)
    local = factories.reviewer_user("110101")
    with pytest.raises(services.DeclarationError, match="请填写审核意见"):
        services.withdrawal_reject(withdrawal=withdrawal, reason=" ", by=local)
    assert Withdrawal.objects.get().state == WithdrawalState.PENDING


def test_redeclaring_after_an_approved_withdrawal_makes_a_new_submission(employer, employer_user, declared, reviewer):
    withdrawal = services.withdrawal_request(employer=employer, year=df.YEAR, reason="漏报", by=employer_user)
    services.withdrawal_approve(withdrawal=withdrawal, reason="同意", by=reviewer)
    df.placement(employer, months=range(1, 4))
    second = declare(employer, employer_user)
    assert second.number == 2 and second.certificate_no == "112025000002"
    assert second.verification_code != declared.verification_code
    assert (second.persons, second.confirmed_months) == (2, 15)


def test_mark_sent_refuses_other_states(employer, employer_user, traveller):
    declaration = Declaration.objects.create(employer=employer, year=df.YEAR)
    with pytest.raises(services.DeclarationError, match="不能发送税务部门"):
        services.declaration_mark_sent(declaration=declaration, by=None)


def test_uscc_locks_once_a_result_was_exported(employer, employer_user, declared, tmp_path):
    assert uscc_is_locked(employer) is False
    exports.tax_export(authority="110101", output_dir=tmp_path)
    assert uscc_is_locked(employer) is True
