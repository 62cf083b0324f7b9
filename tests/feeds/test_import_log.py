"""数据质量 (issue 15): each import keeps its rejected rows (bounded) and the persons whose facts changed; the
import's page shows the first rows of each reason group and the changed persons (masked, linked to their placement);
the rejected rows download as CSV (masked, or in full for those allowed), audited. A file imported again unchanged is
not merged again (feeds.import_log)."""

import csv
import io
from datetime import date
from io import StringIO

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.urls import reverse

from core.masking import mask_number
from core.models import AuditEvent
from feeds import import_log
from feeds import services as feed_services
from feeds.import_log import SAME_FILE
from feeds.models import FeedChangedPerson, FeedImport, FeedRejection, PensionContribution
from feeds.quality import SUPERSEDED, masked_fields
from feeds.services import feed_import
from tests import factories
from tests.factories import otp_login
from tests.factories import placements as pf
from tests.factories.feeds import bad_check_digit, person_id, unit_uscc, write_csv

pytestmark = pytest.mark.django_db
TODAY = date(2026, 3, 1)
BAD_MONTH = "月份“…”不是有效的YYYYMM"
BAD_WIDTH = "字段数为N，与表头的N列不一致"


@pytest.fixture
def ids():
    return [person_id(date(1980 + i, 1 + i, 10 + i)) for i in range(8)]


@pytest.fixture
def bad_file(tmp_path, ids):
    """3 good persons; 6 rows with a bad month, 2 with a bad ID number, 1 with a missing field; 1 superseded row."""
    unit = unit_uscc()
    rows = [(ids[i], unit, 202501, "5000") for i in range(3)]
    rows += [(ids[i], unit, 202513, "5000") for i in range(6)]  # lines 5-10
    rows += [(bad_check_digit(ids[6]), unit, 202501, "5000"), (bad_check_digit(ids[7]), unit, 202502, "5000")]
    rows += [(ids[3], unit, "202501")]  # line 13: three fields
    rows += [(ids[0], unit, 202501, "6000")]  # line 14 supersedes line 2
    return write_csv(tmp_path / "bad.csv", "pension", rows), ids


def _import(path, **kwargs) -> FeedImport:
    result = feed_import(kind="pension", path=path, today=TODAY, **kwargs)
    return FeedImport.objects.get(pk=result.log_id)


def _provincial(client):
    user = factories.reviewer_user("110000")
    otp_login(client, user)
    return user


def test_rejected_rows_are_stored_by_group_in_line_order(bad_file):
    path, ids = bad_file
    entry = _import(path)
    assert entry.rows_rejected == 10 == entry.rejections_stored
    stored = list(entry.rejections.order_by("line"))
    assert [r.line for r in stored] == [2, 5, 6, 7, 8, 9, 10, 11, 12, 13]
    groups = {r.group for r in stored}
    assert BAD_MONTH in groups and BAD_WIDTH in groups and SUPERSEDED in groups and len(groups) == 4
    assert stored[0].reason == "被第14行（相同主键）覆盖" and stored[0].fields == [
        ids[0],
        stored[0].fields[1],
        "202501",
        "5000",
    ]
    assert stored[-1].fields == [ids[3], stored[-1].fields[1], "202501"]
    assert sum(entry.reason_groups.values()) == 10
    # the persons whose facts changed: the three good ones, sorted
    assert entry.persons_changed == 3 == entry.persons_stored
    assert list(entry.changed_persons.values_list("id_number", flat=True)) == sorted(ids[:3])


