"""A district reviewer sees only the district (issue 15's 'done when'): the 税务退回 list of 年审申报 (a refused
declaration goes back to the queue of its own district's reviewers only), the statistics page and its export, the
未申报单位 list and the audit trail — one fixture, every page of the region view."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from core import audit
from declarations import receiptfile, services
from declarations.models import ExportBatch
from tests import factories
from tests.declarations.test_tax_receipt import RECEIVED, run, write
from tests.factories import declarations as df
from tests.factories import otp_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_districts(traveller, tmp_path):
    """东城区 and 西城区 (each its own 税务主管部门): one declared unit each, exported, both refused by the tax office;
    one unit of each district not started."""
    factories.region("110101", name="东城区")
    factories.region("110102", name="西城区")
    units = {}
    for code, name in (("110101", "东城"), ("110102", "西城")):
        unit = factories.employer_in(code, name=f"{name}申报有限公司", tax_region=factories.region(code))
        df.placement(unit, months=range(1, 13))
        traveller.shift(60)
        services.declaration_declare(employer=unit, year=df.YEAR, by=None)
        factories.employer_in(code, name=f"{name}未开始有限公司")
        run("export_tax", "--authority", code)
        batch = ExportBatch.objects.get(authority=code)
        rows = [("DECLARE", r.uscc, r.year, r.certificate_no, "REFUSED", "纳税人识别号不符") for r in batch.records()]
        data = receiptfile.render(receiptfile.ReceiptHeader(code, batch.number, batch.sha256, RECEIVED), rows)
        run("import_tax_receipt", write(tmp_path, data, name=f"receipt_{code}.csv"))
        audit.record(actor=None, action="employer.update", obj=unit, reason=f"{name}变更")
        units[code] = unit
    return units


def test_a_district_reviewer_sees_only_the_district_on_every_page(two_districts, client):
    otp_login(client, factories.reviewer_user("110102"))
    refused = client.get(reverse("admin:declarations_declaration_changelist"), {"tax_result": "refused"})
    page = refused.content.decode()
    assert "西城申报有限公司" in page and "东城申报有限公司" not in page and "税务退回：纳税人识别号不符" in page

    statistics = reverse("admin:declarations_statistics")
    page = client.get(statistics, {"year": df.YEAR, "region": "11"}).content.decode()
    table = page.split('data-testid="statistics"')[1]
    assert "西城区" in table and "东城区" not in table
    export = client.get(statistics, {"year": df.YEAR, "region": "110101", "by": "unit", "export": "xlsx"})
    names = [row[0] for row in load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True)]
    assert any("西城申报有限公司" in str(n) for n in names) and not any("东城" in str(n) for n in names)

    unfiled = client.get(reverse("admin:declarations_unfiledunit_changelist"), {"year": df.YEAR}).content.decode()
    assert "西城未开始有限公司" in unfiled and "东城未开始有限公司" not in unfiled

    trail = client.get(reverse("admin:declarations_audit")).content.decode()
    assert "西城变更" in trail and "东城变更" not in trail


def test_a_city_reviewer_sees_both_refusals(two_districts, client):
    otp_login(client, factories.reviewer_user("110000"))
    page = client.get(reverse("admin:declarations_declaration_changelist"), {"tax_result": "refused"}).content.decode()
    assert "西城申报有限公司" in page and "东城申报有限公司" in page
