"""import_feed: rejection reasons with line numbers, files refused as a whole, idempotence, duplicates, dry runs."""

import csv
import subprocess
import sys
from datetime import UTC, date, datetime
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from core.models import AuditEvent, EmploymentRatio, MinimumWage, SocialAverageWage
from feeds.models import Certificate, FeedImport, PensionContribution, RegistryPerson, WageRecord
from feeds.services import RecomputeRequest, feed_import
from tests.factories.feeds import bad_check_digit, person_id, unit_uscc, write_csv

pytestmark = pytest.mark.django_db
TODAY = date(2026, 3, 1)


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_feed", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def report_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


@pytest.fixture
def ids():
    return [person_id(date(1980 + i, 1 + i, 10 + i), male=i % 2 == 0) for i in range(3)]


@pytest.fixture
def unit():
    return unit_uscc()


def pension_rows(ids, unit, months=(1, 2, 3), amount="5000"):
    return [(i, unit, 202500 + m, amount) for i in ids for m in months]


# --- summary line, counts, idempotence ---------------------------------------------------------------------------


def test_import_prints_the_summary_line_last_and_is_idempotent(tmp_path, ids, unit):
    path = write_csv(tmp_path / "p.csv", "pension", pension_rows(ids, unit))
    out, _ = run("pension", path)
    assert out.rstrip("\n").splitlines()[-1] == "pension: 9 read, 9 inserted, 0 updated, 0 unchanged, 0 rejected"
    assert PensionContribution.objects.count() == 9
    out, _ = run("pension", path)
    assert out.rstrip("\n").splitlines()[-1] == "pension: 9 read, 0 inserted, 0 updated, 9 unchanged, 0 rejected"
    assert PensionContribution.objects.count() == 9


def test_changed_values_are_updated_and_new_rows_inserted(tmp_path, ids, unit):
    feed_import(kind="pension", path=write_csv(tmp_path / "a.csv", "pension", pension_rows(ids, unit)))
    rows = pension_rows(ids, unit)
    rows[0] = (*rows[0][:3], "5200.50")
    rows.append((ids[0], unit, 202504, "5000"))
    result = feed_import(kind="pension", path=write_csv(tmp_path / "b.csv", "pension", rows))
    assert (result.read, result.inserted, result.updated, result.unchanged, result.rejected) == (10, 1, 1, 8, 0)
    assert PensionContribution.objects.get(id_number=ids[0], month=202501).base_amount == Decimal("5200.50")


def test_equal_amounts_written_differently_are_unchanged(tmp_path, ids, unit):
    feed_import(kind="pension", path=write_csv(tmp_path / "a.csv", "pension", pension_rows(ids, unit, amount="5000")))
    result = feed_import(
        kind="pension", path=write_csv(tmp_path / "b.csv", "pension", pension_rows(ids, unit, amount="5000.00"))
    )
    assert (result.inserted, result.updated, result.unchanged) == (0, 0, 9)


def test_imported_at_moves_only_for_changed_persons(tmp_path, ids):
    rows = [(i, "王" + str(n), "男" if int(i[16]) % 2 else "女", "110105", "", "", "") for n, i in enumerate(ids)]
    feed_import(kind="persons", path=write_csv(tmp_path / "a.csv", "persons", rows))
    # (one test transaction: PostgreSQL's now() would not move, so age the rows instead)
    RegistryPerson.objects.update(imported_at=datetime(2026, 1, 1, tzinfo=UTC))
    stamps = dict(RegistryPerson.objects.values_list("id_number", "imported_at"))
    rows[1] = (rows[1][0], "改名", *rows[1][2:])
    result = feed_import(kind="persons", path=write_csv(tmp_path / "b.csv", "persons", rows))
    assert (result.updated, result.unchanged) == (1, 2)
    after = dict(RegistryPerson.objects.values_list("id_number", "imported_at"))
    assert after[ids[0]] == stamps[ids[0]] and after[ids[2]] == stamps[ids[2]]
    assert after[ids[1]] > stamps[ids[1]]


