"""Related-unit proofs (劳务派遣协议 / 关联关系证明): the decision service (employers.review) and its admin page."""

import pytest
from django.urls import reverse

from core.models import AuditEvent
from core.review import AlreadyDecidedError, ReviewError, ReviewScopeError
from employers.models import RelatedUnitProof
from notices.models import Notice
from placements.review import proofs as proof_review
from tests.factories import placement_review as rf
from tests.factories import placements as pf

pytestmark = pytest.mark.django_db
PENDING, APPROVED, REJECTED = (RelatedUnitProof.ReviewState.PENDING, "approved", "rejected")


def proof(employer, **fields) -> RelatedUnitProof:
    unit = pf.related_unit(employer, relation="dispatch_firm", name="北京众诚人力资源服务有限公司")
    data = {"kind": RelatedUnitProof.Kind.DISPATCH_AGREEMENT, "file": rf.stored(employer, pdf=True, name="协议.pdf")}
    data.update(fields)
    return RelatedUnitProof.objects.create(related_unit=unit, **data)


def review_url(obj) -> str:
    return reverse("admin:employers_relatedunitproof_review", args=[obj.pk])


@pytest.fixture
def reviewer(db):
    return rf.reviewer("110000")


@pytest.fixture
def reviewer_client(client, reviewer):
    rf.otp_login(client, reviewer)
    return client


def test_approve_a_proof(employer, reviewer):
    p = proof(employer)
    proof_review.proof_decide(proof=p, decision="approve", by=reviewer)
    p.refresh_from_db()
    assert (p.review_state, p.reviewed_by) == (APPROVED, reviewer)
    assert AuditEvent.objects.filter(action="related_unit.proof_approve", object_id=str(p.pk)).exists()
    notice = Notice.objects.get(employer=employer)
    assert notice.title == '关联单位"北京众诚人力资源服务有限公司"证明材料审核完成通知'
    assert "劳务派遣协议审核通过" in notice.body_text


def test_reject_needs_a_reason(employer, reviewer):
    p = proof(employer)
    with pytest.raises(ReviewError):
        proof_review.proof_decide(proof=p, decision="reject", by=reviewer)
    proof_review.proof_decide(proof=p, decision="reject", reason_code="unclear", reason_text="盖章不清", by=reviewer)
    p.refresh_from_db()
    assert (p.review_state, p.review_reason) == (REJECTED, "材料不清晰：盖章不清")
    assert "材料不清晰：盖章不清" in Notice.objects.get(employer=employer).body_text


def test_decided_or_withdrawn_proofs_are_refused(employer, reviewer):
    p = proof(employer)
    proof_review.proof_decide(proof=p, decision="approve", by=reviewer)
    with pytest.raises(AlreadyDecidedError):
        proof_review.proof_decide(proof=p, decision="reject", reason_code="unclear", by=rf.reviewer("110101"))
    w = proof(employer, withdrawn=True)
    with pytest.raises(ReviewError, match="撤回"):
        proof_review.proof_decide(proof=w, decision="approve", by=reviewer)


def test_out_of_region_reviewer_is_refused(employer):
    p = proof(employer)
    with pytest.raises(ReviewScopeError):
        proof_review.proof_decide(proof=p, decision="approve", by=rf.reviewer("110105"))
    p.refresh_from_db()
    assert p.review_state == PENDING


def test_proof_queue_and_review_page(reviewer_client, employer, other_employer):
    mine, theirs = proof(employer), proof(other_employer)
    decided = proof(employer, review_state=APPROVED)
    response = reviewer_client.get(reverse("admin:employers_relatedunitproof_changelist"))
    assert list(response.context["cl"].result_list) == [mine]  # pending, in scope; decided ones under 「全部」
    everything = reviewer_client.get(reverse("admin:employers_relatedunitproof_changelist"), {"queue": "all"})
    assert set(everything.context["cl"].result_list) == {mine, decided}
    page = reviewer_client.get(review_url(mine))
    assert page.status_code == 200
    html = page.content.decode()
    assert f'<iframe src="{reverse("files:download", args=[mine.file.token])}?inline=1"' in html
    assert reviewer_client.get(review_url(theirs)).status_code == 404


def test_decide_on_the_page(reviewer_client, employer):
    p = proof(employer)
    response = reviewer_client.post(review_url(p), {"target": "proof", "proof-decision": "reject"})
    assert response.status_code == 200 and "必须选择不通过原因" in response.content.decode()
    response = reviewer_client.post(
        review_url(p), {"target": "proof", "proof-decision": "reject", "proof-reason_code": "wrong_month"}
    )
    assert response.status_code == 302
    p.refresh_from_db()
    assert p.review_state == REJECTED
    again = reviewer_client.post(review_url(p), {"target": "proof", "proof-decision": "approve"})
    assert again.status_code == 302  # no longer pending: told so, nothing changes
    p.refresh_from_db()
    assert p.review_state == REJECTED


@pytest.mark.parametrize("n", [1, 50])
def test_proof_pages_bounded_queries(reviewer_client, employer, django_assert_max_num_queries, n):
    proofs = [proof(employer) for _ in range(n)]
    with django_assert_max_num_queries(12):
        assert reviewer_client.get(reverse("admin:employers_relatedunitproof_changelist")).status_code == 200
    with django_assert_max_num_queries(12):
        assert reviewer_client.get(review_url(proofs[0])).status_code == 200
