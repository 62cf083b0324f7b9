"""More than BACKGROUND_ROWS rows: the check and the import run as tasks (immediate under pytest, run when the
upload's transaction commits); the report page shows a progress bar meanwhile and the clerk gets a notice."""

from __future__ import annotations

import pytest
from django.urls import reverse

from notices.models import Notice
from placements.bulk import confirming, services
from placements.bulk.models import BulkImport
from placements.models import Placement
from tests.placements.bulk.conftest import contract, person, person_id, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_background(monkeypatch):
    monkeypatch.setattr(services, "BACKGROUND_ROWS", 3)


def test_large_files_run_in_the_background_with_progress_and_a_notice(
    small_background, employer_client, employer, year, make_file, django_capture_on_commit_callbacks
):
    numbers = [person_id(i) for i in range(1, 6)]
    data = make_file([person(n) for n in numbers], [contract(n) for n in numbers])
    with django_capture_on_commit_callbacks(execute=False) as pending:
        response = employer_client.post(f"{reverse('placements:bulk_upload')}?year={year}", {"file": upload(data)})
    batch = BulkImport.objects.get()
    assert batch.status == BulkImport.Status.CHECKING and batch.rows_total == 10
    page = employer_client.get(response["Location"]).content.decode()
    assert '<progress id="bulk-progress" max="100" value="0"' in page
    assert 'http-equiv="refresh"' in page and "正在检查文件：已处理 0 / 10 行" in page
    for callback in pending:
        callback()  # the task runs (immediate backend)
    batch.refresh_from_db()
    assert batch.status == BulkImport.Status.CHECKED and batch.percent == 100

    with django_capture_on_commit_callbacks(execute=False) as pending:
        employer_client.post(reverse("placements:bulk_confirm", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == BulkImport.Status.IMPORTING
    assert "正在导入" in employer_client.get(reverse("placements:bulk_report", args=[batch.pk])).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        for callback in pending:
            callback()
    batch.refresh_from_db()
    assert batch.status == BulkImport.Status.DONE, batch.message
    assert Placement.objects.filter(employer=employer, year=year).count() == 5
    notice = Notice.objects.get(employer=employer)
    assert notice.title == f"{year}年度批量导入完成" and "新增 5 人" in notice.body


def test_a_failed_import_writes_nothing_and_says_why(monkeypatch, employer_client, employer, year, make_file):
    numbers = [person_id(i) for i in range(1, 4)]
    employer_client.post(
        f"{reverse('placements:bulk_upload')}?year={year}",
        {"file": upload(make_file([person(n) for n in numbers], [contract(n) for n in numbers]))},
    )
    batch = BulkImport.objects.get()

    def broken(placements):
        raise RuntimeError("engine down")

    monkeypatch.setattr(confirming, "finish", broken)
    employer_client.post(reverse("placements:bulk_confirm", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == BulkImport.Status.FAILED
    assert batch.message.startswith("导入时系统出错，本次没有导入任何人员")
    assert not Placement.objects.exists()
    page = employer_client.get(reverse("placements:bulk_report", args=[batch.pk])).content.decode()
    assert "导入失败，没有导入任何人员" in page


@pytest.mark.parametrize("persons", [1, 30])
def test_report_page_query_count_does_not_grow(
    employer_client, year, make_file, django_assert_max_num_queries, persons
):
    numbers = [person_id(i) for i in range(1, persons + 1)]
    rows = [person(n, phone="1") for n in numbers]  # a problem per row
    employer_client.post(
        f"{reverse('placements:bulk_upload')}?year={year}",
        {"file": upload(make_file(rows, [contract(n) for n in numbers]))},
    )
    batch = BulkImport.objects.get()
    assert batch.report["counts"]["problems"] == persons
    with django_assert_max_num_queries(8):
        response = employer_client.get(reverse("placements:bulk_report", args=[batch.pk]))
    assert response.status_code == 200
    with django_assert_max_num_queries(9):
        assert employer_client.get(f"{reverse('placements:bulk_upload')}?year={year}").status_code == 200