# --- rejections ----------------------------------------------------------------------------------------------------


def test_bad_rows_are_reported_with_line_numbers_and_good_rows_imported(tmp_path, ids, unit):
    rows = [
        (ids[0], unit, 202501, "5000"),  # line 2 ok
        ("", unit, 202501, "5000"),  # 3 empty ID
        (bad_check_digit(ids[1]), unit, 202501, "5000"),  # 4 checksum
        (ids[1], bad_check_digit(unit), 202501, "5000"),  # 5 USCC checksum
        (ids[1], unit, 202513, "5000"),  # 6 month does not parse
        (ids[1], unit, 199912, "5000"),  # 7 month out of range
        (ids[1], unit, 202501, "-1"),  # 8 negative
        (ids[1], unit, 202501, "abc"),  # 9 not a number
        (ids[1], unit, 202501),  # 10 field count
        (ids[2], unit, 202501, "5000"),  # 11 ok
    ]
    report = tmp_path / "rejects.csv"
    out, _ = run("pension", write_csv(tmp_path / "p.csv", "pension", rows), "--report", report)
    assert out.splitlines()[-1] == "pension: 10 read, 2 inserted, 0 updated, 0 unchanged, 8 rejected"
    assert "第3行：身份证号为空" in out
    got = report_rows(report)
    assert got[0] == ["line", "reason", "id_number", "unit_uscc", "month", "base_amount"]
    assert [int(r[0]) for r in got[1:]] == [3, 4, 5, 6, 7, 8, 9, 10]
    reasons = [r[1] for r in got[1:]]
    for fragment, reason in zip(
        [
            "身份证号为空",
            "身份证号校验位错误",
            "单位统一社会信用代码校验位错误",
            "YYYYMM",
            "超出范围",
            "负数",
            "不是有效的数字",
            "字段数为3",
        ],
        reasons,
        strict=True,
    ):
        assert fragment in reason
    assert got[2][2:] == [bad_check_digit(ids[1]), unit, "202501", "5000"]
    assert set(PensionContribution.objects.values_list("id_number", flat=True)) == {ids[0], ids[2]}


def test_every_certificate_rejection_reason(tmp_path, ids):
    a, b = ids[0], ids[1]
    good = (f"{a}42", a, "残疾人证", "4", "2", "2020-05-01", "2030-04-30", "有效")
    rows = [
        good,
        (f"{b}42", a, "残疾人证", "4", "2", "2020-05-01", "2030-04-30", "有效"),  # ID part differs
        (f"{a}45", a, "残疾人证", "4", "5", "2020-05-01", "2030-04-30", "有效"),  # grade out of range
        ("军残字第1号", a, "残疾军人证", "", "11", "2020-05-01", "2099-12-31", "有效"),  # military grade out of range
        (f"{a}31", a, "残疾人证", "3", "1", "2020-05-01", "2019-04-30", "有效"),  # valid_to < valid_from
        (f"{a}32", a, "残疾人证", "3", "2", "2020-02-30", "2030-04-30", "有效"),  # date does not parse
        (f"{a}33", a, "残疾人证", "3", "3", "1999-05-01", "2030-04-30", "有效"),  # date out of range
        (f"{a}34", a, "残疾人证", "3", "4", "2020-05-01", "2030-04-30", ""),  # required field empty
        ("军残字第2号", b, "残疾军人证", "", "9", "2020-05-01", "2099-12-31", "有效"),  # ok: 9 exists, does not count
    ]
    report = tmp_path / "r.csv"
    result = feed_import(
        kind="certificates", path=write_csv(tmp_path / "c.csv", "certificates", rows), report_path=report, today=TODAY
    )
    assert (result.inserted, result.rejected) == (2, 7)
    reasons = {int(r[0]): r[1] for r in report_rows(report)[1:]}
    assert "身份证号不一致" in reasons[3]
    assert "残疾人证等级应为1–4级" in reasons[4]
    assert "应为1–10" in reasons[5]
    assert "有效期止早于有效期起" in reasons[6]
    assert "不是有效的日期" in reasons[7]
    assert "超出范围" in reasons[8]
    assert "状态为空" in reasons[9]
    assert Certificate.objects.get(cert_no="军残字第2号").grade == 9


