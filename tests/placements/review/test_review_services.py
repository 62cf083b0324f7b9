"""The review services (placements.review): every decision path, the audit trail, the notice, the scope, and the
employer's counters following at once."""

import pytest

from core.models import AuditEvent
from core.review import APPROVE, REJECT, ReviewScopeError
from notices.models import Notice
from placements.constants import DocumentReview, MonthReview, PlacementStatus
from placements.models import PlacementMonth
from placements.review import services as review
from placements.selectors import placement_list_rows, placement_totals
from tests.factories import placement_review as rf

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer(db):
    return rf.reviewer("110000")


def _states(p) -> dict[int, str]:
    return dict(PlacementMonth.objects.filter(placement=p).values_list("month", "review_state"))


def test_a_pending_placement_is_set_up_as_the_reviewer_sees_it(employer):
    p = rf.pending_placement(employer)
    states = _states(p)
    assert [m for m, s in sorted(states.items()) if s == MonthReview.PENDING] == [202501, 202502, 202503]
    assert PlacementMonth.objects.filter(placement=p, evidence_missing=True).count() == 0
    assert placement_list_rows(employer, 2025).get(pk=p.pk).status == PlacementStatus.PENDING


def test_approve_one_month(employer, reviewer):
    p = rf.pending_placement(employer)
    jan = rf.month(p, 1)
    result = review.month_decide(month_ids=[jan.pk], placement=p, decision=APPROVE, by=reviewer)
    assert result.months == [202501]
    jan.refresh_from_db()
    assert (jan.review_state, jan.decided_by, jan.decision_reason) == (MonthReview.CONFIRMED, reviewer, "")
    assert jan.decided_at is not None
    assert rf.month(p, 2).review_state == MonthReview.PENDING
    event = AuditEvent.objects.get(action="placement.review_approve", object_id=str(p.pk))
    assert event.changes["months"] == [202501]
    assert event.actor == reviewer


def test_reject_without_a_reason_is_refused_and_changes_nothing(employer, reviewer):
    p = rf.pending_placement(employer)
    feb = rf.month(p, 2)
    with pytest.raises(review.ReviewError) as caught:
        review.month_decide(month_ids=[feb.pk], placement=p, decision=REJECT, by=reviewer)
    assert caught.value.field == "reason_code"
    assert "必须选择不通过原因" in caught.value.message
    assert rf.month(p, 2).review_state == MonthReview.PENDING
    assert not Notice.objects.filter(employer=employer).exists()


def test_reject_with_other_needs_free_text(employer, reviewer):
    p = rf.pending_placement(employer)
    with pytest.raises(review.ReviewError) as caught:
        review.month_decide(
            month_ids=[rf.month(p, 2).pk], placement=p, decision=REJECT, reason_code="other", by=reviewer
        )
    assert caught.value.field == "reason_text"


def test_reject_with_a_reason(employer, reviewer):
    p = rf.pending_placement(employer)
    feb = rf.month(p, 2)
    review.month_decide(
        month_ids=[feb.pk],
        placement=p,
        decision=REJECT,
        reason_code="unclear",
        reason_text="参保证明页面模糊",
        by=reviewer,
    )
    feb.refresh_from_db()
    assert feb.review_state == MonthReview.REJECTED
    assert feb.decision_reason == "材料不清晰：参保证明页面模糊"
    event = AuditEvent.objects.get(action="placement.review_reject", object_id=str(p.pk))
    assert event.reason == "材料不清晰：参保证明页面模糊"


def test_each_decision_sends_the_unit_a_notice_with_what_and_why(employer, reviewer):
    p = rf.pending_placement(employer, name="张伟")
    review.month_decide(month_ids=[rf.month(p, 1).pk], placement=p, decision=APPROVE, by=reviewer)
    review.month_decide(
        month_ids=[rf.month(p, 2).pk, rf.month(p, 3).pk],
        placement=p,
        decision=REJECT,
        reason_code="wrong_month",
        by=reviewer,
    )
    notices = list(Notice.objects.filter(employer=employer).order_by("pk"))
    assert [n.title for n in notices] == ['安置人员"张伟"资料审核完成通知'] * 2
    assert "审核通过：2025年1月" in notices[0].body_text
    assert "2025年2月：材料与月份不符" in notices[1].body_text
    assert "2025年3月：材料与月份不符" in notices[1].body_text
    assert p.id_number not in notices[1].body_text  # masked


