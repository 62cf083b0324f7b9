"""Issue 17: a month with no certificate known (无残疾证信息) approved on a certificate shown as evidence counts with
the weight of the grade the reviewer records; the set-based recompute keeps it."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent
from core.review import APPROVE, REJECT
from dashboard import selectors as dashboard
from placements.constants import MonthReview
from placements.grid.recompute import grid_recompute, grid_recompute_many
from placements.grid.services import months_select, placement_submit
from placements.models import Placement, PlacementMonth
from placements.review import services as review
from placements.review.forms import MonthsDecisionForm
from placements.selectors import placement_totals
from tests.factories import placement_review as rf
from tests.factories import placements as pf

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer(db):
    return rf.reviewer("110000")


def _without_certificate(employer) -> Placement:
    """Every check passes but the certificate one (no certificate known: cert_none); a 残疾证件 upload covers the
    year, submitted: the twelve months await review."""
    p = pf.placement(employer)
    pf.contract(p)
    pf.monthly_facts(p.id_number, employer.uscc, year=p.year, months=list(range(1, 13)))
    grid_recompute(placement=p)
    months = [p.year * 100 + m for m in range(1, 13)]
    months_select(placement=p, months=months, by=None)
    rf.evidence(p, "cert", months)
    placement_submit(placement=p, by=None)
    p.refresh_from_db()
    return p


def test_the_months_have_no_certificate_and_the_base_weight(employer):
    p = _without_certificate(employer)
    jan = rf.month(p, 1)
    assert (jan.review_state, jan.reasons, jan.weight, jan.cert_type) == (MonthReview.PENDING, "cert_none", 1, "")
    assert review.needs_recorded_certificate(jan)


def test_approving_without_the_certificate_is_refused(employer, reviewer):
    p = _without_certificate(employer)
    with pytest.raises(review.ReviewError) as caught:
        review.month_decide(month_ids=[rf.month(p, 1).pk], placement=p, decision=APPROVE, by=reviewer)
    assert caught.value.field == "cert_type"
    with pytest.raises(review.ReviewError) as caught:
        review.month_decide(
            month_ids=[rf.month(p, 1).pk], placement=p, decision=APPROVE, cert_type="残疾人证", by=reviewer
        )
    assert caught.value.field == "cert_grade"
    with pytest.raises(review.ReviewError) as caught:
        review.month_decide(
            month_ids=[rf.month(p, 1).pk],
            placement=p,
            decision=APPROVE,
            cert_type="残疾人证",
            cert_grade=5,
            by=reviewer,
        )
    assert caught.value.field == "cert_grade"
    assert rf.month(p, 1).review_state == MonthReview.PENDING


def test_rejecting_needs_no_certificate(employer, reviewer):
    p = _without_certificate(employer)
    review.month_decide(month_ids=[rf.month(p, 1).pk], placement=p, decision=REJECT, reason_code="unclear", by=reviewer)
    assert rf.month(p, 1).review_state == MonthReview.REJECTED


def test_approved_with_grade_one_weighs_two_everywhere_and_a_recompute_keeps_it(employer, reviewer):
    p = _without_certificate(employer)
    jan, feb = rf.month(p, 1), rf.month(p, 2)
    review.month_decide(
        month_ids=[jan.pk, feb.pk],
        placement=p,
        decision=APPROVE,
        cert_type="残疾人证",
        cert_grade=1,
        by=reviewer,
    )
    jan.refresh_from_db()
    assert (jan.review_state, jan.cert_type, jan.cert_grade, jan.cert_no, jan.weight) == (
        MonthReview.CONFIRMED,
        "残疾人证",
        1,
        "",
        2,
    )
    event = AuditEvent.objects.get(action="placement.review_approve", object_id=str(p.pk))
    assert event.changes["certificate"] == {
        "cert_type": "残疾人证",
        "cert_grade": 1,
        "weight": 2,
        "months": [202501, 202502],
    }

    def figures():
        totals = placement_totals(employer, 2025)
        home = dashboard.home_page(employer=employer, requested_year=2025, today=date(2026, 9, 30), now=timezone.now())
        return totals["confirmed"], totals["approved"], home.figures.confirmed, home.figures.approved

    assert figures() == (2, 4, 2, 4)

    grid_recompute(placement=p)
    grid_recompute_many(placements_qs=Placement.objects.filter(pk=p.pk))
    jan.refresh_from_db()
    assert (jan.cert_type, jan.cert_grade, jan.weight, jan.review_state) == ("残疾人证", 1, 2, MonthReview.CONFIRMED)
    assert figures() == (2, 4, 2, 4)
    # a month still pending keeps the base weight
    assert rf.month(p, 3).weight == 1


def test_a_recompute_leaves_an_unchanged_reviewed_month_alone(employer, reviewer):
    p = _without_certificate(employer)
    jan = rf.month(p, 1)
    review.month_decide(
        month_ids=[jan.pk], placement=p, decision=APPROVE, cert_type="残疾军人证", cert_grade=3, by=reviewer
    )
    before = PlacementMonth.objects.get(pk=jan.pk).updated_at
    grid_recompute(placement=p)
    jan.refresh_from_db()
    assert (jan.cert_grade, jan.weight, jan.updated_at) == (3, 2, before)


def test_once_the_facts_know_a_certificate_its_weight_wins(employer, reviewer):
    p = _without_certificate(employer)
    jan = rf.month(p, 1)
    review.month_decide(
        month_ids=[jan.pk], placement=p, decision=APPROVE, cert_type="残疾人证", cert_grade=1, by=reviewer
    )
    pf.registry_cert(p.id_number, grade=3)
    grid_recompute(placement=p)
    jan.refresh_from_db()
    assert (jan.cert_grade, jan.weight, jan.review_state) == (3, 1, MonthReview.CONFIRMED)
    assert jan.cert_no != ""


def _form(data, needs_cert):
    return MonthsDecisionForm(
        {f"m-{k}": v for k, v in data.items()}, prefix="m", pending=[(1, "1月"), (2, "2月")], needs_cert=needs_cert
    )


def test_the_form_requires_the_certificate_beside_its_fields_when_approving_such_a_month():
    form = _form({"only": "1:approve"}, frozenset({1}))
    assert not form.is_valid()
    assert "残疾证类型" in form.errors["cert_type"][0]
    assert "残疾等级" in form.errors["cert_grade"][0]
    assert _form({"only": "2:approve"}, frozenset({1})).is_valid()
    assert _form({"only": "1:reject", "reason_code": "unclear"}, frozenset({1})).is_valid()
    ok = _form({"only": "1:approve", "cert_type": "残疾人证", "cert_grade": "2"}, frozenset({1}))
    assert ok.is_valid(), ok.errors
    assert (ok.cleaned_data["cert_type"], ok.cleaned_data["cert_grade"]) == ("残疾人证", 2)


def test_the_review_page_asks_for_the_certificate_and_stores_it(client, employer, reviewer):
    rf.otp_login(client, reviewer)
    p = _without_certificate(employer)
    url = reverse("admin:placements_placement_review", args=[p.pk])
    html = client.get(url).content.decode()
    assert 'name="m-cert_type"' in html and 'name="m-cert_grade"' in html
    jan = rf.month(p, 1)
    response = client.post(url, {"target": "months", "m-only": f"{jan.pk}:approve"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_m-cert_type_error"' in html and "请按证明材料选择残疾证类型" in html
    assert rf.month(p, 1).review_state == MonthReview.PENDING
    response = client.post(
        url, {"target": "months", "m-only": f"{jan.pk}:approve", "m-cert_type": "残疾人证", "m-cert_grade": "1"}
    )
    assert response.status_code == 302
    jan.refresh_from_db()
    assert (jan.review_state, jan.cert_grade, jan.weight) == (MonthReview.CONFIRMED, 1, 2)


def test_the_review_page_does_not_show_the_certificate_fields_when_a_certificate_is_known(client, employer, reviewer):
    rf.otp_login(client, reviewer)
    p = rf.pending_placement(employer)
    html = client.get(reverse("admin:placements_placement_review", args=[p.pk])).content.decode()
    assert 'name="m-cert_type"' not in html