def test_unknown_region_codes_rejected(tmp_path, ids):
    persons = [(ids[0], "张伟", "男", "110105", "", "", ""), (ids[1], "李娜", "女", "999999", "", "", "")]
    result = feed_import(kind="persons", path=write_csv(tmp_path / "p.csv", "persons", persons))
    assert (result.inserted, result.rejected, result.samples) == (1, 1, [(3, "区划代码999999未知")])
    wages = [("11", "2025-09-01", "2540"), ("98", "2025-09-01", "2540"), ("1101", "2025-09-01", "2600")]
    result = feed_import(kind="min_wages", path=write_csv(tmp_path / "m.csv", "min_wages", wages))
    assert (result.inserted, result.rejected) == (2, 1)
    assert "98未知" in result.samples[0][1]


def test_reference_kinds_land_in_core_tables(tmp_path):
    feed_import(kind="min_wages", path=write_csv(tmp_path / "m.csv", "min_wages", [("110000", "2025-09-01", "2540")]))
    feed_import(
        kind="social_avg_wages", path=write_csv(tmp_path / "s.csv", "social_avg_wages", [("31", "2024", "221000")])
    )
    feed_import(kind="ratios", path=write_csv(tmp_path / "r.csv", "ratios", [("11", "2025", "1.7")]))
    assert MinimumWage.objects.get(region_code="11", effective_from=date(2025, 9, 1)).amount == Decimal("2540.00")
    assert SocialAverageWage.objects.get(province_code="31", year=2024).annual_amount == Decimal("221000.00")
    assert EmploymentRatio.objects.get(province_code="11", year=2025).ratio_percent == Decimal("1.70")


# --- duplicate keys ------------------------------------------------------------------------------------------------


def test_duplicate_keys_last_wins_earlier_reported_as_superseded(tmp_path, ids, unit):
    rows = [
        (ids[0], unit, 202501, "1000"),  # 2 superseded by 5
        (ids[0], unit, 202502, "1000"),  # 3
        (ids[0], unit, 202501, "2000"),  # 4 superseded by 5
        (ids[0], unit, 202501, "3000"),  # 5 wins
        (ids[0], unit, 202502, "-1"),  # 6 rejected: does not supersede line 3
    ]
    report = tmp_path / "r.csv"
    out, _ = run("pension", write_csv(tmp_path / "p.csv", "pension", rows), "--report", report)
    assert out.splitlines()[-1] == "pension: 5 read, 2 inserted, 0 updated, 0 unchanged, 3 rejected"
    assert "其中2行被文件中后出现的相同主键行覆盖" in out
    assert PensionContribution.objects.get(month=202501).base_amount == Decimal("3000.00")
    assert PensionContribution.objects.get(month=202502).base_amount == Decimal("1000.00")
    got = report_rows(report)[1:]
    assert [(r[0], r[1]) for r in got] == [
        ("2", "被第5行（相同主键）覆盖"),
        ("4", "被第5行（相同主键）覆盖"),
        ("6", "缴费基数不能为负数"),
    ]
    assert got[1][2:] == [ids[0], unit, "202501", "2000"]


# --- files refused as a whole --------------------------------------------------------------------------------------


def refused(path, kind="pension") -> str:
    with pytest.raises(CommandError) as exc:
        run(kind, path)
    assert exc.value.returncode != 0
    assert PensionContribution.objects.count() == 0 and FeedImport.objects.count() == 0
    return str(exc.value)


def test_missing_column_refused(tmp_path, ids, unit):
    path = write_csv(tmp_path / "p.csv", ["id_number", "unit_uscc", "month"], [(ids[0], unit, 202501)])
    message = refused(path)
    assert "缺少必需的列：base_amount" in message and "file refused" in message


