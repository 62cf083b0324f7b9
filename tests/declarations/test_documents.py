"""The 审核认定书 and the 承诺书: availability by working days, generated once and stored, the text and the layout."""

import subprocess
from pathlib import Path
from unittest import mock

import pytest
from django.urls import reverse

from declarations import document_services, services
from declarations.constants import KIND_CERTIFICATE
from declarations.models import Submission
from tests.factories import declarations as df

pytestmark = pytest.mark.django_db
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _pdftotext(pdf: bytes) -> str:
    done = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True)
    return done.stdout.decode("utf-8")


def _png(pdf: bytes, name: str) -> list[Path]:
    """Render every page at 60 dpi into test-artifacts/ (looked at by a person, see the ADR)."""
    ARTIFACTS.mkdir(exist_ok=True)
    for old in ARTIFACTS.glob(f"{name}-*.png"):
        old.unlink()
    source = ARTIFACTS / f"{name}.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(source), str(ARTIFACTS / name)], check=True)
    return sorted(ARTIFACTS.glob(f"{name}-*.png"))


def _declare(employer, user, persons: int = 3) -> Submission:
    for i in range(persons):
        df.placement(employer, months=range(1, 9) if i % 2 == 0 else range(1, 13), weight=2 if i % 3 == 0 else 1)
    return services.declaration_declare(employer=employer, year=df.YEAR, by=user)


@pytest.mark.parametrize(
    ("declared_at", "before", "available"),
    [
        # before the National Day holiday: 10-01…10-08 off, Saturday 10-10 an adjusted working day
        (df.at(2026, 9, 30, 10, 0), df.at(2026, 10, 9, 23, 59), df.at(2026, 10, 10, 0, 1)),
        # an ordinary week: Monday → Thursday
        (df.at(2026, 11, 23, 9, 0), df.at(2026, 11, 25, 18, 0), df.at(2026, 11, 26, 8, 0)),
    ],
)
def test_certificate_available_from_the_third_working_day(
    employer, employer_user, traveller, declared_at, before, available
):
    from core.models import FilingWindow

    FilingWindow.objects.update_or_create(
        province_code="11",
        business_year=df.YEAR,
        defaults={"opens_on": df.at(2026, 3, 1).date(), "closes_on": df.at(2026, 12, 31).date()},
    )
    traveller.move_to(declared_at)
    submission = _declare(employer, employer_user, persons=1)
    traveller.move_to(before)
    with pytest.raises(services.NotYetAvailable) as info:
        document_services.certificate_issue(submission=submission)
    assert info.value.available_on == available.date()
    assert f"{available:%Y年%m月%d日}" in info.value.message
    traveller.move_to(available)
    stored = document_services.certificate_issue(submission=submission)
    assert stored.kind == KIND_CERTIFICATE and stored.content_type == "application/pdf"


def test_certificate_is_generated_once_and_served_from_storage(employer, employer_user, traveller):
    submission = _declare(employer, employer_user)
    traveller.move_to(df.at(2026, 10, 12, 9, 0))
    with mock.patch("declarations.documents.render_pdf", wraps=document_services.documents.render_pdf) as render:
        first = document_services.certificate_issue(submission=submission)
        second = document_services.certificate_issue(submission=submission)
    assert first == second
    assert render.call_count == 1
    submission.refresh_from_db()
    assert submission.certificate_file == first and submission.certificate_issued_at is not None


def test_certificate_content_and_layout(employer, employer_user, traveller):
    submission = _declare(employer, employer_user, persons=10)
    traveller.move_to(df.at(2026, 10, 12, 9, 0))
    stored = document_services.certificate_issue(submission=submission, base_url="https://wangbao.example.cn/")
    pdf = stored.file.open("rb").read()
    assert pdf.startswith(b"%PDF")
    pages = _png(pdf, "declaration-certificate-10")
    text = _pdftotext(pdf)
    for expected in (
        "残疾人按比例就业情况审核认定书",
        employer.name,
        employer.uscc,
        "2025",
        "东城区残疾人联合会",
        submission.certificate_no,
        submission.verification_code_display,
        "https://wangbao.example.cn/verify/",
        str(submission.actual_employed_2dp),
        "2026 年 10 月 10 日",  # certified on the day it became available
    ):
        assert expected in text, expected
    person = submission.people.first()
    assert person.id_number not in text  # masked in the document
    assert person.id_number[:6] + "********" + person.id_number[-4:] in text
    assert len(pages) == 1  # ten persons fit on one A4 page with the signature and the verification box


