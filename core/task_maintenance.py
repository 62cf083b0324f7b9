"""Keeping the django-tasks-db task table healthy: reclaim tasks a dead worker left RUNNING, prune finished rows.

A ``db_worker`` killed mid-task (SIGKILL, OOM, a node lost) leaves its row RUNNING for ever; django-tasks-db never
looks at it again. :func:`tasks_reclaim` puts such rows back to READY so that another worker runs them:

* rows of named workers known to be dead (``worker_ids``: the supervisor, ``scripts/supervise.py``, passes the id
  of the worker it just saw exit), at once;
* any row RUNNING for longer than ``older_than`` (a worker on a lost node, whose supervisor died with it).

A task claimed ``max_attempts`` times already (it keeps killing its worker) is marked FAILED instead, with
``AbandonedTask`` as its exception, so it cannot take the workers down in a loop; it shows in the admin's failed list.

Re-running is safe for every task of this repository (a reclaimed task may also run twice when the timeout is
shorter than a legitimately long run):

* ``placements.grid.tasks.recompute_persons`` recomputes grids from the facts: the same input gives the same rows,
  a second run writes nothing;
* ``placements.grid.tasks.recompute_pending`` drains the durable recompute queue (``placements.PendingRecompute``):
  a row is deleted only in the transaction that recomputed its grid, so a re-run does what is left;
* ``declarations.tasks.issue_due_certificates`` stores only the certificates that are not stored yet;
* ``declarations.tasks.export_tax_batch`` exports, in one transaction under a table lock, the records after the
  last exported one: a re-run finds nothing queued and writes no batch.

:func:`tasks_prune` deletes SUCCESSFUL / FAILED rows finished before a cut-off (the table otherwise grows by one row
per feed import and daily job for ever). :func:`tasks_backlog` is what ``/healthz`` and the admin show.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Min
from django.utils import timezone

log = logging.getLogger(__name__)

DEFAULT_MAX_ATTEMPTS = 3
PRUNE_CHUNK = 5000


class AbandonedTask(Exception):
    """Recorded as the exception of a task given up after too many attempts (its workers kept dying)."""


@dataclass
class ReclaimResult:
    requeued: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{len(self.requeued)} task(s) requeued, {len(self.failed)} given up (FAILED)"


def default_reclaim_after() -> timedelta:
    """A RUNNING task older than this is taken as abandoned: ``TASK_RECLAIM_SECONDS`` (default: the health
    endpoint's ``HEALTHZ_TASK_RUNNING_SECONDS``, one hour)."""
    seconds = getattr(settings, "TASK_RECLAIM_SECONDS", None) or settings.HEALTHZ_TASK_RUNNING_SECONDS
    return timedelta(seconds=seconds)


def tasks_reclaim(
    *,
    older_than: timedelta | None = None,
    dead_workers: Iterable[str] = (),
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    dry_run: bool = False,
    now: datetime | None = None,
) -> ReclaimResult:
    """Put RUNNING tasks of ``dead_workers``, and those started before ``now - older_than``, back to READY (or FAILED
    after ``max_attempts`` claims). ``older_than`` None: only the dead workers' tasks."""
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    dead = {w for w in dead_workers if w}
    result = ReclaimResult()
    with transaction.atomic():
        # skip_locked: a row a worker is finishing right now (set_successful) is not touched.
        running = DBTaskResult.objects.running().select_for_update(skip_locked=True).order_by("started_at")
        for row in running:
            last_worker = row.worker_ids[-1] if row.worker_ids else ""
            too_old = older_than is not None and row.started_at is not None and row.started_at < now - older_than
            if last_worker not in dead and not too_old:
                continue
            reason = f"worker {last_worker or '?'} " + (
                "exited" if last_worker in dead else f"silent since {row.started_at}"
            )
            if len(row.worker_ids) >= max_attempts:
                result.failed.append(str(row.id))
                log.error(
                    "task %s (%s) given up after %d attempts: %s", row.id, row.task_path, len(row.worker_ids), reason
                )
                if not dry_run:
                    row.status = TaskResultStatus.FAILED
                    row.finished_at = now
                    row.return_value = None
                    row.exception_class_path = f"{AbandonedTask.__module__}.{AbandonedTask.__qualname__}"
                    row.traceback = (
                        f"{AbandonedTask.__qualname__}: claimed {len(row.worker_ids)} times "
                        f"({', '.join(row.worker_ids)}); last: {reason}\n"
                    )
                    row.save(
                        update_fields=["status", "finished_at", "return_value", "exception_class_path", "traceback"]
                    )
            else:
                result.requeued.append(str(row.id))
                log.warning("task %s (%s) requeued: %s", row.id, row.task_path, reason)
                if not dry_run:
                    row.status = TaskResultStatus.READY
                    row.started_at = None
                    row.save(update_fields=["status", "started_at"])
    return result


def parse_age(text: str) -> timedelta:
    """``30d``, ``12h``, ``90m``, ``45s`` or a bare number of days."""
    text = text.strip().lower()
    units = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}
    unit = units.get(text[-1:]) if text else None
    number = text[:-1] if unit else text
    try:
        value = float(number)
    except ValueError:
        raise ValueError(f"not an age: {text!r} (e.g. 30d, 12h, 90m)") from None
    if value < 0:
        raise ValueError(f"not an age: {text!r}")
    return timedelta(**{unit or "days": value})


def tasks_prune(*, older_than: timedelta, dry_run: bool = False, now: datetime | None = None) -> int:
    """Delete finished (SUCCESSFUL, FAILED) task rows that finished before ``now - older_than``; their number.
    Deleted in chunks, so a large first prune does not hold one long transaction."""
    from django_tasks_db.models import DBTaskResult

    cutoff = (now or timezone.now()) - older_than
    finished = DBTaskResult.objects.finished().filter(finished_at__lt=cutoff)
    if dry_run:
        return finished.count()
    deleted = 0
    while True:
        ids = list(finished.order_by().values_list("pk", flat=True)[:PRUNE_CHUNK])
        if not ids:
            return deleted
        count, _ = DBTaskResult.objects.filter(pk__in=ids).delete()
        deleted += count


def tasks_backlog(now: datetime | None = None) -> dict:
    """The backlog as ``/healthz`` and the admin show it: tasks waiting, the oldest wait in seconds, tasks running,
    tasks running for longer than ``HEALTHZ_TASK_RUNNING_SECONDS``, failed in the last 24 hours, ``stale``."""
    from django_tasks_db.models import DBTaskResult, get_date_max

    now = now or timezone.now()
    waiting = DBTaskResult.objects.ready()
    # A task scheduled for later has waited since its run_after; one queued to run at once since it was queued.
    oldest = [
        waiting.exclude(run_after=get_date_max()).aggregate(t=Min("run_after"))["t"],
        waiting.filter(run_after=get_date_max()).aggregate(t=Min("enqueued_at"))["t"],
    ]
    known = [t for t in oldest if t is not None]
    oldest_wait = max(0, int((now - min(known)).total_seconds())) if known else 0
    running_limit = timedelta(seconds=settings.HEALTHZ_TASK_RUNNING_SECONDS)
    running = DBTaskResult.objects.running()
    overdue = running.filter(started_at__lt=now - running_limit).count()
    return {
        "ready": waiting.count(),
        "oldest_ready_seconds": oldest_wait,
        "running": running.count(),
        "running_too_long": overdue,
        "failed_24h": DBTaskResult.objects.failed().filter(finished_at__gte=now - timedelta(days=1)).count(),
        "stale": oldest_wait > settings.HEALTHZ_TASK_WAIT_SECONDS or overdue > 0,
    }
