"""税务回执: ``import_tax_receipt`` — a good file, partial acceptance, malformed files refused whole, repeated files,
overdue batches, the unit's year page and the reviewers' filter."""

from datetime import datetime, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from declarations import receiptfile, services
from declarations.models import ExportBatch, Submission, TaxReceipt, TaxReceiptLine
from notices.models import Notice
from tests import factories
from tests.factories import declarations as df
from tests.factories import otp_login
from tests.factories.declarations import SHANGHAI

pytestmark = pytest.mark.django_db
RECEIVED = datetime(2026, 10, 12, 9, 30, tzinfo=SHANGHAI)


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def batch(traveller):
    """Two units of authority 110101, declared and exported as batch 1."""
    units = [factories.employer(), factories.employer()]
    for unit in units:
        df.placement(unit, months=range(1, 13))
        traveller.shift(60)
        services.declaration_declare(employer=unit, year=df.YEAR, by=None)
    run("export_tax", "--authority", "110101")
    exported = ExportBatch.objects.get()
    exported.units = units
    return exported


def rows_of(batch, *results):
    """Receipt rows for the batch's records, in order, with the given (result, reason) pairs."""
    records = list(batch.records())
    return [
        ("DECLARE", r.uscc, r.year, r.certificate_no, result, reason)
        for r, (result, reason) in zip(records, results, strict=False)
    ]


def receipt(batch, rows, *, sha=None, number=None) -> bytes:
    header = receiptfile.ReceiptHeader("110101", number or batch.number, sha or batch.sha256, RECEIVED)
    return receiptfile.render(header, rows)


def write(tmp_path, data: bytes, name="receipt_110101_000001.csv"):
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_good_receipt_marks_every_result_accepted_and_tells_the_units(batch, tmp_path):
    path = write(tmp_path, receipt(batch, rows_of(batch, ("ACCEPTED", ""), ("ACCEPTED", ""))))
    out = run("import_tax_receipt", path)
    assert "2 rows — 2 税务已接收, 0 税务退回, 0 unchanged" in out and "batch fully acknowledged" in out
    assert set(Submission.objects.values_list("tax_result", flat=True)) == {"accepted"}
    assert Submission.objects.filter(tax_result_at=RECEIVED).count() == 2
    batch.refresh_from_db()
    assert batch.acknowledged_rows == 2 and batch.acknowledged_at is not None
    titles = list(Notice.objects.filter(title__contains="税务部门已接收").values_list("employer_id", flat=True))
    assert sorted(titles) == sorted(u.pk for u in batch.units)


def test_partial_acceptance_and_a_later_receipt_for_the_rest(batch, tmp_path, client):
    first_unit, second_unit = batch.units
    refused = rows_of(batch, ("ACCEPTED", ""), ("REFUSED", "纳税人识别号与税务登记信息不符"))
    # the first receipt answers only the refused record
    out = run("import_tax_receipt", write(tmp_path, receipt(batch, refused[1:]), "r1.csv"))
    assert "1 税务退回" in out and "batch partly acknowledged" in out
    submission = Submission.objects.get(declaration__employer=second_unit)
    assert (submission.tax_result, submission.tax_result_reason) == ("refused", "纳税人识别号与税务登记信息不符")
    notice = Notice.objects.get(employer=second_unit, title__contains="退回")
    assert "纳税人识别号与税务登记信息不符" in notice.body
    batch.refresh_from_db()
    assert batch.acknowledged_rows == 1 and batch.acknowledged_at is None
    # the unit sees it on its year page
    otp_login(client, factories.employer_user(second_unit))
    page = client.get(reverse("declarations:year", args=[df.YEAR])).content.decode()
    assert "税务退回" in page and "纳税人识别号与税务登记信息不符" in page
    # the second receipt repeats the refusal (unchanged) and accepts the other one
    out = run("import_tax_receipt", write(tmp_path, receipt(batch, refused), "r2.csv"))
    assert "1 税务已接收, 0 税务退回, 1 unchanged" in out and "batch fully acknowledged" in out
    assert Submission.objects.get(declaration__employer=first_unit).tax_result == "accepted"
    assert TaxReceiptLine.objects.count() == 2


def test_refused_results_are_in_the_reviewers_filter(batch, tmp_path, client):
    data = receipt(batch, rows_of(batch, ("ACCEPTED", ""), ("REFUSED", "单位名称与税务登记不符")))
    run("import_tax_receipt", write(tmp_path, data))
    reviewer = factories.reviewer_user("110000", username="bj-reviewer")
    otp_login(client, reviewer)
    url = reverse("admin:declarations_declaration_changelist")
    page = client.get(url, {"tax_result": "refused"}).content.decode()
    assert batch.units[1].name in page and batch.units[0].name not in page
    assert "税务退回：单位名称与税务登记不符" in page


def test_repeated_file_changes_nothing_and_says_so(batch, tmp_path):
    path = write(tmp_path, receipt(batch, rows_of(batch, ("ACCEPTED", ""), ("ACCEPTED", ""))))
    run("import_tax_receipt", path)
    notices = Notice.objects.count()
    out = run("import_tax_receipt", path)
    assert "此前已导入，未作任何更改" in out
    assert TaxReceipt.objects.count() == 1 and Notice.objects.count() == notices


