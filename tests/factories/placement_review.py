"""Placements waiting for a reviewer, built with the engine's services (the review, admin and browser tests)."""

from __future__ import annotations

from datetime import date, datetime, time

from django.utils import timezone

from employers.services import reviewer_group_ensure
from placements.constants import DocumentReview
from placements.grid.recompute import grid_recompute
from placements.grid.services import months_evidence_record, months_select, placement_submit
from placements.models import Evidence, HandCertificate, Placement, PlacementMonth
from tests.factories import placements as pf
from tests.factories.core import region, stored
from tests.factories.employers import employer_in as employer_in
from tests.factories.employers import otp_login as otp_login
from tests.factories.employers import reviewer_user
from tests.factories.files import pdf_upload as pdf_upload
from tests.factories.files import png_upload as png_upload
from tests.factories.placements import EvidenceFactory, HandCertificateFactory

YEAR = pf.YEAR


def evidence(p: Placement, kind: str, months: list[int], *, pdf: bool = False, by=None) -> Evidence:
    """An upload covering ``months`` for ``kind`` (a check code), recorded as the wizard records it."""
    ev = EvidenceFactory(
        placement=p,
        kind=kind,
        months=months,
        file=stored(p.employer, pdf=pdf, name=f"{kind}.{'pdf' if pdf else 'png'}"),
    )
    months_evidence_record(placement=p, months=months, checks=[kind], by=by)
    return ev


def pending_placement(
    employer,
    *,
    failing: tuple[int, ...] = (1, 2, 3),
    check: str = "pension",
    with_evidence: bool = True,
    submit: bool = True,
    pdf: bool = False,
    **fields,
) -> Placement:
    """A placement whose months ``failing`` (1–12) fail ``check`` (pension or medical, by missing contributions),
    every month registered; with evidence, submitted: the failing months await review."""
    p = pf.placement(employer, **fields)
    pf.contract(p)
    pf.registry_cert(p.id_number)
    ok = [m for m in range(1, 13) if m not in failing]
    pf.monthly_facts(p.id_number, employer.uscc, year=p.year, months=ok)
    if failing:
        pf.monthly_facts(
            p.id_number,
            employer.uscc,
            year=p.year,
            months=failing,
            pension=check != "pension",
            medical=check != "medical",
        )
    grid_recompute(placement=p)
    months_select(placement=p, months=[p.year * 100 + m for m in range(1, 13)], by=None)
    if with_evidence and failing:
        evidence(p, check, [p.year * 100 + m for m in failing], pdf=pdf)
    if submit:
        placement_submit(placement=p, by=None)
    p.refresh_from_db()
    return p


def pending_ids(p: Placement) -> list[int]:
    return list(
        PlacementMonth.objects.filter(placement=p, review_state="pending")
        .order_by("month")
        .values_list("pk", flat=True)
    )


def month(p: Placement, m: int) -> PlacementMonth:
    return PlacementMonth.objects.get(placement=p, month=p.year * 100 + m)


def hand_certificate(p: Placement, **fields) -> HandCertificate:
    """A hand-added 二级 certificate of ``p`` with its image, awaiting review."""
    fields.setdefault("image", stored(p.employer, name="残疾证.png", kind="placement_certificate"))
    return HandCertificateFactory(placement=p, review_state=DocumentReview.PENDING, **fields)


def certificate_pending_placement(employer, **fields) -> Placement:
    """No registry certificate, a hand-added one awaiting review: every month fails 残疾证状态 (补录残疾证待审核);
    all twelve registered with the certificate image as evidence and submitted."""
    p = pf.placement(employer, **fields)
    pf.contract(p)
    pf.monthly_facts(p.id_number, employer.uscc, year=p.year)
    hand_certificate(p)
    grid_recompute(placement=p)
    months = [p.year * 100 + m for m in range(1, 13)]
    months_select(placement=p, months=months, by=None)
    evidence(p, "cert", months)
    placement_submit(placement=p, by=None)
    p.refresh_from_db()
    return p


def dispatch_pending_placement(employer, **fields) -> Placement:
    """A dispatched person whose every month verifies, with the dispatch agreement awaiting review."""
    p = pf.placement(employer, **fields)
    firm = pf.related_unit(employer, relation="dispatch_firm", name="北京众诚人力资源服务有限公司")
    pf.contract(
        p,
        is_dispatched=True,
        contract_type="dispatch",
        dispatch_unit=firm,
        contract_file=stored(employer, pdf=True, name="劳务派遣协议.pdf", kind="placement_contract"),
        review_state=DocumentReview.PENDING,
    )
    pf.registry_cert(p.id_number)
    pf.monthly_facts(p.id_number, employer.uscc, year=p.year)
    grid_recompute(placement=p)
    months_select(placement=p, months=[p.year * 100 + m for m in range(1, 13)], by=None)
    placement_submit(placement=p, by=None)
    p.refresh_from_db()
    return p


def reviewer(region_code: str = "110000", **kwargs):
    """A reviewer of ``region_code`` in the 审核人员 group (with the review permissions)."""
    region(region_code)
    user = reviewer_user(region_code, **kwargs)
    user.groups.add(reviewer_group_ensure())
    return user


def submitted_on(p: Placement, day: date) -> Placement:
    Placement.objects.filter(pk=p.pk).update(submitted_at=timezone.make_aware(datetime.combine(day, time(10))))
    p.refresh_from_db()
    return p


def queued(response) -> list[Placement]:
    """The placements of a review-queue page, in order: its rows are tuples (placements.review.queue.QueueItem);
    ``Placement(pk=…)`` compares equal to the placement."""
    return [Placement(pk=item.pk) for item in response.context["cl"].result_list]
