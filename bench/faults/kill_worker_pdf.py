"""Fault: a task worker killed with SIGKILL while it renders a PDF (审核认定书); the task is reclaimed and finishes.

    .venv/bin/python bench/faults/kill_worker_pdf.py [--units 6] [--after 2] [--at render|upload]

Against ``make cluster`` (``make cluster-seed`` not needed). First it makes sure at least ``--units`` submissions
have a certificate due and not stored: it declares new units of the business year 2025 as on 2026-09-30 (the test
factories, in this process only, under time_machine), so their 审核认定书 is available today. Then it queues
``issue_due_certificates`` (the daily task: every certificate due and not stored, one transaction each: row lock on the
submission, render the PDF with WeasyPrint, store it in the object store, link it), waits until the worker has stored
``--after`` of them, and watches the worker's database session: when it sits *idle in transaction* right after
reading the submission's people (the worker is in WeasyPrint, the row lock held, nothing stored yet for that
submission), the worker process gets SIGKILL. The supervisor (scripts/supervise.py; systemd's ExecStopPost in
production) requeues the task; a worker runs it again from the start.

``--at upload``: the kill comes later, in the upload of the rendered PDF — the object store is frozen (SIGSTOP to
moto) when the worker is caught rendering, the worker is killed once its PUT waits unread in the store's socket
(/proc/net/tcp), then the store resumes (SIGCONT) and reads the request of a process that is gone. The object that
request stores has no row (the transaction died with the worker): an orphan, counted and named, left to
``sweep_uploads`` (files under uploads/ without a row, after 24 h); everything else as above.

Checks (exit status 1 if one fails): the task finished; every submission that was due has exactly one certificate
(StoredFile row, audit event ``declaration.certificate_issue``), none was generated twice; the certificate rows new
since the start equal the submissions that were due; the bucket's new objects equal the new rows (no orphan object;
one that a kill during the upload left would be counted and named — ``sweep_uploads`` removes those after 24 h);
every new certificate reads back from the store as a PDF whose SHA-256 is the one in its row.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import secrets
import signal
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import _cluster
from kill_worker import worker_pid


def prepare(units: int) -> int:
    """Declare ``units`` new units of 2025 as on 2026-09-30 10:00 (Shanghai): certificates due today, not stored."""
    import time_machine

    from declarations import services
    from tests import factories
    from tests.factories import declarations as df
    from tests.factories.core import uscc_code

    with time_machine.travel(df.at(2026, 9, 30, 10, 0), tick=True):
        for _ in range(units):
            serial = 700_000_000 + secrets.randbelow(10**8)  # not the factories' sequence (new in every process)
            unit = factories.employer(name=f"故障演练单位{serial}", uscc=uscc_code("110101", serial))
            df.placement(unit, months=range(1, 13))
            services.declaration_declare(employer=unit, year=df.YEAR, by=None)
    return units


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, default=6, help="certificates due at least (new units declared if fewer)")
    parser.add_argument("--after", type=int, default=2, help="kill after this many certificates are stored")
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument("--at", choices=("render", "upload"), default="render", help="where the worker is killed")
    args = parser.parse_args()
    env = _cluster.use_cluster_env()
    import django

    django.setup()
    import boto3
    import psycopg2
    from django.core.files.storage import default_storage
    from django.utils import timezone
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from core.models import AuditEvent, StoredFile
    from declarations.constants import KIND_CERTIFICATE
    from declarations.models import Submission
    from declarations.selectors import certificate_available_from
    from declarations.tasks import issue_due_certificates

    today = timezone.localdate()

    def due() -> list[int]:
        pending = Submission.objects.filter(certificate_file__isnull=True, voided_at__isnull=True).order_by("id")
        return [s.pk for s in pending.select_related("declaration") if certificate_available_from(s).date <= today]

    t = time.monotonic()
    if len(due()) < args.units:
        made = prepare(args.units - len(due()))
        print(f"kill_worker_pdf: declared {made} new units as on 2026-09-30 in {time.monotonic() - t:.1f} s")
    targets = due()
    s3 = boto3.client("s3", endpoint_url=env["S3_ENDPOINT_URL"], region_name=env["S3_REGION"])

    def keys() -> set[str]:
        found, token = set(), None
        while True:
            page = s3.list_objects_v2(Bucket=env["S3_BUCKET"], **({"ContinuationToken": token} if token else {}))
            found |= {o["Key"] for o in page.get("Contents", [])}
            token = page.get("NextContinuationToken")
            if not token:
                return found

    keys_before = keys()
    cert_rows_before = set(StoredFile.objects.filter(kind=KIND_CERTIFICATE).values_list("pk", flat=True))
    audit_before = AuditEvent.objects.filter(action="declaration.certificate_issue").count()
    log_file = _cluster.RUN / "logs" / "workers.log"
    log_offset = log_file.stat().st_size if log_file.exists() else 0
    print(
        f"kill_worker_pdf: {len(targets)} certificates due and not stored (submissions {targets[0]}…{targets[-1]}); "
        f"{len(keys_before)} objects in the bucket; load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())
    )

    monitor = psycopg2.connect(env["DATABASE_URL"])
    monitor.autocommit = True

    def stored(ids: list[int]) -> int:
        return Submission.objects.filter(pk__in=ids, certificate_file__isnull=False).count()

    def rendering() -> tuple[int, str] | None:
        """A session idle in its transaction after reading a submission's people: the worker is inside WeasyPrint."""
        with monitor.cursor() as cur:
            cur.execute(
                "SELECT pid, query FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
                " AND state = 'idle in transaction' AND query LIKE '%declarations_submissionperson%'"
            )
            row = cur.fetchone()
        return row

    s3_port = f"{urlsplit(env['S3_ENDPOINT_URL']).port:04X}"

    def store_has_unread_request_of(worker: int) -> bool:
        """The worker's own request waits unread in the frozen object store's socket: the worker's connections to the
        store (its sockets' inodes in /proc/net/tcp), and the store's end of one of them with bytes in rx_queue.
        (The nodes' /healthz storage checks also knock at the store: only the worker's connection counts.)"""
        inodes = set()
        for fd in Path(f"/proc/{worker}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
        rows = [line.split() for line in Path("/proc/net/tcp").read_text().splitlines()[1:]]
        mine = {r[1].split(":")[1] for r in rows if r[9] in inodes and r[2].endswith(":" + s3_port)}
        return any(
            r[1].endswith(":" + s3_port) and r[2].split(":")[1] in mine and int(r[4].split(":")[1], 16) > 0
            for r in rows
        )

    queued_at = time.monotonic()
    result = issue_due_certificates.enqueue(base_url=env.get("PUBLIC_BASE_URL", ""))
    row = DBTaskResult.objects.get(pk=result.id)
    deadline = time.monotonic() + 60
    while row.status != TaskResultStatus.RUNNING and time.monotonic() < deadline:
        time.sleep(0.1)
        row.refresh_from_db()
    if row.status != TaskResultStatus.RUNNING:
        sys.exit(f"no worker claimed the task within 60 s (status {row.status}): are the workers running?")
    victim = row.worker_ids[-1]
    pid = worker_pid(victim)
    if pid is None:
        sys.exit(f"worker {victim} not found among the processes")
    print(f"  task {result.id} claimed by {victim} (pid {pid}) {time.monotonic() - queued_at:.1f} s after queueing")

    caught = None
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline and row.status == TaskResultStatus.RUNNING:
        if stored(targets) >= args.after:
            caught = rendering()
            if caught:
                break
        time.sleep(0.02)
        row.refresh_from_db(fields=["status"])
    if caught is None:
        print(f"  never caught the worker rendering after {args.after} stored (status {row.status}); nothing killed")
        return 1
    done_before_kill = stored(targets)
    backend, query = caught
    match = re.search(r'"submission_id" = (\d+)\b', query)
    in_render = int(match.group(1)) if match else None
    where = "rendered the certificate"
    if args.at == "upload":
        s3_group = _cluster.pid_of("s3")
        os.killpg(s3_group, signal.SIGSTOP)
        try:
            frozen = time.monotonic()
            while not store_has_unread_request_of(pid) and time.monotonic() - frozen < 60:
                time.sleep(0.02)
            waited = time.monotonic() - frozen
            if not rendering():
                print("  the worker left its transaction before the kill (not in the upload): nothing killed")
                return 1
            os.kill(pid, signal.SIGKILL)
            where = f"uploaded the certificate (its PUT unread in the frozen store, {waited:.1f} s after the freeze)"
            time.sleep(0.5)
        finally:
            os.killpg(s3_group, signal.SIGCONT)
    else:
        os.kill(pid, signal.SIGKILL)
    killed = time.monotonic()
    print(
        f"  SIGKILL to {victim} (pid {pid}) while it {where} of submission {in_render} "
        f"(its session {backend} idle in transaction after reading the people); {done_before_kill} of "
        f"{len(targets)} already stored"
    )

    requeued_after = finished_after = None
    gone_after = None
    while time.monotonic() - killed < args.timeout:
        row.refresh_from_db()
        if gone_after is None:
            with monitor.cursor() as cur:
                cur.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [backend])
                if cur.fetchone()[0] == 0:
                    gone_after = time.monotonic() - killed
                    lost = Submission.objects.get(pk=in_render).certificate_file_id if in_render else None
                    print(
                        f"  its database session ended {gone_after:.1f} s after the kill; submission {in_render}: "
                        f"certificate {'STORED (?)' if lost else 'not stored (the transaction rolled back)'}"
                    )
        if requeued_after is None and (row.status == TaskResultStatus.READY or len(row.worker_ids) > 1):
            requeued_after = time.monotonic() - killed
        if row.status in (TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED):
            finished_after = time.monotonic() - killed
            break
        time.sleep(0.2)
    print(f"  requeued {requeued_after:.1f} s after the kill" if requeued_after is not None else "  NOT requeued")
    if finished_after is None:
        print(f"  NOT finished within {args.timeout:.0f} s (status {row.status})")
    else:
        print(
            f"  {row.status} {finished_after:.1f} s after the kill; claimed by {' → '.join(row.worker_ids)}; "
            f"return value {row.return_value} (certificates the re-run generated)"
        )

    # --- checks ------------------------------------------------------------------------------------------------
    subs = Submission.objects.filter(pk__in=targets).select_related("certificate_file")
    missing = [s.pk for s in subs if s.certificate_file_id is None]
    new_rows = StoredFile.objects.filter(kind=KIND_CERTIFICATE).exclude(pk__in=cert_rows_before)
    linked = {s.certificate_file_id for s in subs}
    unlinked = [f.pk for f in new_rows if f.pk not in linked]
    issue_events = AuditEvent.objects.filter(action="declaration.certificate_issue").count() - audit_before
    new_keys = keys() - keys_before
    row_keys = {f.file.name for f in new_rows}
    orphans = sorted(new_keys - row_keys)
    missing_objects = sorted(row_keys - new_keys)
    bad = []
    for f in new_rows:
        with default_storage.open(f.file.name, "rb") as fh:
            data = fh.read()
        if not data.startswith(b"%PDF") or hashlib.sha256(data).hexdigest() != f.sha256:
            bad.append(f.pk)
    print(
        f"  due {len(targets)}; certificates linked {len(targets) - len(missing)} (missing {missing or 0}); new "
        f"certificate rows {new_rows.count()}, not linked to a submission {unlinked or 0}; audit events "
        f"declaration.certificate_issue +{issue_events}"
    )
    print(
        f"  bucket: {len(new_keys)} new objects for {len(row_keys)} new rows; orphan objects {orphans or 0}; rows "
        f"without their object {missing_objects or 0}; PDFs read back with the row's SHA-256: "
        f"{new_rows.count() - len(bad)} of {new_rows.count()}"
    )
    time.sleep(1.0)
    print("  supervisor's log of the episode:")
    with log_file.open("rb") as log:
        log.seek(log_offset)
        for line in log.read().decode("utf-8", "replace").splitlines():
            if "supervise[" in line:
                print("   ", line)
    ok = (
        row.status == TaskResultStatus.SUCCESSFUL
        and not missing
        and not unlinked
        and new_rows.count() == len(targets) == issue_events
        and (not orphans or (args.at == "upload" and len(orphans) == 1))
        and not missing_objects
        and not bad
    )
    print(
        "kill_worker_pdf:", "OK" if ok else "FAILED", "; load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