def test_dry_run_checks_and_writes_nothing(batch, tmp_path):
    out = run("import_tax_receipt", write(tmp_path, receipt(batch, rows_of(batch, ("ACCEPTED", "")))), "--dry-run")
    assert "file is valid (dry run" in out
    assert not TaxReceipt.objects.exists() and not Submission.objects.exclude(tax_result="").exists()


def _refused(tmp_path, data: bytes) -> str:
    with pytest.raises(CommandError) as error:
        run("import_tax_receipt", write(tmp_path, data, "bad.csv"))
    assert not TaxReceipt.objects.exists()
    assert not Submission.objects.exclude(tax_result="").exists()
    assert not Notice.objects.filter(title__contains="税务").exists()
    return str(error.value)


def test_malformed_header_is_refused_naming_the_line(batch, tmp_path):
    good = receipt(batch, rows_of(batch, ("ACCEPTED", ""), ("ACCEPTED", "")))
    message = _refused(tmp_path, good.replace(b"RECEIPT,", b"RECEIPTS,", 1))
    assert "整份拒收" in message and "第 1 行" in message


def test_count_and_checksum_mismatch_are_refused(batch, tmp_path):
    lines = receipt(batch, rows_of(batch, ("ACCEPTED", ""), ("ACCEPTED", ""))).split(b"\n")
    dropped = b"\n".join(lines[:3] + lines[4:])  # one row lost in transit
    message = _refused(tmp_path, dropped)
    assert "第 4 行" in message and "记录数 2 与实际记录数 1 不符" in message
    altered = receipt(batch, rows_of(batch, ("ACCEPTED", ""), ("ACCEPTED", ""))).replace(b"ACCEPTED", b"REFUSED,x", 1)
    assert "校验值" in _refused(tmp_path, altered) or "列" in _refused(tmp_path, altered)


def test_unknown_batch_wrong_export_checksum_and_unknown_record_are_refused(batch, tmp_path):
    rows = rows_of(batch, ("ACCEPTED", ""))
    assert "没有第 7 批导出记录" in _refused(tmp_path, receipt(batch, rows, number=7))
    assert "导出文件校验值与第 1 批" in _refused(tmp_path, receipt(batch, rows, sha="0" * 64))
    stranger = [("DECLARE", factories.employer().uscc, 2025, "112025999999", "ACCEPTED", "")]
    message = _refused(tmp_path, receipt(batch, rows + stranger))
    assert "第 4 行" in message and "批中没有该记录" in message


def test_row_errors_are_all_named(batch, tmp_path):
    record = batch.records().first()
    rows = [
        ("DECLARE", record.uscc, record.year, record.certificate_no, "REFUSED", ""),
        ("DECLARE", record.uscc, record.year, record.certificate_no, "MAYBE", ""),
    ]
    message = _refused(tmp_path, receipt(batch, rows))
    assert "第 3 行：退回（REFUSED）的记录必须写明退回原因" in message
    assert "第 4 行：处理结果应为" in message


def test_a_contradicting_answer_is_refused(batch, tmp_path):
    run("import_tax_receipt", write(tmp_path, receipt(batch, rows_of(batch, ("ACCEPTED", ""))), "ok.csv"))
    with pytest.raises(CommandError, match="第 3 行：该记录已于此前的回执中确认为「税务已接收」"):
        run("import_tax_receipt", write(tmp_path, receipt(batch, rows_of(batch, ("REFUSED", "重复申报"))), "no.csv"))
    assert TaxReceipt.objects.count() == 1


def test_overdue_batches_are_listed(batch, traveller, tmp_path):
    assert "no batch waits" in run("import_tax_receipt", "--overdue")
    traveller.shift(timedelta(days=11))
    out = run("import_tax_receipt", "--overdue")
    assert "1 batches without a full receipt after 10 days" in out and "110101 第1批" in out
    assert "no batch waits" in run("import_tax_receipt", "--overdue", "--overdue-days", "12")
    run("import_tax_receipt", write(tmp_path, receipt(batch, rows_of(batch, ("ACCEPTED", ""), ("ACCEPTED", "")))))
    assert "no batch waits" in run("import_tax_receipt", "--overdue")


def test_no_file_and_no_option_is_an_error(db):
    with pytest.raises(CommandError, match="请指定回执文件"):
        run("import_tax_receipt")


def test_overdue_filter_in_the_batch_admin(batch, traveller, client, superuser):
    url = reverse("admin:declarations_exportbatch_changelist")
    traveller.shift(timedelta(days=9))
    otp_login(client, superuser)
    page = client.get(url, {"receipt": "overdue"}).content.decode()
    assert "逾期未回执" in page and "tax_110101_000001.csv" not in page
    traveller.shift(timedelta(days=2))
    otp_login(client, superuser)  # the admin session does not last 11 days
    assert "tax_110101_000001.csv" in client.get(url, {"receipt": "overdue"}).content.decode()
