"""The durable queue of grid recomputes (ADR 0017) on the portable path: recorded with the data, drained set-based,
retried until done, reported by import_feed and the sweep, shown read-only in the admin."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from feeds.models import PensionContribution
from feeds.services import RecomputeRequest, feed_import
from placements.grid import pending
from placements.grid.pending import pending_drain, pending_record, pending_summary
from placements.models import PendingRecompute, PlacementMonth
from tests.factories import placements as pf
from tests.factories.feeds import write_csv

pytestmark = pytest.mark.django_db


def rows() -> list[tuple[str, int]]:
    return sorted(PendingRecompute.objects.values_list("id_number", "year"))


def run(*args) -> str:
    out = StringIO()
    call_command(*map(str, args), stdout=out, stderr=StringIO())
    return out.getvalue()


# --- recording ----------------------------------------------------------------------------------------------------


def test_only_persons_with_an_open_placement_are_recorded_once_per_year(employer, other_employer):
    a = pf.placement(employer)
    pf.placement(other_employer, id_number=a.id_number)  # two units, one year: one row
    pf.placement(employer, id_number=a.id_number, year=2024)
    frozen = pf.placement(employer, frozen=True)
    nobody = pf.person_id()
    written = pending_record(requests=[RecomputeRequest([a.id_number.lower(), frozen.id_number, nobody], None)])
    assert written == 2
    assert rows() == [(a.id_number, 2024), (a.id_number, 2025)]


def test_recording_again_refreshes_the_request_and_keeps_its_history(employer):
    a = pf.placement(employer)
    first = timezone.now() - timedelta(hours=2)
    pending_record(requests=[RecomputeRequest([a.id_number], 2025)], now=first)
    PendingRecompute.objects.update(attempts=2, last_error="boom")
    pending_record(requests=[RecomputeRequest([a.id_number], 2025)])
    row = PendingRecompute.objects.get()
    assert row.created_at == first and row.requested_at > first and (row.attempts, row.last_error) == (2, "boom")


def test_a_reference_feed_records_everyone_of_the_year(employer, other_employer):
    people = [pf.placement(employer), pf.placement(other_employer), pf.placement(employer, year=2024)]
    pending_record(requests=[RecomputeRequest(None, 2025)])
    assert rows() == sorted((p.id_number, 2025) for p in people[:2])


def test_the_record_is_part_of_the_import_transaction(tmp_path, employer):
    """A failure while recording rolls the feed rows back too: data and the need to recompute commit together."""
    p = pf.placement(employer)
    path = write_csv(tmp_path / "p.csv", "pension", [(p.id_number, employer.uscc, 202501, "5000")])

    def broken(requests):
        raise OperationalError("connection lost while recording")

    with pytest.raises(OperationalError):
        feed_import(kind="pension", path=path, record_recompute=broken)
    assert not PensionContribution.objects.exists() and not PendingRecompute.objects.exists()
    result = feed_import(kind="pension", path=path, record_recompute=lambda r: pending_record(requests=r))
    assert result.recompute_recorded == 1 and rows() == [(p.id_number, 2025)]
    assert feed_import(kind="pension", path=path, dry_run=True, record_recompute=lambda r: 1 / 0).dry_run


# --- draining -----------------------------------------------------------------------------------------------------


def test_the_drain_recomputes_the_open_grids_and_deletes_the_rows(employer):
    done = pf.complete_person(employer)
    frozen = pf.complete_person(employer, frozen=True)
    other = pf.complete_person(employer)  # not requested: untouched
    pending_record(requests=[RecomputeRequest([done.id_number, frozen.id_number], None)])
    assert rows() == [(done.id_number, 2025)]
    result = pending_drain()
    assert (result.settled, result.placements, result.ok) == (1, 1, True)
    assert PlacementMonth.objects.filter(placement=done, verified=True).count() == 12
    assert not PlacementMonth.objects.filter(placement__in=[frozen, other]).exists()
    assert not PendingRecompute.objects.exists()


def drain_queries(employer, n: int) -> int:
    people = [pf.complete_person(employer) for _ in range(n)]
    pending_record(requests=[RecomputeRequest([p.id_number for p in people], None)])
    with CaptureQueriesContext(connection) as ctx:
        result = pending_drain()
    assert result.settled == n and PlacementMonth.objects.filter(verified=True).count() == 12 * n
    PlacementMonth.objects.all().delete()
    return len(ctx.captured_queries)


def test_the_drain_is_set_based(employer):
    """No query per person: 50 persons cost what 30 do (and 1 no more; on PostgreSQL a batch over 240 months is
    written through a COPY staging table, three statements more, whatever its size)."""
    one = drain_queries(employer, 1)
    thirty = drain_queries(employer, 30)
    fifty = drain_queries(employer, 50)
    assert thirty == fifty
    assert one <= fifty <= 23  # savepoints, claim, lock, facts (6), upsert, touch, delete, the empty closing claim


def test_the_drain_works_in_batches_oldest_first(employer):
    people = [pf.complete_person(employer) for _ in range(5)]
    pending_record(requests=[RecomputeRequest([p.id_number for p in people], None)])
    result = pending_drain(batch=2, max_batches=2)
    assert result.settled == 4 and PendingRecompute.objects.count() == 1
    assert pending_drain(batch=2).settled == 1 and not PendingRecompute.objects.exists()


def test_a_lost_connection_leaves_every_row_for_the_next_drain(employer, monkeypatch):
    people = [pf.complete_person(employer) for _ in range(3)]
    pending_record(requests=[RecomputeRequest([p.id_number for p in people], None)])
    real = pending.grid_recompute_many

    def outage(**kwargs):
        real(**kwargs)  # the months are written … and the connection goes before the commit
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(pending, "grid_recompute_many", outage)
    result = pending_drain()
    assert (result.settled, result.interrupted, result.ok) == (0, True, False)
    assert "server closed the connection" in result.errors[0]
    assert PendingRecompute.objects.count() == 3 and not PlacementMonth.objects.exists()  # rolled back whole
    monkeypatch.setattr(pending, "grid_recompute_many", real)
    assert pending_drain().settled == 3
    assert PlacementMonth.objects.filter(verified=True).count() == 36


def test_one_failing_grid_does_not_hold_up_the_others(employer, monkeypatch):
    people = [pf.complete_person(employer) for _ in range(5)]
    bad = people[3].id_number
    pending_record(requests=[RecomputeRequest([p.id_number for p in people], None)])
    real = pending.grid_recompute_many

    def failing(*, placements_qs, **kwargs):
        if placements_qs.filter(id_number=bad).exists():
            raise ValueError("rule error for this person")
        return real(placements_qs=placements_qs, **kwargs)

    monkeypatch.setattr(pending, "grid_recompute_many", failing)
    result = pending_drain()
    assert (result.settled, result.failed, result.ok) == (4, 1, False)
    row = PendingRecompute.objects.get()
    assert row.id_number == bad and row.attempts == 1 and "rule error" in row.last_error
    assert row.last_attempt_at is not None
    assert pending_summary().failing == 1
    monkeypatch.setattr(pending, "grid_recompute_many", real)
    assert pending_drain().settled == 1 and not PendingRecompute.objects.exists()


def test_a_row_another_drainer_settled_is_not_claimed_again(employer):
    people = [pf.complete_person(employer) for _ in range(2)]
    pending_record(requests=[RecomputeRequest([p.id_number for p in people], None)])
    ids = list(PendingRecompute.objects.values_list("pk", flat=True))
    PendingRecompute.objects.filter(pk=ids[0]).delete()  # settled meanwhile by another process
    assert pending._claim(wanted=ids, exclude=set(), batch=10) == ids[1:]
    assert pending._claim(wanted=None, exclude={ids[1]}, batch=10) == []


# --- the commands ---------------------------------------------------------------------------------------------------


def test_import_feed_says_when_the_follow_up_failed_and_a_rerun_redoes_it(tmp_path, employer, monkeypatch):
    people = [pf.complete_person(employer) for _ in range(2)]
    PlacementMonth.objects.all().delete()
    path = write_csv(tmp_path / "p.csv", "pension", [(p.id_number, employer.uscc, 202601, "5000") for p in people])

    def outage(**kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(pending, "grid_recompute_many", outage)
    out = StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("import_feed", "pension", str(path), stdout=out, stderr=StringIO())
    assert failed.value.returncode == 3
    assert "安置月份表重算未完成" in str(failed.value) and "待重算 2 人" in str(failed.value)
    assert "recompute_grids --pending" in str(failed.value) and "could not connect to server" in str(failed.value)
    assert out.getvalue().splitlines()[-1] == "pension: 2 read, 2 inserted, 0 updated, 0 unchanged, 0 rejected"
    assert PensionContribution.objects.filter(month=202601).count() == 2 and len(rows()) == 2

    monkeypatch.undo()
    out = run("import_feed", "pension", path)  # the same file again: nothing changes, the owed grids are done
    assert "0 inserted" in out and "安置月份表已重算，无待重算人员" in out
    assert not PendingRecompute.objects.exists()
    assert PlacementMonth.objects.filter(verified=True).count() == 24


def test_import_feed_names_what_it_recorded_when_the_database_cannot_be_asked(tmp_path, employer, monkeypatch):
    from placements.management.commands import import_feed

    people = [pf.placement(employer) for _ in range(2)]
    path = write_csv(tmp_path / "p.csv", "pension", [(p.id_number, employer.uscc, 202501, "5000") for p in people])

    def gone():
        raise OperationalError("the database system is shutting down")

    monkeypatch.setattr(pending, "grid_recompute_many", lambda **kw: gone())
    monkeypatch.setattr(import_feed, "pending_summary", gone)
    with pytest.raises(CommandError) as failed:
        run("import_feed", "pension", path)
    assert failed.value.returncode == 3
    assert "待重算 至少 2 人·年度（本次导入登记，总数暂无法统计）" in str(failed.value)
    assert len(rows()) == 2


def test_an_outage_before_the_commit_loses_the_import_whole_and_says_so(tmp_path, employer, monkeypatch):
    from feeds import services

    p = pf.placement(employer)
    path = write_csv(tmp_path / "p.csv", "pension", [(p.id_number, employer.uscc, 202501, "5000")])

    def gone(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(services, "_log", gone)  # the last write of the import's transaction
    with pytest.raises(CommandError) as failed:
        run("import_feed", "pension", path)
    assert failed.value.returncode == 1 and "数据库连接中断，本次导入已整体回滚（未写入任何数据）" in str(failed.value)
    assert not PensionContribution.objects.exists() and not PendingRecompute.objects.exists()


def test_the_sweep_drains_and_reports(employer, monkeypatch):
    people = [pf.complete_person(employer) for _ in range(3)]
    pending_record(requests=[RecomputeRequest([p.id_number for p in people], None)])
    assert "待重算 3 人（3 人·年度）（试运行，未重算）" in run("recompute_grids", "--pending", "--dry-run")
    monkeypatch.setattr(pending, "grid_recompute_many", lambda **kw: 1 / 0)
    with pytest.raises(CommandError) as failed:
        run("recompute_grids", "--pending")
    assert failed.value.returncode == 3 and "ZeroDivisionError" in str(failed.value)
    monkeypatch.undo()
    out = run("recompute_grids", "--pending")
    assert "3 人·年度已重算（3 条安置登记）" in out and "仍待重算 0 人" in out
    assert run("recompute_grids", "--pending").strip() == "recompute_grids --pending: 待重算 0 人（0 人·年度）"
    with pytest.raises(CommandError):
        run("recompute_grids", "--pending", "--year", "2025")


# --- admin --------------------------------------------------------------------------------------------------------


def test_the_admin_list_is_read_only_with_counts_and_bounded_queries(
    settings, admin_client, employer, django_assert_max_num_queries
):
    settings.ADMIN_REQUIRE_OTP = False
    url = "/admin/placements/pendingrecompute/"
    people = [pf.placement(employer)]
    pending_record(
        requests=[RecomputeRequest([p.id_number for p in people], None)], now=timezone.now() - timedelta(minutes=30)
    )
    with django_assert_max_num_queries(12) as one:
        page = admin_client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "待重算 1 人（1 人·年度），最早的已等待 30 分钟" in text
    assert people[0].id_number not in text  # masked
    people += [pf.placement(employer) for _ in range(49)]
    pending_record(requests=[RecomputeRequest([p.id_number for p in people], None)])
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert "待重算 50 人" in admin_client.get(url).content.decode()
    row = PendingRecompute.objects.first()
    assert admin_client.get(f"{url}add/").status_code == 403
    assert admin_client.post(f"{url}{row.pk}/delete/").status_code == 403
    assert admin_client.post(url, {"action": "delete_selected", "_selected_action": [row.pk]}).status_code in (200, 302)
    assert PendingRecompute.objects.count() == 50


def test_the_admin_list_is_for_staff_only(client, employer_user):
    client.force_login(employer_user)
    response = client.get("/admin/placements/pendingrecompute/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
