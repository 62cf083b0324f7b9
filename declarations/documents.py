"""The two documents of a declaration, rendered with ``core.pdf`` (WeasyPrint, A4, embedded CJK fonts):

- 审核认定书 (``pdf/declarations/certificate.html``): issuing 残联, unit, USCC, year, 安置确认 / 安置核定 months,
  实际安排人数, the persons (masked IDs), the certification date, the certificate number, the verification code and
  a QR code of the public verification URL;
- 申报资料真实性承诺书 (``pdf/declarations/commitment.html``): what the clerk confirmed at 完成申报;
- 注销业务申请书 (``pdf/declarations/cancellation.html``): the unit's application to the issuing 残联 to cancel
  (注销) the year's filing — the declared result, a space for the reason, the unit's seal and signatures. It is a form
  to be filled in by hand and nothing is issued with it, so it is rendered on each download and not stored.

Everything comes from the Submission snapshot, so a document rendered today equals one rendered at declaration time.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from core.masking import mask_number
from core.pdf import qr_svg, render_pdf
from declarations.models import Submission, SubmissionPerson
from declarations.months import months_label

# The six kinds of information the 承诺书 vouches for (the seed manual's 第六步).
COMMITMENT_ITEMS = (
    "用人单位信息",
    "{year}年安排就业的残疾人员信息",
    "残疾人证 / 残疾军人证信息",
    "劳动合同 / 劳务派遣协议信息",
    "残疾人参保缴费信息",
    "发放给残疾人的工资信息",
)


def commitment_items(year: int) -> list[str]:
    return [item.format(year=year) for item in COMMITMENT_ITEMS]


def verify_url(code: str, base_url: str = "") -> str:
    base = (base_url or getattr(settings, "PUBLIC_BASE_URL", "") or "http://localhost:8000").rstrip("/")
    return base + reverse("verify:check", kwargs={"code": code})


def person_rows(people: list[SubmissionPerson]) -> list[dict]:
    return [
        {
            "position": p.position,
            "name": p.name,
            "id_masked": mask_number(p.id_number),
            "cert_masked": mask_number(p.cert_no),
            "months": months_label(p.months),
            "confirmed": p.confirmed_months,
            "approved": p.approved_months,
            "weight": p.weight,
        }
        for p in people
    ]


def certificate_context(
    submission: Submission, people: list[SubmissionPerson], *, certified_on: date, base_url: str = ""
) -> dict:
    year = submission.declaration.year
    url = verify_url(submission.verification_code, base_url)
    return {
        "title": f"{year}年度残疾人按比例就业情况审核认定书",
        "s": submission,
        "year": year,
        "rows": person_rows(people),
        "actual_employed": submission.actual_employed_2dp,
        "declared_on": timezone.localdate(submission.declared_at),
        "certified_on": certified_on,
        "verify_url": url,
        "verify_code": submission.verification_code_display,
        "qr": qr_svg(url, size_mm=28, label="审核认定书核验二维码"),
    }


def commitment_context(submission: Submission, people: list[SubmissionPerson]) -> dict:
    year = submission.declaration.year
    return {
        "title": f"{year}年度申报资料真实性承诺书",
        "s": submission,
        "year": year,
        "rows": person_rows(people),
        "items": commitment_items(year),
        "declared_at": timezone.localtime(submission.declared_at),
    }


def render_certificate(submission: Submission, people: list[SubmissionPerson], **kwargs) -> bytes:
    return render_pdf("pdf/declarations/certificate.html", certificate_context(submission, people, **kwargs))


def render_commitment(submission: Submission, people: list[SubmissionPerson]) -> bytes:
    return render_pdf("pdf/declarations/commitment.html", commitment_context(submission, people))


def cancellation_context(submission: Submission, *, today: date) -> dict:
    year = submission.declaration.year
    return {
        "title": f"{year}年度按比例安排残疾人就业年审注销业务申请书",
        "s": submission,
        "year": year,
        "declared_on": timezone.localdate(submission.declared_at),
        "today": today,
    }


def render_cancellation(submission: Submission, *, today: date) -> bytes:
    return render_pdf("pdf/declarations/cancellation.html", cancellation_context(submission, today=today))
