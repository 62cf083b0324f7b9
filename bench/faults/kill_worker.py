"""Fault: a task worker killed with SIGKILL in the middle of a grid recompute; the task is reclaimed and finishes.

    .venv/bin/python bench/faults/kill_worker.py [--year Y]

Against ``make cluster`` seeded with ``make cluster-seed``. To catch a worker *in* a task every time, the script
holds an ACCESS EXCLUSIVE lock on the month table (placements_placementmonth) in a transaction of its own, queues
``recompute_persons(None, Y)`` (every open placement of year Y, as after a feed import), waits until a worker has
claimed it and is blocked inside it, SIGKILLs that worker process, then releases the lock. The supervisor
(scripts/supervise.py; systemd's ExecStopPost in production) requeues the task of the worker it saw die
(``reclaim_tasks --worker``) and starts a new worker; some worker runs the task to the end.

Prints: seconds from the kill to the task requeued and to it finished, the workers that claimed it, the month rows
of year Y before and after (same count, no duplicates: nothing done twice), the task's return value against the
number of open placements, and the supervisor's log lines of the episode.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path

import _cluster


def worker_pid(worker_id: str) -> int | None:
    """The db_worker process started with ``--worker-id worker_id`` (from /proc)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"db_worker" in argv and worker_id.encode() in argv:
            return int(entry.name)
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--year", type=int, default=None, help="default: the year with the most open placements")
    args = parser.parse_args()
    env = _cluster.use_cluster_env()
    import django

    django.setup()
    import psycopg2
    from django.db.models import Count
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from placements.grid.tasks import recompute_persons
    from placements.models import Placement, PlacementMonth

    open_placements = Placement.objects.open()
    year = args.year or (open_placements.values("year").annotate(n=Count("id")).order_by("-n").first() or {}).get(
        "year"
    )
    if not year:
        sys.exit("no open placement in the cluster's database: run `make cluster-seed` first")
    n_open = open_placements.filter(year=year).count()
    months = PlacementMonth.objects.filter(year=year)
    rows_before = months.count()
    log_file = _cluster.RUN / "logs" / "workers.log"
    log_offset = log_file.stat().st_size if log_file.exists() else 0
    print(
        f"kill_worker: year {year}, {n_open} open placements, {rows_before} month rows; load average "
        + ", ".join(f"{x:.2f}" for x in os.getloadavg())
    )

    blocker = psycopg2.connect(env["DATABASE_URL"])
    with blocker.cursor() as cur:
        cur.execute(f"LOCK TABLE {PlacementMonth._meta.db_table} IN ACCESS EXCLUSIVE MODE")
    result = recompute_persons.enqueue(None, year)
    deadline = time.monotonic() + 60
    row = DBTaskResult.objects.get(pk=result.id)
    while row.status != TaskResultStatus.RUNNING and time.monotonic() < deadline:
        time.sleep(0.2)
        row.refresh_from_db()
    if row.status != TaskResultStatus.RUNNING:
        blocker.rollback()
        sys.exit(f"no worker claimed the task within 60 s (status {row.status}): are the workers running?")
    victim = row.worker_ids[-1]
    time.sleep(1.0)  # inside the task, waiting for the lock
    pid = worker_pid(victim)
    if pid is None:
        blocker.rollback()
        sys.exit(f"worker {victim} not found among the processes")
    os.kill(pid, signal.SIGKILL)
    killed = time.monotonic()
    print(f"  task {result.id} claimed by {victim} (pid {pid}), blocked inside the recompute; SIGKILL sent")
    blocker.rollback()  # the lock goes
    blocker.close()

    requeued_after = finished_after = None
    status = None
    while time.monotonic() - killed < 180:
        row.refresh_from_db()
        if requeued_after is None and (row.status == TaskResultStatus.READY or len(row.worker_ids) > 1):
            requeued_after = time.monotonic() - killed
        if row.status in (TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED):
            finished_after = time.monotonic() - killed
            status = row.status
            break
        time.sleep(0.2)
    rows_after = months.count()
    duplicates = months.values("placement_id", "month").annotate(n=Count("id")).filter(n__gt=1).count()
    print(f"  requeued {requeued_after:.1f} s after the kill" if requeued_after is not None else "  NOT requeued")
    if finished_after is None:
        print(f"  NOT finished within 180 s (status {row.status})")
    else:
        print(
            f"  {status} {finished_after:.1f} s after the kill; workers that claimed it: {' → '.join(row.worker_ids)}"
        )
        print(f"  return value {row.return_value} placements recomputed (open placements of {year}: {n_open})")
    print(
        f"  month rows of {year}: {rows_before} before, {rows_after} after; duplicated (placement, month): {duplicates}"
    )
    time.sleep(1.0)  # the supervisor's last lines
    print("  supervisor's log of the episode:")
    with log_file.open("rb") as log:
        log.seek(log_offset)
        for line in log.read().decode("utf-8", "replace").splitlines():
            if "supervise[" in line:
                print("   ", line)
    ok = status == TaskResultStatus.SUCCESSFUL and rows_after == rows_before and not duplicates
    print("kill_worker:", "OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
