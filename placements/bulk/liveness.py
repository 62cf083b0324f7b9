"""Is a batch that says 正在检查 / 正在导入 still being worked on? (The report page must not show "正在导入" for ever
after the worker running it died.)

A batch is *interrupted* when it is busy and its task cannot finish it any more — in the terms of
:mod:`core.task_maintenance`:

- with the database task backend (production): its task row is gone (never enqueued, or pruned), FAILED (e.g.
  given up by ``tasks_reclaim`` after killing its workers, ``AbandonedTask``), SUCCESSFUL while the batch is still
  busy, or RUNNING for longer than :func:`core.task_maintenance.default_reclaim_after` (stale: its worker is taken as
  dead). A row waiting to run (READY, also one requeued by ``tasks_reclaim``) is not interrupted;
- with the immediate backend (development) the work runs in the request: a batch busy for longer than that same
  age was left by a process that died.

Nothing is written here: the page shows 处理中断，请重新提交 (:attr:`BulkImport.INTERRUPTED`), and nothing was
imported — the import is one transaction. A re-run of a requeued task stays safe (``_confirm`` checks the status).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.tasks import default_task_backend
from django.utils import timezone

from core.task_maintenance import default_reclaim_after
from placements.bulk.models import BulkImport

GRACE = timedelta(minutes=2)  # a task is enqueued when the upload's transaction commits: no row for a moment
TASKS = {
    BulkImport.Status.CHECKING: "placements.bulk.tasks.bulk_check",
    BulkImport.Status.IMPORTING: "placements.bulk.tasks.bulk_confirm",
}


def _since(batch: BulkImport) -> datetime:
    if batch.status == BulkImport.Status.IMPORTING and batch.confirmed_at:
        return batch.confirmed_at
    return batch.created_at


def _database_backend() -> bool:
    return type(default_task_backend).__module__.startswith("django_tasks_db")


def mark_interrupted(batches: Iterable[BulkImport], *, now: datetime | None = None) -> None:
    """Set ``interrupted`` on each busy batch whose task cannot finish it (see the module docstring); one query
    for all of them with the database backend, none otherwise."""
    busy = [b for b in batches if b.status in TASKS]
    if not busy:
        return
    now = now or timezone.now()
    stale = now - default_reclaim_after()
    if not _database_backend():
        for batch in busy:
            batch.interrupted = _since(batch) < stale
        return
    from django.db.models import Q
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    wanted = Q()
    for batch in busy:
        wanted |= Q(task_path=TASKS[batch.status], args_kwargs__args__0=batch.pk)
    rows: dict[tuple[str, int], tuple] = {}
    for path, args, status, started in (
        DBTaskResult.objects.filter(wanted)
        .order_by("enqueued_at")
        .values_list("task_path", "args_kwargs__args", "status", "started_at")
    ):
        rows[(path, args[0])] = (status, started)  # the latest row of each batch wins
    for batch in busy:
        row = rows.get((TASKS[batch.status], batch.pk))
        if row is None:
            batch.interrupted = _since(batch) < now - GRACE
            continue
        status, started = row
        batch.interrupted = status in (TaskResultStatus.FAILED, TaskResultStatus.SUCCESSFUL) or (
            status == TaskResultStatus.RUNNING and started is not None and started < stale
        )