def test_the_page_shows_the_first_five_rows_of_each_group_masked(bad_file, client, django_assert_max_num_queries):
    path, ids = bad_file
    entry = _import(path)
    _provincial(client)
    url = reverse("admin:feeds_feedimport_change", args=[entry.pk])
    with django_assert_max_num_queries(14):
        page = client.get(url).content.decode()
    table = page.split('data-testid="rejected-rows"')[1].split("</table>")[0]
    month_group = table.split(BAD_MONTH)[1].split('scope="rowgroup"')[0]
    assert month_group.count("<tr><td>") == 5  # 6 rows in the group, the first 5 shown
    assert "<td>5</td>" in month_group and "<td>9</td>" in month_group and "<td>10</td>" not in month_group
    assert ids[0] not in page and mask_number(ids[0]) in page  # masked in the samples and in the changed persons
    assert "（无安置记录）" in page.split('data-testid="changed-persons"')[1]
    assert "3 人" in page
    assert reverse("admin:feeds_feedimport_rejected_rows", args=[entry.pk]) in page
    assert 'data-testid="full-rows-download"' not in page  # a reviewer without the permission


def test_the_page_query_count_does_not_grow_with_the_rows(tmp_path, client, django_assert_max_num_queries):
    unit = unit_uscc()
    many = [person_id(date(1970 + i % 30, 1 + i % 12, 1 + i % 28)) for i in range(60)]
    rows = [(i, unit, 202500 + m, "5000") for i in many for m in (1, 2)] + [(i, unit, 202599, "1") for i in many]
    rows += [(i, unit, 199001, "1") for i in many] + [(bad_check_digit(i), unit, 202501, "1") for i in many]
    entry = _import(write_csv(tmp_path / "many.csv", "pension", rows))
    assert entry.rows_rejected == 180 and entry.persons_changed == 60
    _provincial(client)
    with django_assert_max_num_queries(14):
        page = client.get(reverse("admin:feeds_feedimport_change", args=[entry.pk])).content.decode()
    assert page.split('data-testid="rejected-rows"')[1].split("</table>")[0].count("<td><code>") == 15
    assert "60 人，下列前 50 人" in page


