"""Bad input (issue 13): each refused file gets a clear Chinese answer and nothing is stored or imported; each
awkward but readable cell (dates as text, full-width digits, IDs stored as numbers) is read or explained."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from core.models import StoredFile
from placements.bulk.layout import MAX_BYTES, MAX_ROWS
from placements.bulk.models import BulkImport
from placements.bulk.package import NotAWorkbook, inspect
from placements.models import Placement
from tests.factories.files import jpeg_bytes, png_bytes
from tests.placements.bulk.conftest import contract, person, person_id, upload

pytestmark = pytest.mark.django_db


def _post(client, year, data, name="导入.xlsx"):
    return client.post(f"{reverse('placements:bulk_upload')}?year={year}", {"file": upload(data, name)})


def _refused(client, year, data, name="导入.xlsx") -> str:
    """The answer beside the file field; nothing stored, nothing imported."""
    response = _post(client, year, data, name)
    assert response.status_code == 200
    errors = response.context["form"].errors["file"]
    assert not Placement.objects.exists()
    assert not BulkImport.objects.exclude(status=BulkImport.Status.REFUSED).exists()
    return " ".join(errors)


def _edit(template: bytes, change) -> bytes:
    wb = load_workbook(io.BytesIO(template))
    change(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _rezip(data: bytes, extra: dict[str, bytes], content_type_patch: bytes = b"") -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info.filename)
            if info.filename == "[Content_Types].xml" and content_type_patch:
                body = body.replace(b"</Types>", content_type_patch + b"</Types>")
            target.writestr(info.filename, body)
        for name, body in extra.items():
            target.writestr(name, body)
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        ("身份证号,姓名\n110101198506150011,张伟\n".encode(), "人员.xlsx", "文本文件（如 CSV）"),
        (jpeg_bytes(), "人员.xlsx", "图片文件"),
        (png_bytes(), "人员.xlsx", "图片文件"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "人员.xls", "Excel 97-2003"),
        (b"%PDF-1.7\n", "人员.xlsx", "PDF 文件"),
        (b"PK\x03\x04garbage", "人员.xlsx", "文件已损坏"),
    ],
    ids=["renamed-csv", "jpeg", "png", "xls", "pdf", "broken-zip"],
)
def test_not_an_xlsx(employer_client, year, data, name, expected):
    assert expected in _refused(employer_client, year, data, name)
    assert not StoredFile.objects.exists()


def test_a_word_document_is_not_a_workbook(employer_client, year):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    assert "不是 Excel 工作簿" in _refused(employer_client, year, out.getvalue())


def test_macros_are_refused(employer_client, year, make_file):
    data = _rezip(make_file([], []), {"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0 vba"})
    assert "宏" in _refused(employer_client, year, data, "人员.xlsm")
    patched = _rezip(
        make_file([], []),
        {},
        b'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.ms-excel.sheet.macroEnabled.main+xml"/>',
    )
    assert "宏" in _refused(employer_client, year, patched)


def test_external_links_are_refused(employer_client, year, make_file):
    data = _rezip(make_file([], []), {"xl/externalLinks/externalLink1.xml": b"<externalLink/>"})
    assert "外部链接" in _refused(employer_client, year, data)


def test_too_big(employer_client, year):
    data = b"PK\x03\x04" + b"\0" * (MAX_BYTES + 10)
    assert "文件大小超过 20.0 MB" in _refused(employer_client, year, data)


def test_zip_bomb_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (700 * 1024 * 1024 // 8) * 8)
    with pytest.raises(NotAWorkbook, match="解压后过大"):
        inspect(out.getvalue())


def test_empty_sheet(employer_client, year, make_file):
    assert "“人员信息”表没有数据" in _refused(employer_client, year, make_file([], []))


def test_renamed_header_is_a_clear_error(employer_client, year, template):
    def rename(wb):
        wb["人员信息"]["A1"] = "证件号码"

    answer = _refused(employer_client, year, _edit(template, rename))
    assert "缺少列：“身份证号”" in answer and "无法识别的列：“证件号码”" in answer


def test_reordered_headers_are_read_by_name(employer_client, year, template, make_file):
    number = person_id(1)
    data = make_file([person(number)], [contract(number)])

    def swap(wb):
        ws = wb["人员信息"]
        for row in ws.iter_rows(min_row=1, max_row=2):
            row[0].value, row[1].value = row[1].value, row[0].value

    response = _post(employer_client, year, _edit(data, swap))
    assert response.status_code == 302
    batch = BulkImport.objects.get()
    assert batch.report["counts"]["new"] == 1, batch.report["problems"]


def test_merged_cells_are_refused(employer_client, year, make_file):
    number = person_id(1)
    data = make_file([person(number), person(person_id(2))], [contract(number)])
    merged = _edit(data, lambda wb: wb["人员信息"].merge_cells("B2:B3"))
    assert "合并单元格（B2:B3）" in _refused(employer_client, year, merged)


def test_hidden_data_sheet_is_refused_and_other_hidden_sheets_ignored(employer_client, year, make_file):
    number = person_id(1)
    data = make_file([person(number)], [contract(number)])

    def hide(wb):
        wb["合同信息"].sheet_state = "hidden"

    assert "工作表“合同信息”被隐藏" in _refused(employer_client, year, _edit(data, hide))

    def extra(wb):
        wb.create_sheet("草稿").sheet_state = "hidden"

    assert _post(employer_client, year, _edit(data, extra)).status_code == 302
    assert "已忽略隐藏的工作表“草稿”。" in BulkImport.objects.get().report["file_notes"]


def test_formulas_are_never_evaluated(employer_client, year, make_file):
    """openpyxl writes no cached value: the cell reads empty (the formula is not computed) and is reported."""
    number = person_id(1)
    data = make_file([person(number, name="=1+1", phone='=HYPERLINK("http://x","y")')], [contract(number)])
    assert _post(employer_client, year, data).status_code == 302
    problems = BulkImport.objects.get().report["problems"]
    assert any(p[2] == "联系电话" and "请填写联系电话" in p[5] for p in problems)


def test_wrong_year_is_refused(employer_client, year, make_file):
    number = person_id(1)
    data = _edit(
        make_file([person(number)], [contract(number)]),
        lambda wb: setattr(wb.properties, "keywords", f"wangbao-bulk-import {year - 1}"),
    )
    assert f"该文件是 {year - 1} 年度的导入模板" in _refused(employer_client, year, data)


def test_too_many_rows(monkeypatch, employer_client, year, make_file):
    monkeypatch.setattr("placements.bulk.reading.MAX_ROWS", 2)
    rows = [person(person_id(i)) for i in range(1, 4)]
    response = _post(employer_client, year, make_file(rows, [contract(r["id_number"]) for r in rows]))
    batch = BulkImport.objects.get()
    assert batch.status == BulkImport.Status.REFUSED and "最多导入 2 行" in batch.message
    assert response.status_code == 200 and not Placement.objects.exists()
    assert MAX_ROWS == 100_000


@pytest.mark.parametrize(
    "typed",
    [
        "2024.3.1",
        "2024年3月1日",
        "2024/3/1",
        "2024-03-01",
        "20240301",
        45352,
        "45352",
        datetime(2024, 3, 1),
        "２０２４年３月１日",
    ],
)
def test_dates_as_typed(employer_client, year, make_file, typed):
    number = person_id(1)
    _post(employer_client, year, make_file([person(number)], [contract(number, start=typed)]))
    batch = BulkImport.objects.get()
    assert batch.report["counts"]["new"] == 1, batch.report["problems"]


def test_bad_dates(employer_client, year, make_file):
    number = person_id(1)
    _post(employer_client, year, make_file([person(number)], [contract(number, start="2024-02-30", end="明年")]))
    reasons = {p[2]: p[5] for p in BulkImport.objects.get().report["problems"]}
    assert reasons["合同开始日期"] == "日期不存在，请核对年月日。"
    assert "日期格式不正确" in reasons["合同结束日期"]


def test_full_width_digits_are_read(employer_client, year, make_file):
    number = person_id(1)
    wide = number.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    _post(employer_client, year, make_file([person(wide, phone="１３８００１３８０００")], [contract(number)]))
    batch = BulkImport.objects.get()
    assert batch.report["counts"]["new"] == 1, batch.report["problems"]


def test_id_stored_as_number_says_digits_were_lost(employer_client, year, make_file):
    number = person_id(1)
    _post(employer_client, year, make_file([person(float(number[:17] + "0"))], [contract(number)]))
    problems = BulkImport.objects.get().report["problems"]
    assert "最后几位已丢失" in problems[0][5]
    assert problems[0][:4] == ["人员信息", 2, "身份证号", "A"]