def test_certificate_with_many_persons_spans_pages_and_repeats_the_header(employer, employer_user, traveller):
    submission = _declare(employer, employer_user, persons=60)
    traveller.move_to(df.at(2026, 10, 12, 9, 0))
    pdf = document_services.certificate_issue(submission=submission).file.open("rb").read()
    text = _pdftotext(pdf)
    assert text.count("身份证号") >= 2  # the table header on every page
    assert "第2页/共3页" in text.replace(" ", "")
    assert len(_png(pdf, "declaration-certificate-60")) >= 2


def test_commitment_pdf_is_stored_once_and_reads_correctly(employer, employer_user, traveller):
    submission = _declare(employer, employer_user, persons=2)
    stored = document_services.commitment_issue(submission=submission, by=employer_user)
    assert document_services.commitment_issue(submission=submission) == stored
    pdf = stored.file.open("rb").read()
    text = _pdftotext(pdf)
    for expected in (
        "申报资料真实性承诺书",
        employer.name,
        "残疾人参保缴费信息",
        "发放给残疾人的工资信息",
        "已阅读、确认",
    ):
        assert expected in text, expected
    assert _png(pdf, "declaration-commitment")


def test_a_withdrawal_voids_the_certificate_but_keeps_the_file(employer, employer_user, traveller, reviewer):
    submission = _declare(employer, employer_user, persons=1)
    traveller.move_to(df.at(2026, 10, 12, 9, 0))
    stored = document_services.certificate_issue(submission=submission)
    withdrawal = services.withdrawal_request(employer=employer, year=df.YEAR, reason="漏报", by=employer_user)
    services.withdrawal_approve(withdrawal=withdrawal, reason="同意", by=reviewer)
    submission.refresh_from_db()
    assert submission.certificate_file == stored and stored.file.storage.exists(stored.file.name)
    with pytest.raises(services.DeclarationError, match="已撤销"):
        document_services.certificate_issue(
            submission=Submission.objects.create(
                declaration=submission.declaration,
                number=9,
                declared_at=submission.declared_at,
                unit_name="x",
                uscc="x",
                issuer="x",
                federation_region_code="110101",
                tax_authority="110101",
                persons=0,
                registered_months=0,
                confirmed_months=0,
                approved_months=0,
                certificate_no="void-test",
                voided_at=submission.voided_at,
            )
        )
    assert reverse("verify:check", kwargs={"code": submission.verification_code})


def test_the_task_issues_the_due_certificates_only(employer, employer_user, traveller):
    from declarations.tasks import issue_due_certificates

    submission = _declare(employer, employer_user, persons=1)
    assert issue_due_certificates.call() == 0
    traveller.move_to(df.at(2026, 10, 10, 8, 0))
    assert issue_due_certificates.call() == 1
    assert issue_due_certificates.call() == 0
    submission.refresh_from_db()
    assert submission.certificate_file is not None


def test_the_daily_command_issues_the_due_certificates(employer, employer_user, traveller, settings):
    from io import StringIO

    from django.core.management import call_command

    settings.PUBLIC_BASE_URL = "https://wangbao.example.gov.cn"
    submission = _declare(employer, employer_user, persons=1)
    out = StringIO()
    call_command("issue_certificates", stdout=out)
    assert "0 份审核认定书已生成" in out.getvalue()
    traveller.move_to(df.at(2026, 10, 10, 8, 0))
    call_command("issue_certificates", stdout=out)
    assert "1 份审核认定书已生成" in out.getvalue()
    submission.refresh_from_db()
    assert submission.certificate_file is not None
    assert "wangbao.example.gov.cn/verify/" in _pdftotext(submission.certificate_file.file.open().read())
