"""发送税务部门: ``export_tax`` batches, the file, idempotent re-export, atomicity, withdrawals, bad input."""

import io
from io import StringIO
from unittest import mock

import pytest
from django.core.management import CommandError, call_command

from declarations import exports, selectors, services, taxfile
from declarations.models import Declaration, ExportBatch, TaxRecord
from tests import factories
from tests.factories import declarations as df

pytestmark = pytest.mark.django_db


def files_in(directory) -> list:
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


def run(*args) -> str:
    out = StringIO()
    call_command("export_tax", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def three_units(traveller):
    """Two units under tax authority 110101 and one under 110105, all declared."""
    units = [factories.employer(), factories.employer(), factories.employer(region_code="110105")]
    for i, unit in enumerate(units):
        df.placement(unit, months=range(1, 13), weight=2 if i == 0 else 1)
        traveller.shift(60)
        services.declaration_declare(employer=unit, year=df.YEAR, by=None)
    return units


def test_export_writes_one_file_per_authority_and_marks_the_declarations_sent(three_units, settings):
    out = run("--authority", "110101")
    assert "batch 1: 2 records (2 DECLARE, 0 WITHDRAW), 2 declarations marked 已发送税务" in out
    path = settings.TAX_EXPORT_DIR / "tax_110101_000001.csv"
    rows = taxfile.check(path.read_bytes())
    first, second = three_units[:2]
    assert [r[1] for r in rows] == [first.uscc, second.uscc]
    assert rows[0] == [
        "DECLARE",
        first.uscc,
        first.name,
        "2025",
        "24",
        "2.00",
        "2026-09-30T10:01:00+08:00",
        "112025000001",
        "2026-09-30T10:01:00+08:00",
    ]
    statuses = dict(Declaration.objects.values_list("employer_id", "status"))
    assert statuses == {first.pk: "sent", second.pk: "sent", three_units[2].pk: "declared"}
    assert Declaration.objects.get(employer=first).sent_to_tax_at is not None
    assert [s.state for s in selectors.declaration_progress(first, df.YEAR).steps] == ["done"] * 3
    assert [s.state for s in selectors.declaration_progress(three_units[2], df.YEAR).steps][2] == "current"
    # nothing left for the authority: no empty batch
    assert "0 records queued, no batch created" in run("--authority", "110101")
    assert ExportBatch.objects.count() == 1


def test_reexport_gives_the_identical_file_and_changes_nothing(three_units, settings):
    run("--authority", "110101")
    path = settings.TAX_EXPORT_DIR / "tax_110101_000001.csv"
    original = path.read_bytes()
    path.write_bytes(b"damaged")
    out = run("--authority", "110101", "--batch", "1")
    assert "re-exported" in out
    assert path.read_bytes() == original
    batch = ExportBatch.objects.get()
    lines = original.decode().splitlines()
    assert lines[-1] == f"TRAILER,2,{batch.sha256}" and batch.row_count == 2
    # records queued later go to the next batch; batch 1 stays what it was
    late = factories.employer()
    df.placement(late)
    services.declaration_declare(employer=late, year=df.YEAR, by=None)
    run("--authority", "110101", "--batch", "1")
    assert path.read_bytes() == original
    assert "batch 2: 1 records" in run("--authority", "110101")


def test_a_crash_in_the_middle_leaves_nothing_marked_and_no_file(three_units, settings):
    """The writer fails on the second row line (a full disk, say): no batch, nothing marked, no file."""
    real_write = taxfile.RowSink.write
    calls = {"n": 0}

    def failing(self, data):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("disk full")
        return real_write(self, data)

    with (
        mock.patch.object(taxfile.RowSink, "write", failing),
        pytest.raises(CommandError, match=r"写入导出文件失败（disk full）.*没有申报被标记为已发送税务"),
    ):
        run("--authority", "110101")
    assert calls["n"] == 2
    assert not ExportBatch.objects.exists()
    assert exports.exported_upto("110101") == 0 and exports.queued("110101").count() == 2
    assert set(Declaration.objects.values_list("status", flat=True)) == {"declared"}
    assert files_in(settings.TAX_EXPORT_DIR) == []  # neither the file nor its temporary
    # and the next run exports everything as batch 1
    assert "batch 1: 2 records" in run("--authority", "110101")


def test_a_crash_after_the_file_is_written_also_rolls_back(three_units, settings):
    with (
        mock.patch("declarations.exports.audit.record", side_effect=RuntimeError("db gone")),
        pytest.raises(RuntimeError),
    ):
        run("--authority", "110101")
    assert not ExportBatch.objects.exists() and exports.queued("110101").count() == 2
    assert files_in(settings.TAX_EXPORT_DIR) == []


def test_withdrawals_are_their_own_record_type(three_units, settings, reviewer):
    run("--authority", "110101")
    unit = three_units[0]
    withdrawal = services.withdrawal_request(employer=unit, year=df.YEAR, reason="漏报", by=None)
    # declared later, exported in the same batch as the withdrawal
    services.withdrawal_approve(withdrawal=withdrawal, reason="同意", by=reviewer)
    out = run("--authority", "110101")
    assert "batch 2: 1 records (0 DECLARE, 1 WITHDRAW), 0 declarations marked" in out
    rows = taxfile.check((settings.TAX_EXPORT_DIR / "tax_110101_000002.csv").read_bytes())
    assert rows[0][0] == "WITHDRAW" and rows[0][1] == unit.uscc and rows[0][7] == "112025000001"
    assert Declaration.objects.get(employer=unit).status == "filling"


def test_an_unsent_declaration_withdrawn_is_never_exported(three_units, reviewer):
    unit = three_units[2]
    withdrawal = services.withdrawal_request(employer=unit, year=df.YEAR, reason="漏报", by=None)
    services.withdrawal_approve(withdrawal=withdrawal, reason="同意", by=reviewer)
    assert "0 records queued" in run("--authority", "110105")


def test_export_while_a_withdrawal_waits_makes_a_rejection_return_to_sent(three_units, reviewer):
    unit = three_units[0]
    withdrawal = services.withdrawal_request(employer=unit, year=df.YEAR, reason="漏报", by=None)
    assert "2 declarations marked" in run("--authority", "110101")
    declaration = Declaration.objects.get(employer=unit)
    assert (declaration.status, declaration.previous_status) == ("withdrawing", "sent")
    services.withdrawal_reject(withdrawal=withdrawal, reason="理由不充分", by=reviewer)
    assert Declaration.objects.get(employer=unit).status == "sent"


def test_dry_run_counts_only(three_units):
    assert "2 records queued (dry run" in run("--authority", "110101", "--dry-run")
    assert not ExportBatch.objects.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--authority", "11010"], "6位行政区划代码"),
        (["--authority", "abcdef"], "6位行政区划代码"),
        (["--authority", "990101"], "未知的税务主管部门"),
        (["--authority", "110101", "--batch", "7"], "没有第 7 批"),
        (["--authority", "110101", "--batch", "0"], "正整数"),
        (["--authority", "110101", "--batch", "1", "--dry-run"], "--dry-run"),
        (["--all", "--batch", "1"], "--batch 只能与 --authority"),
        (["--all", "--authority", "110101"], "not allowed with argument"),
        ([], "one of the arguments --authority --all is required"),
    ],
)
def test_bad_input_is_a_command_error(db, args, message):
    factories.region("110101")
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_reexport_detects_rows_changed_behind_its_back(three_units):
    run("--authority", "110101")
    TaxRecord.objects.filter(authority="110101").update(approved_months=99)
    with pytest.raises(CommandError, match="不一致"):
        run("--authority", "110101", "--batch", "1")