def test_bulk_all_pending_months(employer, reviewer):
    p = rf.pending_placement(employer)
    result = review.month_decide(month_ids=rf.pending_ids(p), placement=p, decision=APPROVE, by=reviewer)
    assert result.months == [202501, 202502, 202503]
    assert set(_states(p).values()) == {MonthReview.AUTO, MonthReview.CONFIRMED}
    assert Notice.objects.filter(employer=employer).count() == 1


def test_a_month_decided_meanwhile_fails_the_whole_batch(employer, reviewer):
    p = rf.pending_placement(employer)
    ids = rf.pending_ids(p)
    review.month_decide(month_ids=[ids[0]], placement=p, decision=APPROVE, by=rf.reviewer("110000"))
    with pytest.raises(review.AlreadyDecidedError) as caught:
        review.month_decide(month_ids=ids, placement=p, decision=REJECT, reason_code="unclear", by=reviewer)
    assert "2025年1月（审核通过）" in caught.value.message
    assert [rf.month(p, m).review_state for m in (1, 2, 3)] == [
        MonthReview.CONFIRMED,
        MonthReview.PENDING,
        MonthReview.PENDING,
    ]


def test_an_auto_verified_month_cannot_be_decided(employer, reviewer):
    p = rf.pending_placement(employer)
    with pytest.raises(review.ReviewError, match="不在待审核状态"):
        review.month_decide(
            month_ids=[rf.month(p, 6).pk], placement=p, decision=REJECT, reason_code="unclear", by=reviewer
        )


def test_months_of_another_placement_are_refused(employer, reviewer):
    p, q = rf.pending_placement(employer), rf.pending_placement(employer)
    with pytest.raises(review.ReviewError, match="不属于该人员"):
        review.month_decide(month_ids=[rf.month(q, 1).pk], placement=p, decision=APPROVE, by=reviewer)


def test_an_unfinished_registration_cannot_be_decided(employer, reviewer):
    p = rf.pending_placement(employer, submit=False)
    with pytest.raises(review.ReviewError, match="重新登记"):
        review.month_decide(month_ids=[rf.month(p, 1).pk], placement=p, decision=APPROVE, by=reviewer)


def test_months_still_lacking_evidence_cannot_be_decided(employer, reviewer):
    p = rf.pending_placement(employer, with_evidence=False, submit=False)
    type(p).objects.filter(pk=p.pk).update(wizard_completed=True)  # e.g. a recompute turned a month ✗ later
    with pytest.raises(review.ReviewError, match="尚缺证明材料"):
        review.month_decide(month_ids=[rf.month(p, 1).pk], placement=p, decision=APPROVE, by=reviewer)


def test_per_evidence_decides_the_months_it_covers(employer, reviewer):
    p = rf.pending_placement(employer, failing=(1, 2, 3, 4))
    ev = p.evidence.get()
    review.month_decide(month_ids=[rf.month(p, 4).pk], placement=p, decision=APPROVE, by=reviewer)
    result = review.evidence_decide(evidence=ev, decision=REJECT, reason_code="unclear", by=reviewer)
    assert result.months == [202501, 202502, 202503]  # April was decided before and stays confirmed
    assert [rf.month(p, m).review_state for m in (1, 2, 3, 4)] == [MonthReview.REJECTED] * 3 + [MonthReview.CONFIRMED]
    event = AuditEvent.objects.get(action="placement.review_reject", object_id=str(p.pk))
    assert event.changes["evidence"] == ev.pk
    with pytest.raises(review.AlreadyDecidedError):
        review.evidence_decide(evidence=ev, decision=APPROVE, by=reviewer)


def test_withdrawn_evidence_cannot_be_decided_on(employer, reviewer):
    p = rf.pending_placement(employer)
    ev = p.evidence.get()
    ev.withdrawn = True
    ev.save()
    with pytest.raises(review.ReviewError, match="撤回"):
        review.evidence_decide(evidence=ev, decision=APPROVE, by=reviewer)


