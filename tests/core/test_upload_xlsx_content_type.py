"""StoredFile.content_type holds the xlsx MIME type (65 characters; the column held 64 and PostgreSQL refused the row,
issue 15): a workbook is stored, read back and served with its type. Run on PostgreSQL too (DATABASE_URL)."""

from io import BytesIO

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from openpyxl import Workbook, load_workbook

from core.models import StoredFile
from core.uploads import stored_file_response
from tests import factories

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _workbook() -> bytes:
    book = Workbook()
    book.active.append(["身份证号", "姓名"])
    book.active.append(["11010519800517001X", "王芳"])
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_column_is_wide_enough():
    assert len(XLSX) == 65
    assert StoredFile._meta.get_field("content_type").max_length >= len(XLSX)


def test_an_xlsx_is_stored_and_served_with_its_type():
    data = _workbook()
    stored = StoredFile(
        original_name="批量导入.xlsx",
        content_type=XLSX,
        extension="xlsx",
        size=len(data),
        sha256="0" * 64,
        kind="bulk_import",
        employer=factories.employer_in("110101"),
    )
    stored.file.save("upload.xlsx", ContentFile(data), save=False)
    stored.save()  # PostgreSQL: "value too long for type character varying(64)" before migration core 0008
    again = StoredFile.objects.get(pk=stored.pk)
    assert again.content_type == XLSX
    response = stored_file_response(again)
    assert response["Content-Type"] == XLSX and "attachment" in response["Content-Disposition"]
    book = load_workbook(BytesIO(b"".join(response.streaming_content)))
    assert list(book.active.iter_rows(values_only=True))[1] == ("11010519800517001X", "王芳")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT character_maximum_length FROM information_schema.columns "
                "WHERE table_name = 'core_storedfile' AND column_name = 'content_type'"
            )
            assert cursor.fetchone()[0] >= len(XLSX)
