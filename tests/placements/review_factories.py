"""Placements waiting for a reviewer, built with the engine's services (tests/placements/test_review*.py,
test_admin*.py, tests/e2e/test_review_journey.py)."""

from __future__ import annotations

import io
from datetime import date

import pikepdf
from django.core.files.uploadedfile import SimpleUploadedFile
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from PIL import Image

from core.uploads import store_upload
from employers.services import reviewer_group_ensure
from placements.constants import DocumentReview
from placements.models import Evidence, HandCertificate, Placement, PlacementMonth
from placements.services import grid_recompute, months_evidence_record, months_select, placement_submit
from tests import factories
from tests.placements import factories as pf

YEAR = pf.YEAR


def png_upload(name: str = "工资证明.png", color=(30, 120, 200)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (60, 40), color).save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def pdf_upload(name: str = "社保参保证明.pdf") -> SimpleUploadedFile:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    out = io.BytesIO()
    pdf.save(out)
    return SimpleUploadedFile(name, out.getvalue(), content_type="application/pdf")


def stored(employer, *, pdf: bool = False, name: str | None = None, kind: str = "placement_evidence"):
    upload = pdf_upload(name or "证明.pdf") if pdf else png_upload(name or "证明.png")
    return store_upload(uploaded_file=upload, kind=kind, employer=employer)


def evidence(p: Placement, kind: str, months: list[int], *, pdf: bool = False, by=None) -> Evidence:
    """An upload covering ``months`` for ``kind`` (a check code), recorded as the wizard records it."""
    ev = Evidence.objects.create(
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
    data = {
        "cert_no": f"{p.id_number}42",
        "cert_type": "残疾人证",
        "valid_from": date(p.year - 1, 1, 1),
        "valid_to": date(p.year + 4, 12, 31),
        "grade": 2,
        "category": 4,
        "image": stored(p.employer, name="残疾证.png", kind="placement_certificate"),
        "review_state": DocumentReview.PENDING,
    }
    data.update(fields)
    return HandCertificate.objects.create(placement=p, **data)


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
    factories.region(region_code)
    user = factories.reviewer_user(region_code, **kwargs)
    user.groups.add(reviewer_group_ensure())
    return user


def otp_login(client, user) -> None:
    """Sign ``user`` in to the admin with a confirmed TOTP device and a verified session."""
    device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def submitted_on(p: Placement, day: date) -> Placement:
    from datetime import datetime, time

    from django.utils import timezone

    Placement.objects.filter(pk=p.pk).update(submitted_at=timezone.make_aware(datetime.combine(day, time(10))))
    p.refresh_from_db()
    return p


def employer_in(region_code: str, **fields):
    """A unit whose 残联主管部门 is ``region_code``."""
    return factories.employer(region_code=region_code, **fields)
