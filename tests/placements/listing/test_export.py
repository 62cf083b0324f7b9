"""导出 (issue 13): the list of a year as filtered to .xlsx — masked IDs by default, full IDs only with a stated and
audited reason, the month grid sheet, the totals sheet equal to the list's header; bounded queries."""

import io
from datetime import date

import pytest
from django.core.cache import cache
from django.urls import reverse
from openpyxl import load_workbook

from core.masking import mask_number
from core.models import AuditEvent
from placements.grid.checks import CHECK_LABELS, CHECKS
from placements.listing.export import SHEET_GRID, SHEET_PERSONS, SHEET_TOTALS, write_placements_workbook
from placements.listing.selectors import list_header
from placements.models import PlacementMonth
from tests.factories import placements as pf
from tests.placements.listing.test_views_list import with_months

pytestmark = pytest.mark.django_db
URL = reverse("placements:export")
FULL_URL = reverse("placements:export_full")
TODAY = date(2026, 11, 28)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def _book(data: bytes):
    return load_workbook(io.BytesIO(data), read_only=True)


def _rows(book, sheet: str) -> list[tuple]:
    return [tuple(r) for r in book[sheet].iter_rows(values_only=True)]


def _totals(book) -> dict:
    return {label: value for label, value in _rows(book, SHEET_TOTALS) if label}


@pytest.fixture
def staff(employer):
    return {
        "auto": with_months(employer, ["auto"] * 12, name="张系统"),
        "mixed": with_months(employer, ["auto", "pending", "rejected"], name="孙待审"),
        "draft": with_months(employer, ["none"] * 12, completed=False, name="周待完善"),
    }


def test_export_masks_ids_and_has_the_three_sheets(employer_client, staff):
    response = employer_client.get(URL, {"year": 2025})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response["Content-Disposition"] and ".xlsx" in response["Content-Disposition"]
    book = _book(b"".join(response.streaming_content))
    assert book.sheetnames == [SHEET_PERSONS, SHEET_GRID, SHEET_TOTALS]

    persons = _rows(book, SHEET_PERSONS)
    assert persons[0][:4] == ("序号", "姓名", "身份证号", "残疾证号")
    by_name = {row[1]: row for row in persons[1:]}
    assert set(by_name) == {"张系统", "孙待审", "周待完善"}
    p = staff["mixed"]
    row = by_name["孙待审"]
    assert row[2] == mask_number(p.id_number) and "*" in row[2]
    assert row[3] == mask_number(f"{p.id_number}42")
    assert row[4:8] == (3, 1, 2, 1)  # registered, confirmed, approved (weight 2), rejected
    assert row[8] == "待审核"
    assert by_name["张系统"][8] == "✓ 已审核确认（系统）"
    for person in staff.values():  # no full number anywhere in the file
        for sheet in book.sheetnames:
            assert not any(person.id_number in str(v) for r in _rows(book, sheet) for v in r)


def test_grid_sheet_has_every_month_with_checks_and_reasons(employer_client, employer):
    p = with_months(employer, ["auto"] * 12, name="王核验")
    PlacementMonth.objects.filter(placement=p).update(
        wage_ok=True, pension_ok=True, medical_ok=True, cert_ok=True, age_ok=True, contract_ok=True, verified=True
    )
    PlacementMonth.objects.filter(placement=p, month=202503).update(
        wage_ok=False, verified=False, reasons="wage_below_min", review_state="pending"
    )
    PlacementMonth.objects.filter(placement=p, month=202504).update(
        taken_elsewhere=True, verified=False, reasons="taken_elsewhere", selected=False, review_state="none"
    )
    book = _book(b"".join(employer_client.get(URL, {"year": 2025}).streaming_content))
    grid = _rows(book, SHEET_GRID)
    header = grid[0]
    assert [header[3 + i] for i in range(len(CHECKS))] == [CHECK_LABELS[c] for c in CHECKS]
    months = [r for r in grid[1:] if r[0] == "王核验"]
    assert [r[2] for r in months] == [f"2025年{m}月" for m in range(1, 13)]
    march = months[2]
    assert march[3] == "✗ 工资低于最低工资标准"
    assert march[4:9] == ("✓",) * 5
    assert "工资信息：工资低于最低工资标准" in march[header.index("未通过原因")]
    assert months[0][3:9] == ("✓",) * 6
    assert months[0][header.index("登记 / 审核状态")] == "✓ 系统核验通过"  # as text, not colour
    assert march[header.index("登记 / 审核状态")] == "待审核"
    assert months[3][header.index("未通过原因")] == "已在其他单位登记"


