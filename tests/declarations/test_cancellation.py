"""下载注销业务申请书: the PDF of the unit's application to cancel the year's filing, only for the unit's own declared
year."""

import subprocess

import pytest
from django.urls import reverse

from declarations import services
from tests.factories import declarations as df

pytestmark = pytest.mark.django_db


def url(year: int = df.YEAR) -> str:
    return reverse("declarations:cancellation", kwargs={"year": year})


def _text(pdf: bytes) -> str:
    done = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True)
    return " ".join(done.stdout.decode("utf-8").split())


def test_renders_with_unit_uscc_year_and_figures(employer, employer_client, traveller):
    df.placement(employer, months=range(1, 13), weight=2)
    df.placement(employer, months=range(1, 7))
    submission = services.declaration_declare(employer=employer, year=df.YEAR, by=None)
    year_page = employer_client.get(reverse("declarations:year", kwargs={"year": df.YEAR})).content.decode()
    assert f'href="{url()}"' in year_page and "下载注销业务申请书" in year_page
    response = employer_client.get(url())
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    text = _text(response.content)
    compact = text.replace(" ", "")
    assert "注销业务申请书" in text and employer.name in text and employer.uscc in text
    assert "2025 年度" in text and submission.certificate_no in text
    assert "申报人数（安置确认）2人" in compact and "18个月/30个月" in compact and "实际安排人数2.50人" in compact
    assert submission.issuer in text and "第1页/共1页" in compact


def test_not_before_declaring_nor_for_another_unit(employer, other_employer, employer_client, traveller):
    page = employer_client.get(reverse("declarations:year", kwargs={"year": df.YEAR})).content.decode()
    assert "下载注销业务申请书" not in page
    assert employer_client.get(url()).status_code == 404
    df.placement(other_employer)
    services.declaration_declare(employer=other_employer, year=df.YEAR, by=None)
    assert employer_client.get(url()).status_code == 404
    assert employer_client.post(url()).status_code in (404, 405)


def test_needs_an_employer_login(client, reviewer_client):
    from django.test import Client

    assert Client().get(url()).status_code == 302
    assert reviewer_client.get(url()).status_code == 403