def test_the_task_uses_the_same_code_path(three_units):
    from declarations.tasks import export_tax_batch

    assert export_tax_batch.call("110105") == 1
    assert exports.queued("110105").count() == 0


def test_postgresql_and_python_write_the_same_bytes(three_units, settings):
    """On PostgreSQL the rows come from COPY; they must equal the Python formatting byte for byte."""
    unit = three_units[0]
    TaxRecord.objects.filter(declaration__employer=unit).update(unit_name='北京"星光", 科技 有限公司')
    run("--authority", "110101")
    batch = ExportBatch.objects.get()
    copied = io.BytesIO()
    count, sha = exports._write(batch, copied, batch.row_count)
    python = io.BytesIO()
    assert exports._write(batch, python, None) == (count, sha)
    assert copied.getvalue() == python.getvalue()
    assert taxfile.check(python.getvalue())[0][2] == '北京"星光", 科技 有限公司'


def test_all_exports_one_new_batch_per_authority_with_queued_records(three_units, settings):
    assert "110105: 1 records queued (dry run" in run("--all", "--dry-run")
    run("--authority", "110101")  # 110101 already sent
    out = run("--all")
    assert "110101" not in out and "authority 110105 batch 1: 1 records" in out
    assert files_in(settings.TAX_EXPORT_DIR) == ["tax_110101_000001.csv", "tax_110105_000001.csv"]
    assert "no authority has queued records" in run("--all")
    assert ExportBatch.objects.count() == 2