def test_totals_sheet_equals_the_list_header(employer_client, employer, staff):
    header = list_header(employer, 2025, TODAY)
    book = _book(b"".join(employer_client.get(URL, {"year": 2025}).streaming_content))
    totals = _totals(book)
    assert totals["安置登记人数（人）"] == header.totals["persons"] == 3
    assert totals["安置确认(月)"] == header.totals["confirmed"]
    assert totals["安置核定(月)"] == header.totals["approved"]
    assert totals["安置登记(月)"] == header.totals["registered"]
    assert totals["安置不通过(月)"] == header.totals["rejected"]
    assert totals["待审核（人）"] == header.totals["status_pending"] == 1
    assert totals["单位名称"] == employer.name and totals["业务年度"] == "2025年度"
    assert totals["本表人数（人）"] == 3
    # the list page shows the same figures
    html = employer_client.get(reverse("placements:index"), {"year": 2025}).content.decode()
    assert f"本次累计安置确认 <strong>{totals['安置确认(月)']}</strong> 个月" in html


def test_export_follows_the_lists_filters(employer_client, staff):
    book = _book(b"".join(employer_client.get(URL, {"year": 2025, "status": "pending"}).streaming_content))
    assert [r[1] for r in _rows(book, SHEET_PERSONS)[1:]] == ["孙待审"]
    assert {r[0] for r in _rows(book, SHEET_GRID)[1:]} == {"孙待审"}
    totals = _totals(book)
    assert totals["导出范围"] == "审核状态：待审核" and totals["本表人数（人）"] == 1
    assert totals["安置登记人数（人）"] == 3  # the year's totals, as the list header shows them

    book = _book(b"".join(employer_client.get(URL, {"year": 2025, "q": "周待"}).streaming_content))
    assert [r[1] for r in _rows(book, SHEET_PERSONS)[1:]] == ["周待完善"]


def test_full_ids_need_a_reason_which_is_audited(employer_client, employer, employer_user, staff):
    form = employer_client.get(FULL_URL, {"year": 2025, "status": "pending"})
    assert form.status_code == 200
    html = form.content.decode()
    assert 'for="id_reason"' in html and "导出完整身份证号的事由" in html

    refused = employer_client.post(f"{FULL_URL}?year=2025&status=pending", {"reason": "  "})
    assert refused.status_code == 200
    assert "请填写导出完整身份证号的事由。" in refused.content.decode()
    assert not AuditEvent.objects.filter(action="placement.export_full_ids").exists()

    response = employer_client.post(f"{FULL_URL}?year=2025&status=pending", {"reason": "报送税务部门核对名单"})
    assert response.status_code == 200
    book = _book(b"".join(response.streaming_content))
    rows = _rows(book, SHEET_PERSONS)[1:]
    assert [(r[1], r[2]) for r in rows] == [("孙待审", staff["mixed"].id_number)]
    event = AuditEvent.objects.get(action="placement.export_full_ids")
    assert event.reason == "报送税务部门核对名单" and event.actor == employer_user
    assert event.object_id == str(employer.pk) and event.changes == {"year": 2025, "status": "pending"}


def test_export_of_another_units_people_is_impossible(employer_client, other_employer, staff):
    theirs = with_months(other_employer, ["auto"] * 12, name="别家人")
    book = _book(b"".join(employer_client.get(URL, {"year": 2025}).streaming_content))
    for sheet in (SHEET_PERSONS, SHEET_GRID):
        assert "别家人" not in {r[0] for r in _rows(book, sheet)} | {r[1] for r in _rows(book, sheet)}
    assert theirs.pk  # exists, not exported


def test_export_needs_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("query", ["", "&q=%E5%91%98%E5%B7%A5"])
@pytest.mark.parametrize("url", [URL, FULL_URL])
def test_export_queries_do_not_grow_with_persons(employer_client, employer, django_assert_max_num_queries, url, query):
    def get():
        if url == FULL_URL:
            return employer_client.post(f"{url}?year=2025{query}", {"reason": "单位人事档案核对"})
        return employer_client.get(f"{url}?year=2025{query}")

    with_months(employer, ["auto", "pending"], name="员工0")
    with django_assert_max_num_queries(14) as small:
        assert get().status_code == 200
    for i in range(1, 60):
        with_months(employer, ["auto", "pending"], name=f"员工{i}")
    cache.clear()
    with django_assert_max_num_queries(len(small.captured_queries)) as large:
        response = get()
    assert len(large.captured_queries) == len(small.captured_queries)
    assert len(_rows(_book(b"".join(response.streaming_content)), SHEET_PERSONS)) == 61


def test_write_placements_workbook_into_any_stream(employer, staff):
    stream = io.BytesIO()
    assert write_placements_workbook(employer, 2025, stream, filters={"q": "张系统"}) == 1
    book = _book(stream.getvalue())
    assert len(_rows(book, SHEET_GRID)) == 1 + 12
    assert write_placements_workbook(employer, 2024, io.BytesIO()) == 0  # a year without data: an empty list


def test_an_empty_year_exports_headers_only(employer_client, employer):
    pf.placement(employer, year=2023, name="去年")  # another year
    book = _book(b"".join(employer_client.get(URL, {"year": 2025}).streaming_content))
    assert len(_rows(book, SHEET_PERSONS)) == 1
    assert _totals(book)["安置登记人数（人）"] == 0