def test_non_utf8_refused_even_after_good_rows(tmp_path, ids, unit):
    path = write_csv(tmp_path / "p.csv", "pension", pension_rows(ids, unit, months=range(1, 13)) * 300)
    with path.open("ab") as f:
        f.write(f"{ids[0]},{unit},202501,5000,备注\n".encode("gbk"))
    assert "UTF-8" in refused(path)


def test_gbk_encoded_file_refused(tmp_path, ids, unit):
    path = write_csv(tmp_path / "p.csv", ["id_number", "unit_uscc", "month", "base_amount", "备注"], [], encoding="gbk")
    assert "UTF-8" in refused(path)


def test_truncated_last_line_refused(tmp_path, ids, unit):
    path = write_csv(tmp_path / "p.csv", "pension", pension_rows(ids, unit), newline_at_end=False)
    path.write_bytes(path.read_bytes()[:-8])
    assert "截断" in refused(path)


def test_unterminated_quote_refused(tmp_path, ids, unit):
    path = write_csv(tmp_path / "p.csv", "pension", pension_rows(ids, unit))
    with path.open("a", encoding="utf-8") as f:
        f.write(f'{ids[0]},{unit},202509,"5000\n')
    assert "引号未闭合" in refused(path)


def test_refused_file_writes_no_report(tmp_path, ids, unit):
    path = write_csv(tmp_path / "p.csv", ["id_number"], [(ids[0],)])
    with pytest.raises(CommandError):
        run("pension", path, "--report", tmp_path / "r.csv")
    assert not (tmp_path / "r.csv").exists()


def test_extra_columns_warn(tmp_path, ids, unit):
    path = write_csv(
        tmp_path / "p.csv",
        ["note", *("id_number", "unit_uscc", "month", "base_amount")],
        [("x", ids[0], unit, 202501, "1")],
    )
    out, err = run("pension", path)
    assert "忽略多余的列：note" in err
    assert out.splitlines()[-1] == "pension: 1 read, 1 inserted, 0 updated, 0 unchanged, 0 rejected"