def _csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_the_rejected_rows_download_masked_and_audited(bad_file, client):
    path, ids = bad_file
    entry = _import(path)
    user = _provincial(client)
    response = client.get(reverse("admin:feeds_feedimport_rejected_rows", args=[entry.pk]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = _csv(response)
    assert rows[0] == ["行号", "拒绝原因", "原因分类", "id_number", "unit_uscc", "month", "base_amount"]
    assert [r[0] for r in rows[1:]] == ["2", "5", "6", "7", "8", "9", "10", "11", "12", "13"]
    assert rows[1][3] == mask_number(ids[0]) and ids[0] not in str(rows)
    assert rows[10][2] == BAD_WIDTH and rows[10][3:] == [mask_number(ids[3]), rows[10][4], "202501"]
    event = AuditEvent.objects.get(action="feeds.rejected_rows_download")
    assert event.actor == user and event.object_id == str(entry.pk) and event.changes["完整身份证号"] is False
    # the full ID numbers: refused without the permission, given (and audited) with it
    full = reverse("admin:feeds_feedimport_rejected_rows", args=[entry.pk]) + "?full=1"
    assert client.get(full).status_code == 403
    user.user_permissions.add(Permission.objects.get(codename="view_full_rejected_rows"))
    page = client.get(reverse("admin:feeds_feedimport_change", args=[entry.pk])).content.decode()
    assert 'data-testid="full-rows-download"' in page
    rows = _csv(client.get(full))
    assert rows[1][3] == ids[0]
    assert AuditEvent.objects.filter(action="feeds.rejected_rows_download", changes__完整身份证号=True).count() == 1


def test_not_for_a_district_reviewer(bad_file, client):
    entry = _import(bad_file[0])
    otp_login(client, factories.reviewer_user("110101"))
    response = client.get(reverse("admin:feeds_feedimport_rejected_rows", args=[entry.pk]))
    assert response.status_code in (302, 403)
    assert not AuditEvent.objects.filter(action="feeds.rejected_rows_download").exists()


def test_the_same_file_again_changes_no_person_and_keeps_the_rejections(bad_file):
    path, _ = bad_file
    first = _import(path)
    again = _import(path)
    assert again.method == SAME_FILE and again.pk != first.pk
    assert (again.rows_inserted, again.rows_updated, again.persons_changed) == (0, 0, 0)
    assert again.rows_unchanged == first.rows_inserted and again.rows_rejected == first.rows_rejected == 10
    assert again.rejections_stored == 10 and again.rejections.count() == 10
    assert not again.changed_persons.exists()


def test_the_same_rows_in_another_file_are_merged_and_change_nobody(bad_file, tmp_path):
    path, _ = bad_file
    _import(path)
    copy = tmp_path / "copy.csv"
    copy.write_bytes(path.read_bytes() + b"\n")  # a trailing blank line: other bytes, the same rows
    again = _import(copy)
    assert again.method != SAME_FILE
    assert (again.rows_inserted, again.rows_updated, again.persons_changed, again.rows_rejected) == (0, 0, 0, 10)


def test_the_same_file_is_merged_again_when_the_table_changed(bad_file):
    path, ids = bad_file
    _import(path)
    PensionContribution.objects.filter(id_number=ids[1]).delete()  # e.g. restored from a backup
    PensionContribution.objects.create(id_number=ids[7], unit_uscc="X", month=202501, base_amount=1)
    again = _import(path)
    assert again.method != SAME_FILE and again.rows_inserted == 1 and again.persons_changed == 1


def test_the_dry_run_and_the_report_never_skip(bad_file, tmp_path):
    path, _ = bad_file
    _import(path)
    assert feed_import(kind="pension", path=path, today=TODAY, dry_run=True).method != SAME_FILE
    report = tmp_path / "r.csv"
    result = feed_import(kind="pension", path=path, today=TODAY, report_path=report)
    assert result.method != SAME_FILE and len(report.read_text(encoding="utf-8-sig").splitlines()) == 11


def test_the_stored_rejections_are_capped_and_the_rest_counted(bad_file, client, monkeypatch):
    monkeypatch.setattr(import_log, "REJECTIONS_CAP", 3)
    monkeypatch.setattr(feed_services, "REJECTIONS_CAP", 3)
    entry = _import(bad_file[0])
    assert entry.rows_rejected == 10 and entry.rejections_stored == 3 == FeedRejection.objects.count()
    _provincial(client)
    page = client.get(reverse("admin:feeds_feedimport_change", args=[entry.pk])).content.decode()
    assert "只保存了前 3 行拒绝行，另有 7 行未保存" in page
    rows = _csv(client.get(reverse("admin:feeds_feedimport_rejected_rows", args=[entry.pk])))
    assert len(rows) == 5 and rows[-1][1].startswith("另有 7 行拒绝行未保存")


def test_import_feed_links_the_changed_persons_to_their_placement(tmp_path, client):
    employer = factories.employer()
    placed = pf.complete_person(employer)
    other = person_id(date(1990, 2, 3))
    path = write_csv(
        tmp_path / "p.csv",
        "pension",
        [(placed.id_number, employer.uscc, 202601, "5000"), (other, employer.uscc, 202601, "1")],
    )
    call_command("import_feed", "pension", str(path), stdout=StringIO(), stderr=StringIO())
    entry = FeedImport.objects.get()
    marks = dict(FeedChangedPerson.objects.values_list("id_number", "placement_id"))
    assert marks == {placed.id_number: placed.pk, other: None}
    otp_login(client, factories.reviewer_user("110000"))
    page = client.get(reverse("admin:feeds_feedimport_change", args=[entry.pk])).content.decode()
    persons = page.split('data-testid="changed-persons"')[1].split("</div>")[0]
    link = reverse("admin:placements_placement_change", args=[placed.pk])
    assert f'<a href="{link}">{mask_number(placed.id_number)}</a>' in persons
    assert f"{mask_number(other)}（无安置记录）" in persons


def test_masked_fields_masks_id_columns_and_id_shaped_values():
    header = ["id_number", "unit_uscc", "month"]
    number = "110105198506150011"
    assert masked_fields(header, [number, "U", "202501"]) == [mask_number(number), "U", "202501"]
    assert masked_fields(["unit_uscc", "month"], ["U", number]) == ["U", mask_number(number)]  # shifted columns
    assert masked_fields(header, ["", "", ""]) == ["", "", ""]
