"""批量导入 end to end through the pages: template, upload, report, confirm, result; re-upload; corrected file."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from core.models import AuditEvent
from placements.bulk.models import BulkImport, BulkImportedPlacement
from placements.constants import MonthReview
from placements.models import Contract, Placement, PlacementMonth
from tests.factories import related_unit
from tests.factories.feeds import monthly_facts, registry_cert, registry_person
from tests.factories.placements import min_wage
from tests.placements.bulk.conftest import contract, person, person_id, upload

pytestmark = pytest.mark.django_db


def _upload(client, year, data):
    return client.post(f"{reverse('placements:bulk_upload')}?year={year}", {"file": upload(data)})


def test_template_has_the_sheets_lists_and_year(employer_client, employer, year):
    related_unit(employer, relation="dispatch_firm", name="北京人力派遣有限公司")
    response = employer_client.get(f"{reverse('placements:bulk_template')}?year={year}")
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames[:3] == ["填写说明", "人员信息", "合同信息"]
    assert wb["选项"].sheet_state == "hidden"
    assert str(year) in wb.properties.keywords
    assert wb["填写说明"]["B1"].value == str(year)
    headers = [c.value for c in wb["合同信息"][1]]
    assert "劳务派遣单位" in headers and "身份证号*" in headers
    lists = [dv.sqref for dv in wb["合同信息"].data_validations.dataValidation]
    assert len(lists) >= 7  # 是否劳务派遣, 关联单位关系, 合同类型, 派遣单位, three paying units
    options = [c.value for c in wb["选项"]["A"]] + [c.value for row in wb["选项"].iter_rows() for c in row]
    assert "北京人力派遣有限公司" in options
    example = [c.value for c in wb["填写说明"][13]]
    assert "110101199003071234" in example


def test_upload_report_confirm_and_result(employer_client, employer, year, make_file):
    min_wage("11", "2420.00")
    good = person_id(1)
    registry_person(good, name="李娜")  # the registry's name wins over the typed one
    registry_cert(good, grade=2)
    monthly_facts(good, employer.uscc, year=year)
    needs_evidence = person_id(2)
    registry_cert(needs_evidence, grade=3)
    monthly_facts(needs_evidence, employer.uscc, year=year, months=range(1, 7))
    bad = person_id(3)[:-1] + ("0" if person_id(3)[-1] != "0" else "1")
    data = make_file(
        [person(good, name="李四"), person(needs_evidence, name="王芳"), person(bad, name="赵六")],
        [contract(good), contract(needs_evidence), contract(bad)],
    )
    response = _upload(employer_client, year, data)
    batch = BulkImport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("placements:bulk_report", args=[batch.pk])
    assert batch.status == BulkImport.Status.CHECKED
    page = employer_client.get(response["Location"]).content.decode()
    assert "身份证号码校验位不正确" in page
    assert "表格填写“李四”，残疾人基础库为“李娜”" in page
    assert batch.report["counts"]["new"] == 2 and batch.report["counts"]["bad_persons"] == 1
    assert not Placement.objects.exists()  # nothing written before 确认导入

    response = employer_client.post(reverse("placements:bulk_confirm", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == BulkImport.Status.DONE, batch.message
    assert batch.result["created"] == 2 and batch.result["auto"] == 1 and batch.result["evidence"] == 1
    auto = Placement.objects.get(id_number=good)
    assert auto.name == "李娜" and auto.wizard_completed
    assert PlacementMonth.objects.filter(placement=auto, review_state=MonthReview.AUTO, held=True).count() == 12
    events = AuditEvent.objects.filter(action="placement.bulk_import", object_id=str(auto.pk))
    assert [(e.changes["outcome"], e.actor_id) for e in events] == [("auto", batch.created_by_id)]
    waiting = Placement.objects.get(id_number=needs_evidence)
    assert not waiting.wizard_completed and waiting.wizard_step == 2
    page = employer_client.get(reverse("placements:bulk_report", args=[batch.pk])).content.decode()
    assert "2025年7月" in page or f"{year}年7月" in page
    assert reverse("placements:step2", args=[waiting.pk]) in page

    # The same file again: nothing to import, nothing changes.
    _upload(employer_client, year, data)
    again = BulkImport.objects.order_by("-pk").first()
    assert again.report["counts"]["unchanged"] == 2 and again.report["counts"]["new"] == 0
    assert employer_client.post(reverse("placements:bulk_confirm", args=[again.pk])).status_code == 302
    again.refresh_from_db()
    assert again.status == BulkImport.Status.CHECKED
    assert Placement.objects.count() == 2

    # A corrected file: the bad row fixed, one contract changed → one new, one updated.
    data = make_file(
        [person(good, name="李四"), person(needs_evidence, name="王芳"), person(person_id(3), name="赵六")],
        [contract(good), contract(needs_evidence, job="质检员"), contract(person_id(3))],
    )
    _upload(employer_client, year, data)
    fixed = BulkImport.objects.order_by("-pk").first()
    assert fixed.report["counts"] | {} and fixed.report["counts"]["new"] == 1
    assert fixed.report["counts"]["changed"] == 1 and fixed.report["counts"]["unchanged"] == 1
    employer_client.post(reverse("placements:bulk_confirm", args=[fixed.pk]))
    fixed.refresh_from_db()
    assert fixed.status == BulkImport.Status.DONE, fixed.message
    assert Placement.objects.count() == 3
    assert list(Contract.objects.filter(placement=waiting).values_list("job", flat=True)) == ["质检员"]
    assert BulkImportedPlacement.objects.count() == 3


def test_marked_workbook_marks_the_bad_cells(employer_client, year, make_file):
    bad = "11010119850615001"  # 17 characters
    data = make_file([person(bad)], [contract(person_id(1), start="2024-13-01")])
    _upload(employer_client, year, data)
    batch = BulkImport.objects.get()
    response = employer_client.get(reverse("placements:bulk_marked", args=[batch.pk]))
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    persons = wb["人员信息"]
    headers = [c.value for c in persons[1]]
    assert headers[-1] == "错误说明"
    assert "身份证号" in persons.cell(row=2, column=len(headers)).value
    assert persons["A2"].fill.fgColor.rgb.endswith("FFC7CE")
    contracts = wb["合同信息"]
    note = contracts.cell(row=2, column=[c.value for c in contracts[1]].index("错误说明") + 1).value
    assert "日期不存在" in note


def test_another_units_import_is_404(client, other_employer, employer_client, year, make_file):
    from tests.factories import employer_user

    _upload(employer_client, year, make_file([person(person_id(1))], [contract(person_id(1))]))
    batch = BulkImport.objects.get()
    client.force_login(employer_user(other_employer))
    for name in ("placements:bulk_report", "placements:bulk_marked"):
        assert client.get(reverse(name, args=[batch.pk])).status_code == 404
    assert client.post(reverse("placements:bulk_confirm", args=[batch.pk])).status_code == 404


def test_the_marked_workbook_corrected_can_be_uploaded_again(employer_client, year, make_file):
    number = person_id(1)
    _upload(employer_client, year, make_file([person(number, phone="123")], [contract(number)]))
    batch = BulkImport.objects.get()
    marked = load_workbook(io.BytesIO(employer_client.get(reverse("placements:bulk_marked", args=[batch.pk])).content))
    marked["人员信息"]["E2"] = "13800138000"  # 联系电话 corrected; the 错误说明 column stays
    out = io.BytesIO()
    marked.save(out)
    _upload(employer_client, year, out.getvalue())
    again = BulkImport.objects.order_by("-pk").first()
    assert again.status == BulkImport.Status.CHECKED, again.message
    assert again.report["counts"]["problems"] == 0 and again.report["counts"]["new"] == 1