def test_exit_status_from_the_command_line(tmp_path):
    """manage.py exits non-zero for a refused file (no database needed to refuse it)."""
    path = write_csv(tmp_path / "p.csv", ["id_number"], [])
    proc = subprocess.run(
        [sys.executable, "manage.py", "import_feed", "pension", str(path)],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode != 0
    assert "缺少必需的列" in proc.stderr


# --- dry run, log, recompute ---------------------------------------------------------------------------------------


def test_dry_run_counts_but_writes_nothing(tmp_path, ids, unit, queued):
    path = write_csv(tmp_path / "p.csv", "pension", [*pension_rows(ids, unit), ("", unit, 202501, "1")])
    report = tmp_path / "r.csv"
    out, _ = run("pension", path, "--dry-run", "--report", report)
    assert out.splitlines()[-1] == "pension: 10 read, 9 inserted, 0 updated, 0 unchanged, 1 rejected"
    assert "试运行" in out
    assert PensionContribution.objects.count() == 0
    assert FeedImport.objects.count() == 0 and AuditEvent.objects.count() == 0
    assert queued == []
    assert len(report_rows(report)) == 2


def test_import_is_logged_and_audited(tmp_path, ids, unit):
    feed_import(kind="pension", path=write_csv(tmp_path / "p.csv", "pension", pension_rows(ids, unit)), by="测试员")
    entry = FeedImport.objects.get()
    assert (entry.kind, entry.file_name, entry.rows_read, entry.rows_inserted, entry.by_label) == (
        "pension",
        "p.csv",
        9,
        9,
        "测试员",
    )
    event = AuditEvent.objects.get(action="feeds.import")
    assert event.object_id == str(entry.pk) and "9 inserted" in event.changes["summary"]


def test_touched_persons_are_recorded_for_recompute(tmp_path, ids, unit, queued, employer):
    from placements.models import PendingRecompute
    from tests.factories import placements as pf

    for i in ids[:2]:  # the third person has no placement: no grid to recompute
        pf.placement(employer, id_number=i)
    path = write_csv(tmp_path / "p.csv", "pension", pension_rows(ids, unit))
    out, _ = run("pension", path)
    assert sorted(PendingRecompute.objects.values_list("id_number", "year")) == sorted((i, 2025) for i in ids[:2])
    assert "已登记待重算安置月份表 2 人·年度" in out
    assert "安置月份表重算已交后台任务（db_worker）：当前待重算 2 人" in out
    assert queued == [{}]  # the drain is queued after every import
    out, _ = run("pension", path)  # nothing changed: nothing recorded, the drain queued again all the same
    assert "已登记待重算" not in out and len(queued) == 2
    assert PendingRecompute.objects.count() == 2


def test_min_wage_changes_recompute_every_person_of_the_affected_years(tmp_path):
    path = write_csv(tmp_path / "m.csv", "min_wages", [("11", "2025-09-01", "2540"), ("11", "2026-01-01", "2600")])
    result = feed_import(kind="min_wages", path=path, today=TODAY)
    assert result.recompute == [RecomputeRequest(None, 2025), RecomputeRequest(None, 2026)]
    ratios = feed_import(kind="ratios", path=write_csv(tmp_path / "r.csv", "ratios", [("11", "2025", "1.7")]))
    assert ratios.recompute == []


def test_recompute_is_chunked(tmp_path, unit, monkeypatch):
    from feeds import services

    monkeypatch.setattr(services, "RECOMPUTE_CHUNK", 2)
    ids = [person_id() for _ in range(5)]
    path = write_csv(tmp_path / "w.csv", "wages", pension_rows(ids, unit, months=(1,)))
    result = feed_import(kind="wages", path=path)
    assert [len(r.id_numbers) for r in result.recompute] == [2, 2, 1]
    assert sorted(i for r in result.recompute for i in r.id_numbers) == sorted(ids)
    assert {r.year for r in result.recompute} == {None}
    assert WageRecord.objects.count() == 5


def test_a_dry_run_calls_for_no_recompute(tmp_path, ids, unit):
    path = write_csv(tmp_path / "p.csv", "pension", pension_rows(ids, unit))
    assert feed_import(kind="pension", path=path, dry_run=True).recompute == []


def test_copy_method_needs_postgresql(tmp_path, ids, unit):
    if connection.vendor == "postgresql":
        pytest.skip("SQLite-only check")
    with pytest.raises(CommandError):
        run("pension", write_csv(tmp_path / "p.csv", "pension", []), "--method", "copy")


def test_the_real_recompute_task_runs_at_once_with_the_immediate_backend(tmp_path, ids, unit, employer):
    from placements.models import PendingRecompute, PlacementMonth
    from tests.factories import placements as pf

    p = pf.placement(employer, id_number=ids[0])
    out, _ = run("pension", write_csv(tmp_path / "p.csv", "pension", pension_rows(ids, unit)))
    assert "已登记待重算安置月份表 1 人·年度" in out and "安置月份表已重算，无待重算人员" in out
    assert PlacementMonth.objects.filter(placement=p).count() == 12 and not PendingRecompute.objects.exists()
    out, _ = run("min_wages", write_csv(tmp_path / "m.csv", "min_wages", [("11", "2025-09-01", "2540")]))
    assert "已登记待重算安置月份表 1 人·年度" in out and "安置月份表已重算" in out


def test_full_width_digits_are_rejected_not_passed_to_the_database(tmp_path, ids, unit):
    wide = str.maketrans("0123456789", "０１２３４５６７８９")
    rows = [
        (ids[0], unit, "202501".translate(wide), "5000"),
        (ids[1].translate(wide), unit, 202501, "5000"),
        (ids[2], unit, 202501, "5000".translate(wide)),
        (ids[2], unit, 202502, "5000"),
    ]
    result = feed_import(kind="pension", path=write_csv(tmp_path / "p.csv", "pension", rows))
    assert (result.inserted, result.rejected) == (1, 3)
    reasons = [reason for _, reason in result.samples]
    assert "YYYYMM" in reasons[0] and "格式错误" in reasons[1] and "不是有效的数字" in reasons[2]