def test_employer_counters_and_status_follow_at_once(employer, reviewer):
    p = rf.pending_placement(employer)
    before = placement_totals(employer, 2025)
    assert (before["registered"], before["confirmed"], before["rejected"]) == (12, 9, 0)
    assert before["status_pending"] == 1
    review.month_decide(month_ids=[rf.month(p, 1).pk], placement=p, decision=APPROVE, by=reviewer)
    review.month_decide(
        month_ids=[rf.month(p, 2).pk, rf.month(p, 3).pk],
        placement=p,
        decision=REJECT,
        reason_code="not_own_insurance",
        by=reviewer,
    )
    after = placement_totals(employer, 2025)
    assert (after["registered"], after["confirmed"], after["approved"], after["rejected"]) == (12, 10, 20, 2)
    assert after["status_pending"] == 0
    assert after["status_partially_rejected"] == 1
    row = placement_list_rows(employer, 2025).get(pk=p.pk)
    assert (row.n_confirmed, row.n_rejected, row.status) == (10, 2, PlacementStatus.PARTIALLY_REJECTED)


def test_all_approved_reads_approved_manually(employer, reviewer):
    p = rf.pending_placement(employer)
    review.month_decide(month_ids=rf.pending_ids(p), placement=p, decision=APPROVE, by=reviewer)
    assert placement_totals(employer, 2025)["status_approved_manual"] == 1


def test_a_rejected_month_releases_the_person_month(employer, reviewer, other_employer):
    p = rf.pending_placement(employer)
    feb = rf.month(p, 2)
    review.month_decide(month_ids=[feb.pk], placement=p, decision=REJECT, reason_code="unclear", by=reviewer)
    held = PlacementMonth.objects.held().filter(id_number=p.id_number).values_list("month", flat=True)
    assert 202502 not in set(held)


# --- scope ---------------------------------------------------------------------------------------------------------


def test_a_reviewer_of_another_district_is_refused(employer):
    p = rf.pending_placement(employer)  # the unit's 残联主管部门 is 110101
    other_district = rf.reviewer("110102")
    with pytest.raises(ReviewScopeError):
        review.month_decide(month_ids=rf.pending_ids(p), placement=p, decision=APPROVE, by=other_district)
    assert rf.month(p, 1).review_state == MonthReview.PENDING


def test_a_reviewer_of_the_district_may_decide(employer):
    p = rf.pending_placement(employer)
    review.month_decide(month_ids=rf.pending_ids(p)[:1], placement=p, decision=APPROVE, by=rf.reviewer("110101"))
    assert rf.month(p, 1).review_state == MonthReview.CONFIRMED


def test_a_non_reviewer_is_refused(employer, employer_user):
    p = rf.pending_placement(employer)
    with pytest.raises(ReviewScopeError, match="不是审核人员"):
        review.month_decide(month_ids=rf.pending_ids(p), placement=p, decision=APPROVE, by=employer_user)


def test_a_frozen_placement_is_refused(employer, reviewer):
    p = rf.pending_placement(employer)
    type(p).objects.filter(pk=p.pk).update(frozen=True)
    with pytest.raises(review.ReviewError, match="已完成申报"):
        review.month_decide(month_ids=rf.pending_ids(p), placement=p, decision=APPROVE, by=reviewer)


# --- hand-added certificates and dispatch agreements -------------------------------------------------------------


def test_approving_a_hand_certificate_makes_it_count(employer, reviewer):
    p = rf.certificate_pending_placement(employer)
    assert set(_states(p).values()) == {MonthReview.PENDING}
    assert "cert_pending" in rf.month(p, 1).reasons
    cert = p.hand_certificates.get()
    review.hand_certificate_decide(certificate=cert, decision=APPROVE, by=reviewer)
    cert.refresh_from_db()
    assert (cert.review_state, cert.reviewed_by) == (DocumentReview.APPROVED, reviewer)
    # The certificate now counts: every month verifies, so no reviewer is needed for them any more.
    jan = rf.month(p, 1)
    assert (jan.cert_ok, jan.review_state, jan.weight) == (True, MonthReview.AUTO, 2)
    totals = placement_totals(employer, 2025)
    assert (totals["confirmed"], totals["approved"]) == (12, 24)
    assert AuditEvent.objects.filter(action="placement.certificate_approve", object_id=str(p.pk)).exists()
    assert "补录残疾证" in Notice.objects.get(employer=employer).body_text
    with pytest.raises(review.AlreadyDecidedError):
        review.hand_certificate_decide(certificate=cert, decision=REJECT, reason_code="unclear", by=reviewer)


def test_rejecting_a_hand_certificate_needs_a_reason(employer, reviewer):
    p = rf.certificate_pending_placement(employer)
    cert = p.hand_certificates.get()
    with pytest.raises(review.ReviewError):
        review.hand_certificate_decide(certificate=cert, decision=REJECT, by=reviewer)
    review.hand_certificate_decide(
        certificate=cert, decision=REJECT, reason_code="other", reason_text="证号与身份证号不符", by=reviewer
    )
    cert.refresh_from_db()
    assert (cert.review_state, cert.reason) == (DocumentReview.REJECTED, "证号与身份证号不符")
    assert rf.month(p, 1).cert_ok is False


