"""Reclaiming tasks a dead worker left RUNNING, pruning finished rows, the backlog in the admin (issue 16)."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult, get_date_max

from core.task_maintenance import parse_age, tasks_backlog, tasks_prune, tasks_reclaim

pytestmark = pytest.mark.django_db

RECOMPUTE = "placements.grid.tasks.recompute_persons"


def _task(**fields) -> DBTaskResult:
    defaults = {
        "args_kwargs": {"args": [], "kwargs": {"id_numbers": [], "year": 2025}},
        "task_path": RECOMPUTE,
        "backend_name": "default",
        "run_after": get_date_max(),
        "queue_name": "default",
    }
    return DBTaskResult.objects.create(**(defaults | fields))


def _running(worker_ids, started_ago: timedelta) -> DBTaskResult:
    return _task(status=TaskResultStatus.RUNNING, worker_ids=worker_ids, started_at=timezone.now() - started_ago)


def test_a_dead_workers_task_is_requeued_at_once_and_a_live_ones_is_not():
    dead = _running(["node1-w1-1"], timedelta(seconds=5))
    alive = _running(["node1-w2-1"], timedelta(seconds=5))
    result = tasks_reclaim(dead_workers=["node1-w1-1"])
    assert result.requeued == [str(dead.pk)] and result.failed == []
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert dead.status == TaskResultStatus.READY and dead.started_at is None
    assert dead.worker_ids == ["node1-w1-1"]  # the history stays
    assert alive.status == TaskResultStatus.RUNNING


def test_a_task_running_past_the_timeout_is_requeued_a_recent_one_is_not():
    old = _running(["lost-node-w1"], timedelta(hours=2))
    recent = _running(["w2"], timedelta(minutes=5))
    result = tasks_reclaim(older_than=timedelta(hours=1))
    assert result.requeued == [str(old.pk)]
    assert DBTaskResult.objects.get(pk=recent.pk).status == TaskResultStatus.RUNNING
    assert DBTaskResult.objects.get(pk=old.pk).status == TaskResultStatus.READY


def test_a_task_that_keeps_killing_its_workers_is_given_up():
    poison = _running(["w1", "w2", "w3"], timedelta(hours=2))
    result = tasks_reclaim(older_than=timedelta(hours=1), max_attempts=3)
    assert result.failed == [str(poison.pk)] and result.requeued == []
    poison.refresh_from_db()
    assert poison.status == TaskResultStatus.FAILED
    assert poison.exception_class_path == "core.task_maintenance.AbandonedTask"
    assert "claimed 3 times" in poison.traceback and poison.finished_at is not None


def test_finished_and_waiting_tasks_are_never_reclaimed_and_dry_run_changes_nothing():
    done = _task(status=TaskResultStatus.SUCCESSFUL, worker_ids=["w1"], finished_at=timezone.now())
    waiting = _task()
    stale = _running(["w1"], timedelta(hours=3))
    result = tasks_reclaim(older_than=timedelta(minutes=1), dead_workers=["w1"], dry_run=True)
    assert result.requeued == [str(stale.pk)]
    assert DBTaskResult.objects.get(pk=stale.pk).status == TaskResultStatus.RUNNING
    assert DBTaskResult.objects.get(pk=done.pk).status == TaskResultStatus.SUCCESSFUL
    assert DBTaskResult.objects.get(pk=waiting.pk).status == TaskResultStatus.READY


def test_a_reclaimed_task_is_run_to_the_end_by_another_worker(monkeypatch):
    """The whole story of issue 16: a worker killed mid-task; the task requeued; the next worker finishes it."""
    # The worker closes "old" connections between tasks, which would close the test's transaction on PostgreSQL.
    monkeypatch.setattr("django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None)
    stuck = _running(["killed-worker"], timedelta(seconds=30))
    call_command("reclaim_tasks", "--worker", "killed-worker", "--only-workers", verbosity=0)
    worker = Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="second-worker",
        excluded_queue_names=[],
    )
    worker.run()
    stuck.refresh_from_db()
    assert stuck.status == TaskResultStatus.SUCCESSFUL, stuck.traceback
    assert stuck.return_value == 0
    assert stuck.worker_ids == ["killed-worker", "second-worker"]
    assert tasks_backlog()["running"] == 0


def test_reclaim_command_uses_the_timeout(capsys):
    _running(["w1"], timedelta(minutes=40))
    call_command("reclaim_tasks", "--older-than", "1h")
    assert "重新排队 0 个任务" in capsys.readouterr().out
    call_command("reclaim_tasks", "--older-than", "30m")
    assert "重新排队 1 个任务" in capsys.readouterr().out


def test_prune_deletes_only_finished_rows_older_than_the_cutoff(capsys):
    now = timezone.now()
    old_ok = _task(status=TaskResultStatus.SUCCESSFUL, finished_at=now - timedelta(days=40))
    old_failed = _task(status=TaskResultStatus.FAILED, finished_at=now - timedelta(days=31))
    recent = _task(status=TaskResultStatus.SUCCESSFUL, finished_at=now - timedelta(days=2))
    waiting = _task(enqueued_at=now - timedelta(days=90))
    running = _running(["w1"], timedelta(days=60))
    assert tasks_prune(older_than=timedelta(days=30), dry_run=True) == 2
    assert DBTaskResult.objects.count() == 5
    call_command("prune_tasks", "--older-than", "30d")
    assert "已删除已完成的任务记录 2 条" in capsys.readouterr().out
    left = set(DBTaskResult.objects.values_list("pk", flat=True))
    assert left == {recent.pk, waiting.pk, running.pk}
    assert old_ok.pk not in left and old_failed.pk not in left


def test_parse_age():
    assert parse_age("30d") == timedelta(days=30)
    assert parse_age("12h") == timedelta(hours=12)
    assert parse_age("90m") == timedelta(minutes=90)
    assert parse_age("7") == timedelta(days=7)
    with pytest.raises(ValueError):
        parse_age("soon")


def test_the_admin_list_shows_the_backlog(admin_client, settings):
    settings.ADMIN_REQUIRE_OTP = False
    settings.HEALTHZ_TASK_WAIT_SECONDS = 60
    waiting = _task()
    DBTaskResult.objects.filter(pk=waiting.pk).update(enqueued_at=timezone.now() - timedelta(minutes=10))
    _running(["node1-w1-3"], timedelta(seconds=10))
    page = admin_client.get("/admin/django_tasks_database/dbtaskresult/").content.decode()
    assert "待运行任务 1 个，最早的已等待 10 分钟" in page
    assert "运行中 1 个" in page
    assert "任务积压" in page  # stale: waited longer than HEALTHZ_TASK_WAIT_SECONDS
    assert "node1-w1-3" in page