def test_dispatch_agreement_approve_and_reject(employer, reviewer):
    p = rf.dispatch_pending_placement(employer)
    agreement = p.contracts.get()
    review.dispatch_agreement_decide(contract=agreement, decision=APPROVE, by=reviewer)
    agreement.refresh_from_db()
    assert agreement.review_state == DocumentReview.APPROVED
    assert AuditEvent.objects.filter(action="placement.dispatch_agreement_approve").exists()

    q = rf.dispatch_pending_placement(employer)
    agreement = q.contracts.get()
    review.dispatch_agreement_decide(contract=agreement, decision=REJECT, reason_code="contract_short", by=reviewer)
    agreement.refresh_from_db()
    assert (agreement.review_state, agreement.review_reason) == (DocumentReview.REJECTED, "合同期限不足一年")
    jan = rf.month(q, 1)
    assert jan.contract_ok is False and "contract_rejected" in jan.reasons  # the grid follows
    assert Notice.objects.filter(employer=employer, title__contains=q.name).exists()


def test_an_ordinary_contract_is_not_a_dispatch_agreement(employer, reviewer):
    p = rf.pending_placement(employer)
    with pytest.raises(review.ReviewError, match="不是需要审核"):
        review.dispatch_agreement_decide(contract=p.contracts.get(), decision=APPROVE, by=reviewer)


def test_document_decisions_are_scoped_too(employer):
    p = rf.certificate_pending_placement(employer)
    with pytest.raises(ReviewScopeError):
        review.hand_certificate_decide(
            certificate=p.hand_certificates.get(), decision=APPROVE, by=rf.reviewer("310000")
        )


def test_superuser_reviews_everywhere(employer, admin_user):
    p = rf.pending_placement(employer)
    review.month_decide(month_ids=rf.pending_ids(p), placement=p, decision=APPROVE, by=admin_user)
    assert rf.month(p, 2).review_state == MonthReview.CONFIRMED


def test_reviewer_group_has_the_review_permissions(db):
    user = rf.reviewer("110000")
    assert user.has_perm("placements.view_placement")
    assert user.has_perm(review.DECIDE_PERMISSION)
    assert user.has_perm("employers.change_relatedunitproof")
    # Idempotent: ensuring again adds nothing and removes nothing.
    from employers.services import reviewer_group_ensure

    group = reviewer_group_ensure()
    n = group.permissions.count()
    assert reviewer_group_ensure().permissions.count() == n


def test_the_demo_reviewer_may_review(db):
    from datetime import date

    from devdata.accounts import DEMO_REVIEWER, ensure_demo_accounts
    from tests import factories

    factories.region("110105")
    ctx = ensure_demo_accounts(today=date(2026, 5, 1))
    assert ctx["reviewer"].get_username() == DEMO_REVIEWER[0]
    assert ctx["reviewer"].has_perm(review.DECIDE_PERMISSION)
    assert ctx["reviewer"].has_perm("employers.change_relatedunitproof")


def test_a_pending_dispatch_agreement_keeps_the_placement_pending_until_decided(employer, employer_user, reviewer):
    """The manual's 待审核 names 劳务派遣协议 first: months that verify do not make the placement 审核通过 while its
    agreement waits, and 完成申报 is blocked by it (SQL and Python status agree)."""
    from declarations.services import declaration_blockers
    from placements.registration.selectors import placement_with_status

    p = rf.dispatch_pending_placement(employer)
    assert set(_states(p).values()) == {MonthReview.AUTO}
    assert placement_list_rows(employer, 2025)[0].status == PlacementStatus.PENDING
    assert placement_with_status(employer, p.pk).status == PlacementStatus.PENDING
    assert placement_totals(employer, 2025)["status_pending"] == 1
    assert [name for name, _, _ in declaration_blockers(employer, 2025)] == [p.name]

    review.dispatch_agreement_decide(contract=p.contracts.get(), decision=APPROVE, by=reviewer)
    assert placement_list_rows(employer, 2025)[0].status == PlacementStatus.APPROVED_SYSTEM
    assert placement_with_status(employer, p.pk).status == PlacementStatus.APPROVED_SYSTEM
    assert declaration_blockers(employer, 2025) == []
